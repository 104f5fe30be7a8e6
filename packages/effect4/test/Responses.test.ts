import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as fc from "fast-check"
import * as Responses from "../src/Responses.js"
import { excessOptions, unknownFields } from "./unknownFields.js"

const decodeEvent = Schema.decodeUnknownEffect(Responses.ResponseStreamEvent)
const decodeResponse = Schema.decodeUnknownEffect(Responses.Response)
const decodeRequest = Schema.decodeUnknownEffect(Responses.CreateResponseRequest)

const responseBody = `{
  "id": "resp_6f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f",
  "object": "response",
  "created_at": 1735689600,
  "status": "completed",
  "model": "gpt-4.1-mini",
  "error": null,
  "incomplete_details": null,
  "instructions": "Be brief.",
  "max_output_tokens": null,
  "x_gateway_trace": "7d1f",
  "output": [
    {
      "type": "reasoning",
      "id": "rs_1",
      "summary": []
    },
    {
      "type": "message",
      "id": "msg_1",
      "status": "completed",
      "role": "assistant",
      "x_item_extra": true,
      "content": [
        { "type": "output_text", "text": "Paris is the capital.", "annotations": [], "x_part_extra": 1 }
      ]
    },
    {
      "type": "web_search_call",
      "id": "ws_1",
      "status": "completed"
    }
  ],
  "usage": {
    "input_tokens": 20,
    "output_tokens": 6,
    "total_tokens": 26,
    "input_tokens_details": { "cached_tokens": 0 },
    "output_tokens_details": { "reasoning_tokens": 0 }
  }
}`

const createdResponse = `{"id":"resp_1","object":"response","created_at":1735689600,"status":"in_progress","model":"gpt-4.1-mini","output":[],"usage":null}`

const streamPayloads = [
  `{"type":"response.created","sequence_number":0,"response":${createdResponse}}`,
  `{"type":"response.in_progress","sequence_number":1,"response":${createdResponse}}`,
  `{"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"type":"message","id":"msg_1","status":"in_progress","role":"assistant","content":[]}}`,
  `{"type":"response.content_part.added","sequence_number":3,"item_id":"msg_1","output_index":0,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}}`,
  `{"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hel"}`,
  `{"type":"response.reasoning_summary_text.delta","sequence_number":5,"item_id":"rs_1","output_index":1,"delta":"thinking"}`,
  `{"type":"response.output_text.delta","sequence_number":6,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"lo"}`,
  `{"type":"response.output_text.done","sequence_number":7,"item_id":"msg_1","output_index":0,"content_index":0,"text":"Hello"}`,
  `{"type":"response.content_part.done","sequence_number":8,"item_id":"msg_1","output_index":0,"content_index":0,"part":{"type":"output_text","text":"Hello","annotations":[]}}`,
  `{"type":"response.output_item.done","sequence_number":9,"output_index":0,"item":{"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hello","annotations":[]}]}}`,
  `{"type":"response.completed","sequence_number":10,"response":{"id":"resp_1","object":"response","created_at":1735689600,"status":"completed","model":"gpt-4.1-mini","output":[{"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hello","annotations":[]}]}],"usage":{"input_tokens":9,"output_tokens":2,"total_tokens":11}}}`
]

const decodeAll = (payloads: ReadonlyArray<string>) =>
  Effect.forEach(payloads, (payload) => decodeEvent(JSON.parse(payload)))

describe("Responses", () => {
  describe("Response", () => {
    it.effect("decodes a response body", () =>
      Effect.gen(function*() {
        const response = yield* decodeResponse(JSON.parse(responseBody))
        expect(response.id).toBe("resp_6f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f")
        expect(response.status).toBe("completed")
        expect(response.created_at).toBe(1735689600)
        expect(response.output).toHaveLength(3)
        expect(response.output[1].type).toBe("message")
        expect(response.output[2].type).toBe("web_search_call")
        expect(response.usage?.total_tokens).toBe(26)
        expect(Responses.outputText(response)).toBe("Paris is the capital.")
      }))

    it.effect("keeps unknown fields at every level, also on unknown item types", () =>
      Effect.gen(function*() {
        const response = yield* decodeResponse(JSON.parse(responseBody))
        const raw = response as unknown as Record<string, any>
        expect(raw.x_gateway_trace).toBe("7d1f")
        expect(raw.output[1].x_item_extra).toBe(true)
        expect(raw.output[1].content[0].x_part_extra).toBe(1)
        expect(raw.output[2]).toEqual({ type: "web_search_call", id: "ws_1", status: "completed" })
        for (const options of excessOptions) {
          const again = (yield* decodeResponse(JSON.parse(responseBody), options)) as unknown as Record<string, any>
          expect(again.x_gateway_trace).toBe("7d1f")
          expect(again.output[1].content[0].x_part_extra).toBe(1)
        }
      }))

    it("any unknown field survives a decode, at the top level, in an item and in a part", () =>
      fc.assert(
        fc.property(
          unknownFields(Responses.Response),
          unknownFields(Responses.OutputMessage),
          unknownFields(Responses.OutputText),
          (top, item, part) => {
            const body = {
              ...top,
              id: "r",
              output: [{ ...item, type: "message", content: [{ ...part, type: "output_text", text: "hi" }] }]
            }
            const decoded = Schema.decodeUnknownSync(Responses.Response)(body, { onExcessProperty: "error" })
            expect(decoded).toEqual(body)
          }
        ),
        { numRuns: 100 }
      ))

    it.effect("decodes Go zero values: null output, null strings of a function call", () =>
      Effect.gen(function*() {
        const response = yield* decodeResponse({
          id: "r",
          object: "",
          created_at: 0,
          status: "",
          output: [
            { type: "function_call", id: "", call_id: null, name: null, arguments: null, status: "" },
            { type: "message", id: "m", content: null },
            { type: "reasoning", summary: null }
          ],
          usage: null,
          error: { code: 0, message: "" },
          incomplete_details: null
        })
        expect(response.output[0]).toEqual({ type: "function_call", id: "", call_id: "", name: "", arguments: "", status: "" })
        expect(response.output[1]).toEqual({ type: "message", id: "m", content: [] })
        expect(response.error).toEqual({ code: 0, message: "" })
        expect((yield* decodeResponse({ id: "r", output: null })).output).toEqual([])
      }))

    it.effect("fails with a SchemaError when output is not an array", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(decodeResponse({ id: "r", output: "Hello" }))
        expect(error._tag).toBe("SchemaError")
      }))
  })

  describe("stream", () => {
    it.effect("decodes every event, with unknown events kept whole", () =>
      Effect.gen(function*() {
        const events = yield* decodeAll(streamPayloads)
        expect(events.map((e) => e.type)).toEqual([
          "response.created",
          "response.in_progress",
          "response.output_item.added",
          "response.content_part.added",
          "response.output_text.delta",
          "response.reasoning_summary_text.delta",
          "response.output_text.delta",
          "response.output_text.done",
          "response.content_part.done",
          "response.output_item.done",
          "response.completed"
        ])
        const delta = events[4]
        expect(Responses.isEventType(delta, "response.output_text.delta") && delta.delta).toBe("Hel")
        expect((events[5] as unknown as Record<string, unknown>).delta).toBe("thinking")
        expect(Responses.isEventType(events[5], "response.output_text.delta")).toBe(false)
        // the unknown event is kept whole
        expect(events[5]).toEqual(JSON.parse(streamPayloads[5]))
      }))

    it.effect("decodes deltas and errors with Go zero values", () =>
      Effect.gen(function*() {
        const [delta, args, gatewayError, openAiError] = yield* decodeAll([
          `{"type":"response.output_text.delta","sequence_number":0,"item_id":"","output_index":0,"content_index":0,"delta":null}`,
          `{"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":null}`,
          `{"type":"response.error","error":{"code":"2008","message":"tpm limit"}}`,
          `{"type":"error","code":"rate_limit_exceeded","message":"slow down","param":null}`
        ])
        expect(Responses.isEventType(delta, "response.output_text.delta") && delta.delta).toBe("")
        expect(Responses.isEventType(args, "response.function_call_arguments.delta") && args.delta).toBe("")
        expect(Responses.isEventType(gatewayError, "response.error") && gatewayError.error).toEqual({
          code: "2008",
          message: "tpm limit"
        })
        expect(Responses.isEventType(openAiError, "error") && openAiError.code).toBe("rate_limit_exceeded")
      }))
  })

  describe("CreateResponseRequest", () => {
    it.effect("accepts string and array input with extra fields", () =>
      Effect.gen(function*() {
        const request: Responses.CreateResponseRequest = {
          model: "gpt-4.1-mini",
          input: [
            { role: "user", content: "What's the weather?" },
            { type: "function_call", call_id: "c1", name: "get_weather", arguments: "{}" },
            { type: "function_call_output", call_id: "c1", output: "sunny" },
            { role: "user", content: [{ type: "input_text", text: "And tomorrow?" }] }
          ],
          instructions: "Be brief.",
          stream: true,
          max_output_tokens: 200,
          temperature: 0.3,
          tools: [{ type: "function", name: "get_weather", parameters: { type: "object" } }, { type: "web_search" }],
          x_vendor: { a: 1 }
        }
        const decoded = yield* decodeRequest(request)
        expect(decoded.x_vendor).toEqual({ a: 1 })
        expect(yield* Schema.encodeUnknownEffect(Responses.CreateResponseRequest)(decoded)).toEqual(request)
        expect(Array.isArray(decoded.input) && decoded.input.length).toBe(4)
        const simple = yield* decodeRequest({ model: "m", input: "hi" })
        expect(simple.input).toBe("hi")
      }))

    it.effect("rejects a request without input", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(decodeRequest({ model: "m" }))
        expect(error._tag).toBe("SchemaError")
      }))
  })
})
