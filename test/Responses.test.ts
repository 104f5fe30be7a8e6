import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as Responses from "../src/Responses.js"
import * as ResponsesStream from "../src/internal/surfaces/responses.js"

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
  Effect.forEach(payloads, (payload) => Schema.decodeUnknown(Responses.ResponseStreamEvent)(JSON.parse(payload)))

describe("Responses", () => {
  describe("Response", () => {
    it.effect("decodes a response body", () =>
      Effect.gen(function*() {
        const response = yield* Schema.decodeUnknown(Responses.Response)(JSON.parse(responseBody))
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
        const response = yield* Schema.decodeUnknown(Responses.Response)(JSON.parse(responseBody))
        const raw = response as unknown as Record<string, any>
        expect(raw.x_gateway_trace).toBe("7d1f")
        expect(raw.output[1].x_item_extra).toBe(true)
        expect(raw.output[1].content[0].x_part_extra).toBe(1)
        expect(raw.output[2]).toEqual({ type: "web_search_call", id: "ws_1", status: "completed" })
      }))

    it.effect("fails with a ParseError when output is not an array", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Schema.decodeUnknown(Responses.Response)({ id: "r", output: "Hello" }))
        expect(error._tag).toBe("ParseError")
      }))
  })

  describe("stream", () => {
    it.prop(
      "accumulate is total: any schema-valid input gives a valid Response",
      [Schema.Array(Responses.ResponseStreamEvent)],
      ([events]) => {
        expect(Schema.is(Responses.Response)(ResponsesStream.accumulate(events))).toBe(true)
      },
      { fastCheck: { numRuns: 100 } }
    )

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
      }))

    it.effect("accumulate returns the completed response", () =>
      Effect.gen(function*() {
        const response = ResponsesStream.accumulate(yield* decodeAll(streamPayloads))
        expect(response.status).toBe("completed")
        expect(Responses.outputText(response)).toBe("Hello")
        expect(response.usage?.output_tokens).toBe(2)
      }))

    it.effect("accumulate builds the output from deltas when there is no terminal event", () =>
      Effect.gen(function*() {
        const events = yield* decodeAll(streamPayloads.slice(0, 7))
        const response = ResponsesStream.accumulate(events)
        expect(response.id).toBe("resp_1")
        expect(response.status).toBe("in_progress")
        expect(Responses.outputText(response)).toBe("Hello")
        expect(response.output).toHaveLength(1)
      }))

    it.effect("accumulate fills an empty completed output from the deltas", () =>
      Effect.gen(function*() {
        const events = yield* decodeAll([
          ...streamPayloads.slice(0, 7),
          `{"type":"response.completed","response":{"id":"resp_1","status":"completed","output":[],"usage":{"input_tokens":1,"output_tokens":2,"total_tokens":3}}}`
        ])
        const response = ResponsesStream.accumulate(events)
        expect(response.status).toBe("completed")
        expect(Responses.outputText(response)).toBe("Hello")
        expect(response.usage?.total_tokens).toBe(3)
      }))

    it.effect("accumulate joins function call arguments", () =>
      Effect.gen(function*() {
        const events = yield* decodeAll([
          `{"type":"response.output_item.added","output_index":0,"item":{"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":""}}`,
          `{"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":0,"delta":"{\\"city\\":"}`,
          `{"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":0,"delta":"\\"Paris\\"}"}`
        ])
        const response = ResponsesStream.accumulate(events)
        expect(response.output[0]).toMatchObject({
          type: "function_call",
          call_id: "call_1",
          name: "get_weather",
          arguments: "{\"city\":\"Paris\"}"
        })
      }))

    it.effect("accumulate records a response.error as a failed response", () =>
      Effect.gen(function*() {
        const events = yield* decodeAll([
          streamPayloads[0],
          `{"type":"response.error","error":{"code":"2008","message":"tpm limit"}}`
        ])
        const response = ResponsesStream.accumulate(events)
        expect(response.status).toBe("failed")
        expect(response.error).toEqual({ code: "2008", message: "tpm limit" })
      }))

    it("accumulate is total on an empty stream", () => {
      const response = ResponsesStream.accumulate([])
      expect(response.output).toEqual([])
      expect(response.id).toBe("")
    })

    it("isTerminal", () => {
      expect(ResponsesStream.isTerminal("response.completed")).toBe(true)
      expect(ResponsesStream.isTerminal("response.failed")).toBe(true)
      expect(ResponsesStream.isTerminal("response.incomplete")).toBe(true)
      expect(ResponsesStream.isTerminal("response.output_text.done")).toBe(false)
      expect(ResponsesStream.isTerminal("response.created")).toBe(false)
    })

    it("errorOf", () => {
      const gatewayError = { type: "response.error", error: { code: 2105, message: "internal server error" } }
      expect(ResponsesStream.errorOf(gatewayError)).toBe(gatewayError)
      const openAiError = { type: "error", code: "rate_limit_exceeded", message: "slow down", param: null }
      expect(ResponsesStream.errorOf(openAiError)).toBe(openAiError)
      expect(
        ResponsesStream.errorOf({ type: "response.failed", response: { id: "r", error: { code: "server_error", message: "x" } } })
      ).toEqual({ error: { code: "server_error", message: "x" } })
      expect(ResponsesStream.errorOf({ type: "response.failed", response: { id: "r", error: null } })).toBeUndefined()
      expect(ResponsesStream.errorOf({ error: { code: 2001, message: "boom" } })).toEqual({
        error: { code: 2001, message: "boom" }
      })
      expect(ResponsesStream.errorOf(JSON.parse(streamPayloads[4]))).toBeUndefined()
      expect(ResponsesStream.errorOf({ type: "response.completed", response: { id: "r", error: null } })).toBeUndefined()
    })
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
        const decoded = yield* Schema.decodeUnknown(Responses.CreateResponseRequest)(request)
        expect(decoded.x_vendor).toEqual({ a: 1 })
        expect(Array.isArray(decoded.input) && decoded.input.length).toBe(4)
        const simple = yield* Schema.decodeUnknown(Responses.CreateResponseRequest)({ model: "m", input: "hi" })
        expect(simple.input).toBe("hi")
      }))

    it.effect("rejects a request without input", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Schema.decodeUnknown(Responses.CreateResponseRequest)({ model: "m" }))
        expect(error._tag).toBe("ParseError")
      }))
  })
})
