import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as fc from "fast-check"
import * as Messages from "../src/Messages.js"
import { excessOptions, unknownFields } from "./unknownFields.js"

const decodeEvent = Schema.decodeUnknownEffect(Messages.MessageStreamEvent)
const decodeMessage = Schema.decodeUnknownEffect(Messages.Message)
const decodeRequest = Schema.decodeUnknownEffect(Messages.CreateMessageRequest)

const messageBody = `{
  "id": "4f7d3c2b1a0e9f8d7c6b5a4f3e2d1c0b",
  "type": "message",
  "role": "assistant",
  "model": "claude-sonnet-4-20250514",
  "x_gateway_region": "cn",
  "content": [
    { "type": "thinking", "thinking": "Let me think.", "signature": "", "text": "", "input": null, "id": "", "name": "" },
    { "type": "text", "text": "Hi there.", "signature": "", "thinking": "", "input": null, "id": "", "name": "", "citations": null, "x_block_extra": "kept" },
    { "type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": null, "text": "", "signature": "" }
  ],
  "stop_reason": "end_turn",
  "stop_sequence": "",
  "usage": {
    "input_tokens": 25,
    "output_tokens": 11,
    "cache_creation_input_tokens": 0,
    "cache_read_input_tokens": 0,
    "service_tier": "standard"
  }
}`

// Every data object carries every field of the Go event union, most of them empty.
const event = (fields: Record<string, unknown>): string =>
  JSON.stringify({ message: null, index: 0, content_block: null, delta: null, usage: null, ...fields })

const startMessage = {
  id: "4f7d3c2b1a0e9f8d7c6b5a4f3e2d1c0b",
  type: "message",
  role: "assistant",
  model: "claude-sonnet-4-20250514",
  content: [],
  stop_reason: "",
  stop_sequence: "",
  usage: { input_tokens: 25, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
}

const emptyDelta = { type: "", text: "", partial_json: "", thinking: "", signature: "", stop_reason: "", stop_sequence: "" }
const emptyBlock = { type: "", text: "", id: "", name: "", input: null, thinking: "", signature: "", data: "" }

const streamPayloads = [
  event({ type: "message_start", message: startMessage }),
  event({ type: "content_block_start", index: 0, content_block: { ...emptyBlock, type: "thinking" } }),
  event({ type: "content_block_delta", index: 0, delta: { ...emptyDelta, type: "thinking_delta", thinking: "Greet " } }),
  event({ type: "content_block_delta", index: 0, delta: { ...emptyDelta, type: "thinking_delta", thinking: "back." } }),
  event({ type: "content_block_delta", index: 0, delta: { ...emptyDelta, type: "signature_delta", signature: "EqQB" } }),
  event({ type: "content_block_stop", index: 0 }),
  event({ type: "ping" }),
  event({ type: "content_block_start", index: 1, content_block: { ...emptyBlock, type: "text" } }),
  event({ type: "content_block_delta", index: 1, delta: { ...emptyDelta, type: "text_delta", text: "Hello" } }),
  event({ type: "content_block_delta", index: 1, delta: { ...emptyDelta, type: "text_delta", text: ", world" } }),
  event({ type: "content_block_stop", index: 1 }),
  event({ type: "content_block_start", index: 2, content_block: { ...emptyBlock, type: "tool_use", id: "toolu_01", name: "get_weather" } }),
  event({ type: "content_block_delta", index: 2, delta: { ...emptyDelta, type: "input_json_delta", partial_json: "" } }),
  event({ type: "content_block_delta", index: 2, delta: { ...emptyDelta, type: "input_json_delta", partial_json: "{\"city\": " } }),
  event({ type: "content_block_delta", index: 2, delta: { ...emptyDelta, type: "input_json_delta", partial_json: "\"Paris\"}" } }),
  event({ type: "content_block_stop", index: 2 }),
  event({
    type: "message_delta",
    delta: { ...emptyDelta, stop_reason: "tool_use", stop_sequence: "" },
    usage: { input_tokens: 0, output_tokens: 42, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
  }),
  event({ type: "message_stop" })
]

const decodeAll = (payloads: ReadonlyArray<string>) =>
  Effect.forEach(payloads, (payload) => decodeEvent(JSON.parse(payload)))

describe("Messages", () => {
  describe("Message", () => {
    it.effect("decodes a gateway body with Go zero values", () =>
      Effect.gen(function*() {
        const message = yield* decodeMessage(JSON.parse(messageBody))
        expect(message.id).toBe("4f7d3c2b1a0e9f8d7c6b5a4f3e2d1c0b")
        expect(message.stop_reason).toBe("end_turn")
        expect(message.stop_sequence).toBe("")
        expect(message.content).toHaveLength(3)
        const [thinking, text, toolUse] = message.content
        expect(thinking).toMatchObject({ type: "thinking", thinking: "Let me think.", signature: "" })
        expect(text).toMatchObject({ type: "text", text: "Hi there." })
        expect(toolUse).toMatchObject({ type: "tool_use", id: "toolu_01", name: "get_weather", input: null })
        expect(message.usage.input_tokens).toBe(25)
        expect(message.usage.output_tokens).toBe(11)
        expect(Messages.textOf(message)).toBe("Hi there.")
      }))

    it.effect("keeps unknown top-level and nested fields", () =>
      Effect.gen(function*() {
        const message = yield* decodeMessage(JSON.parse(messageBody))
        const raw = message as unknown as Record<string, any>
        expect(raw.x_gateway_region).toBe("cn")
        expect(raw.content[1].x_block_extra).toBe("kept")
        expect(raw.content[1].input).toBeNull()
        expect(raw.usage.service_tier).toBe("standard")
        for (const options of excessOptions) {
          const again = (yield* decodeMessage(JSON.parse(messageBody), options)) as unknown as Record<string, any>
          expect(again.x_gateway_region).toBe("cn")
          expect(again.content[0]).toEqual(JSON.parse(messageBody).content[0])
        }
      }))

    it("any unknown field survives a decode, at the top level, in a block and in the usage", () =>
      fc.assert(
        fc.property(
          unknownFields(Messages.Message),
          unknownFields(Messages.TextBlock),
          unknownFields(Messages.Usage),
          (top, block, usage) => {
            const body = {
              ...top,
              id: "x",
              role: "assistant",
              model: "m",
              content: [{ ...block, type: "text", text: "hi" }],
              usage: { ...usage, input_tokens: 1, output_tokens: 2 }
            }
            const decoded = Schema.decodeUnknownSync(Messages.Message)(body, { onExcessProperty: "error" })
            expect(decoded).toEqual(body)
          }
        ),
        { numRuns: 100 }
      ))

    it.effect("decodes an unknown block type", () =>
      Effect.gen(function*() {
        const message = yield* decodeMessage({
          ...JSON.parse(messageBody),
          content: [{ type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [] }]
        })
        expect(message.content[0]).toEqual({ type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [] })
      }))

    it.effect("fails with a SchemaError when content is not an array", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          decodeMessage({ ...JSON.parse(messageBody), content: "Hi there." })
        )
        expect(error._tag).toBe("SchemaError")
      }))
  })

  describe("stream", () => {
    it.effect("decodes the gateway's full-union events one by one", () =>
      Effect.gen(function*() {
        const events = yield* decodeAll(streamPayloads)
        expect(events.map((e) => e.type)).toEqual([
          "message_start",
          "content_block_start",
          "content_block_delta",
          "content_block_delta",
          "content_block_delta",
          "content_block_stop",
          "ping",
          "content_block_start",
          "content_block_delta",
          "content_block_delta",
          "content_block_stop",
          "content_block_start",
          "content_block_delta",
          "content_block_delta",
          "content_block_delta",
          "content_block_stop",
          "message_delta",
          "message_stop"
        ])
        const delta = events[8]
        if (!Messages.isEventType(delta, "content_block_delta")) throw new Error("not a delta")
        expect(delta.index).toBe(1)
        expect(delta.delta).toMatchObject({ type: "text_delta", text: "Hello" })
        // the empty union fields are kept
        expect((delta as unknown as Record<string, unknown>).message).toBeNull()
        expect((delta as unknown as Record<string, unknown>).usage).toBeNull()
      }))

    it.effect("decodes an unknown event and an unknown delta type", () =>
      Effect.gen(function*() {
        const events = yield* decodeAll([
          event({ type: "message_annotation", note: "x" }),
          event({ type: "content_block_delta", index: 0, delta: { type: "compaction_delta", content: "y" } })
        ])
        expect(events[0]).toMatchObject({ type: "message_annotation", note: "x" })
        expect(events[1]).toMatchObject({ type: "content_block_delta", delta: { type: "compaction_delta" } })
        expect(Messages.isEventType(events[0], "message_start")).toBe(false)
      }))

    it.effect("decodes the Go zero values of blocks, deltas and indexes", () =>
      Effect.gen(function*() {
        const [start, delta, stop, messageDelta, error] = yield* decodeAll([
          event({ type: "content_block_start", index: null, content_block: { ...emptyBlock, type: "tool_use" } }),
          event({ type: "content_block_delta", index: 2, delta: { type: "text_delta", text: null } }),
          JSON.stringify({ type: "content_block_stop" }),
          event({ type: "message_delta", delta: null, usage: { output_tokens: 0, input_tokens: null } }),
          event({ type: "error", error: { type: "overloaded_error", message: "Overloaded" }, request_id: "" })
        ])
        if (!Messages.isEventType(start, "content_block_start")) throw new Error("not a block start")
        expect(start.index).toBe(0)
        // the zero fields of the Go block union are kept beside the tool_use fields
        expect(start.content_block).toEqual({ ...emptyBlock, type: "tool_use" })
        if (!Messages.isEventType(delta, "content_block_delta")) throw new Error("not a delta")
        expect(delta.delta).toEqual({ type: "text_delta", text: "" })
        expect(Messages.isEventType(stop, "content_block_stop") && stop.index).toBe(0)
        if (!Messages.isEventType(messageDelta, "message_delta")) throw new Error("not a message delta")
        expect(messageDelta.delta).toEqual({})
        expect(messageDelta.usage).toEqual({ output_tokens: 0, input_tokens: null })
        expect(Messages.isEventType(error, "error") && error.error?.type).toBe("overloaded_error")
      }))

    it.effect("rejects a known event that lacks its required fields", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(decodeEvent({ type: "message_start", message: null }))
        expect(error._tag).toBe("SchemaError")
      }))
  })

  describe("CreateMessageRequest", () => {
    it.effect("accepts a full request and keeps extra fields", () =>
      Effect.gen(function*() {
        const request: Messages.CreateMessageRequest = {
          model: "claude-sonnet-4-20250514",
          max_tokens: 1024,
          system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
          messages: [
            { role: "user", content: "Weather in Paris?" },
            {
              role: "assistant",
              content: [{ type: "tool_use", id: "toolu_01", name: "get_weather", input: { city: "Paris" } }]
            },
            { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01", content: "sunny" }] }
          ],
          stream: true,
          temperature: 0.5,
          tools: [{ name: "get_weather", input_schema: { type: "object" } }],
          stop_sequences: ["\n\nHuman:"],
          metadata: { user_id: "u-1" },
          thinking: { type: "enabled", budget_tokens: 2048 },
          x_trace: "t"
        }
        const decoded = yield* decodeRequest(request)
        expect(decoded.messages).toHaveLength(3)
        expect(decoded.x_trace).toBe("t")
        expect(yield* Schema.encodeUnknownEffect(Messages.CreateMessageRequest)(decoded)).toEqual(request)
      }))

    it.effect("rejects a request without max_tokens", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          decodeRequest({ model: "m", messages: [{ role: "user", content: "x" }] })
        )
        expect(error._tag).toBe("SchemaError")
      }))
  })
})
