import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as Messages from "../src/Messages.js"
import * as MessagesStream from "../src/internal/surfaces/messages.js"

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
  Effect.forEach(payloads, (payload) => Schema.decodeUnknown(Messages.MessageStreamEvent)(JSON.parse(payload)))

describe("Messages", () => {
  describe("Message", () => {
    it.effect("decodes a gateway body with Go zero values", () =>
      Effect.gen(function*() {
        const message = yield* Schema.decodeUnknown(Messages.Message)(JSON.parse(messageBody))
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
        const message = yield* Schema.decodeUnknown(Messages.Message)(JSON.parse(messageBody))
        const raw = message as unknown as Record<string, any>
        expect(raw.x_gateway_region).toBe("cn")
        expect(raw.content[1].x_block_extra).toBe("kept")
        expect(raw.content[1].input).toBeNull()
        expect(raw.usage.service_tier).toBe("standard")
      }))

    it.effect("decodes an unknown block type", () =>
      Effect.gen(function*() {
        const message = yield* Schema.decodeUnknown(Messages.Message)({
          ...JSON.parse(messageBody),
          content: [{ type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [] }]
        })
        expect(message.content[0]).toEqual({ type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [] })
      }))

    it.effect("fails with a ParseError when content is not an array", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          Schema.decodeUnknown(Messages.Message)({ ...JSON.parse(messageBody), content: "Hi there." })
        )
        expect(error._tag).toBe("ParseError")
      }))
  })

  describe("stream", () => {
    it.prop(
      "accumulate is total: any schema-valid input gives a valid Message",
      [Schema.Array(Messages.MessageStreamEvent)],
      ([events]) => {
        expect(Schema.is(Messages.Message)(MessagesStream.accumulate(events))).toBe(true)
      },
      { fastCheck: { numRuns: 100 } }
    )

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

    it.effect("accumulates text, thinking, tool input, stop reason and usage", () =>
      Effect.gen(function*() {
        const message = MessagesStream.accumulate(yield* decodeAll(streamPayloads))
        expect(message.id).toBe("4f7d3c2b1a0e9f8d7c6b5a4f3e2d1c0b")
        expect(message.content).toHaveLength(3)
        expect(message.content[0]).toMatchObject({ type: "thinking", thinking: "Greet back.", signature: "EqQB" })
        expect(message.content[1]).toMatchObject({ type: "text", text: "Hello, world" })
        expect(message.content[2]).toMatchObject({
          type: "tool_use",
          id: "toolu_01",
          name: "get_weather",
          input: { city: "Paris" }
        })
        expect(Messages.textOf(message)).toBe("Hello, world")
        expect(message.stop_reason).toBe("tool_use")
        expect(message.stop_sequence).toBe("")
        // output from message_delta; the delta's Go-zero input_tokens does not erase the start's 25
        expect(message.usage.output_tokens).toBe(42)
        expect(message.usage.input_tokens).toBe(25)
      }))

    it.effect("keeps unparseable tool input as the raw string", () =>
      Effect.gen(function*() {
        const events = yield* decodeAll([
          event({ type: "message_start", message: startMessage }),
          event({ type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "t", name: "f", input: {} } }),
          event({ type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: "{\"a\": " } }),
          event({ type: "content_block_stop", index: 0 })
        ])
        const message = MessagesStream.accumulate(events)
        expect(message.content[0]).toMatchObject({ type: "tool_use", input: "{\"a\": " })
      }))

    it.effect("tool input with no fragments is an empty object", () =>
      Effect.gen(function*() {
        const events = yield* decodeAll([
          event({ type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "t", name: "f", input: null } }),
          event({ type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: "" } })
        ])
        expect(MessagesStream.accumulate(events).content[0]).toMatchObject({ type: "tool_use", input: {} })
      }))

    it.effect("decodes an unknown event and an unknown delta type", () =>
      Effect.gen(function*() {
        const events = yield* decodeAll([
          event({ type: "message_annotation", note: "x" }),
          event({ type: "content_block_delta", index: 0, delta: { type: "compaction_delta", content: "y" } })
        ])
        expect(events[0]).toMatchObject({ type: "message_annotation", note: "x" })
        expect(events[1]).toMatchObject({ type: "content_block_delta", delta: { type: "compaction_delta" } })
        expect(MessagesStream.accumulate(events).content).toEqual([])
      }))

    it("accumulate is total on an empty stream", () => {
      const message = MessagesStream.accumulate([])
      expect(message.content).toEqual([])
      expect(message.role).toBe("assistant")
      expect(message.usage).toEqual({ input_tokens: 0, output_tokens: 0 })
    })

    it("isTerminal", () => {
      expect(MessagesStream.isTerminal("message_stop")).toBe(true)
      expect(MessagesStream.isTerminal("message_delta")).toBe(false)
      expect(MessagesStream.isTerminal("content_block_stop")).toBe(false)
    })

    it("errorOf", () => {
      const errorEvent = {
        type: "error",
        request_id: "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d",
        error: { type: "The API key in the request is missing or invalid", message: "API key 缺失或无效" }
      }
      expect(MessagesStream.errorOf(errorEvent)).toBe(errorEvent)
      expect(MessagesStream.errorOf({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }))
        .toBeDefined()
      expect(MessagesStream.errorOf(JSON.parse(streamPayloads[8]))).toBeUndefined()
      expect(MessagesStream.errorOf({ type: "ping", error: { type: "", message: "" } })).toBeUndefined()
      expect(MessagesStream.errorOf({ error: { code: 2102, message: "no permission" } })).toBeDefined()
      expect(MessagesStream.errorOf(undefined)).toBeUndefined()
    })
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
        const decoded = yield* Schema.decodeUnknown(Messages.CreateMessageRequest)(request)
        expect(decoded.messages).toHaveLength(3)
        expect(decoded.x_trace).toBe("t")
      }))

    it.effect("rejects a request without max_tokens", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          Schema.decodeUnknown(Messages.CreateMessageRequest)({ model: "m", messages: [{ role: "user", content: "x" }] })
        )
        expect(error._tag).toBe("ParseError")
      }))
  })
})
