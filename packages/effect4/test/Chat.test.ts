import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as fc from "fast-check"
import * as Chat from "../src/Chat.js"
import { excessOptions, unknownFields } from "./unknownFields.js"

const decodeChunk = Schema.decodeUnknownEffect(Chat.ChatCompletionChunk)
const decodeCompletion = Schema.decodeUnknownEffect(Chat.ChatCompletion)
const decodeRequest = Schema.decodeUnknownEffect(Chat.CreateChatCompletionRequest)

const completionBody = `{
  "id": "0217a3b6c2f94e0e9d3f6a1b2c3d4e5f",
  "object": "chat.completion",
  "created": 0,
  "model": "doubao-seed-1-6-250615",
  "system_fingerprint": "",
  "service_tier": "default",
  "x_gateway_route": "cn-north-1",
  "choices": [
    {
      "index": 0,
      "message": {
        "role": "assistant",
        "content": "Hello! How can I help?",
        "reasoning_content": "The user greets me.",
        "tool_calls": null,
        "refusal": null,
        "x_moderation": { "level": 0 }
      },
      "finish_reason": "stop",
      "logprobs": null,
      "x_choice_extra": "kept"
    }
  ],
  "usage": {
    "prompt_tokens": 12,
    "completion_tokens": 7,
    "total_tokens": 19,
    "prompt_tokens_details": { "cached_tokens": 0 },
    "completion_tokens_details": { "reasoning_tokens": 4 }
  }
}`

const streamPayloads = [
  `{"id":"0217a3b6c2f94e0e9d3f6a1b2c3d4e5f","object":"chat.completion.chunk","created":0,"model":"doubao-seed-1-6-250615","system_fingerprint":"","choices":[]}`,
  `{"id":"0217a3b6c2f94e0e9d3f6a1b2c3d4e5f","object":"chat.completion.chunk","created":1735689600,"model":"doubao-seed-1-6-250615","system_fingerprint":"","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`,
  `{"id":"0217a3b6c2f94e0e9d3f6a1b2c3d4e5f","object":"chat.completion.chunk","created":1735689600,"model":"doubao-seed-1-6-250615","system_fingerprint":"","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}`,
  `{"id":"0217a3b6c2f94e0e9d3f6a1b2c3d4e5f","object":"chat.completion.chunk","created":1735689600,"model":"doubao-seed-1-6-250615","system_fingerprint":"","choices":[{"index":0,"delta":{"content":"lo!"},"finish_reason":null}]}`,
  `{"id":"0217a3b6c2f94e0e9d3f6a1b2c3d4e5f","object":"chat.completion.chunk","created":1735689600,"model":"doubao-seed-1-6-250615","system_fingerprint":"","choices":[{"index":0,"delta":{"content":""},"finish_reason":"stop"}]}`,
  `{"id":"0217a3b6c2f94e0e9d3f6a1b2c3d4e5f","object":"chat.completion.chunk","created":1735689600,"model":"doubao-seed-1-6-250615","system_fingerprint":"","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}`
]

const toolStreamPayloads = [
  `{"id":"ab12","created":0,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}`,
  `{"id":"ab12","created":0,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"city\\":"}}]},"finish_reason":null}]}`,
  `{"id":"ab12","created":0,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"get_time","arguments":"{}"}}]},"finish_reason":null}]}`,
  `{"id":"ab12","created":0,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\\"Beijing\\"}"}}]},"finish_reason":null}]}`,
  `{"id":"ab12","created":0,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`,
  `{"id":"ab12","created":0,"model":"m","choices":[],"usage":{"prompt_tokens":30,"completion_tokens":20,"total_tokens":50}}`
]

const decodeAll = (payloads: ReadonlyArray<string>) =>
  Effect.forEach(payloads, (payload) => decodeChunk(JSON.parse(payload)))

describe("Chat", () => {
  describe("ChatCompletion", () => {
    it.effect("decodes a gateway body with its quirks", () =>
      Effect.gen(function*() {
        const completion = yield* decodeCompletion(JSON.parse(completionBody))
        expect(completion.id).toBe("0217a3b6c2f94e0e9d3f6a1b2c3d4e5f")
        expect(completion.created).toBe(0)
        expect(completion.system_fingerprint).toBe("")
        expect(completion.model).toBe("doubao-seed-1-6-250615")
        expect(completion.choices).toHaveLength(1)
        expect(completion.choices[0].message.content).toBe("Hello! How can I help?")
        expect(completion.choices[0].message.reasoning_content).toBe("The user greets me.")
        expect(completion.choices[0].message.tool_calls).toBeNull()
        expect(completion.choices[0].finish_reason).toBe("stop")
        expect(completion.usage?.total_tokens).toBe(19)
        expect(completion.usage?.completion_tokens_details?.reasoning_tokens).toBe(4)
      }))

    it.effect("keeps unknown top-level and nested fields", () =>
      Effect.gen(function*() {
        const completion = yield* decodeCompletion(JSON.parse(completionBody))
        const raw = completion as unknown as Record<string, any>
        expect(raw.x_gateway_route).toBe("cn-north-1")
        expect(raw.choices[0].x_choice_extra).toBe("kept")
        expect(raw.choices[0].message.x_moderation).toEqual({ level: 0 })
      }))

    it.effect("keeps unknown fields whatever onExcessProperty the caller passes", () =>
      Effect.gen(function*() {
        for (const options of excessOptions) {
          const completion = yield* decodeCompletion(JSON.parse(completionBody), options)
          const raw = completion as unknown as Record<string, any>
          expect(raw.x_gateway_route).toBe("cn-north-1")
          expect(raw.choices[0].message.x_moderation).toEqual({ level: 0 })
        }
      }))

    it("any unknown field survives a decode, at the top level and in a nested message", () =>
      fc.assert(
        fc.property(
          unknownFields(Chat.ChatCompletion),
          unknownFields(Chat.ChatCompletionMessage),
          (top, nested) => {
            const body = {
              ...top,
              id: "x",
              model: "m",
              choices: [{ index: 0, message: { ...nested, role: "assistant", content: "hi" } }]
            }
            const decoded = Schema.decodeUnknownSync(Chat.ChatCompletion)(body, { onExcessProperty: "error" })
            expect(decoded).toEqual({ ...body, choices: [{ ...body.choices[0] }] })
            expect(Schema.is(Chat.ChatCompletion)(decoded)).toBe(true)
          }
        ),
        { numRuns: 100 }
      ))

    it.effect("decodes Go zero values: null choices, usage details and message fields", () =>
      Effect.gen(function*() {
        const completion = yield* decodeCompletion({
          id: "",
          object: "",
          created: 0,
          model: "",
          choices: null,
          usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, prompt_tokens_details: null },
          system_fingerprint: "",
          service_tier: ""
        })
        expect(completion.choices).toEqual([])
        expect(completion.usage?.prompt_tokens_details).toBeNull()
        const missing = yield* decodeCompletion({ id: "x", model: "m" })
        expect(missing.choices).toEqual([])
      }))

    it.effect("accepts an unknown finish reason and a non-standard id", () =>
      Effect.gen(function*() {
        const completion = yield* decodeCompletion({
          id: "x",
          model: "m",
          choices: [{ index: 0, message: { role: "assistant", content: null }, finish_reason: "sensitive" }]
        })
        expect(completion.choices[0].finish_reason).toBe("sensitive")
        expect(completion.choices[0].message.content).toBeNull()
      }))

    it.effect("fails with a SchemaError when choices is not an array", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          decodeCompletion({ id: "x", model: "m", choices: { index: 0 } })
        )
        expect(error._tag).toBe("SchemaError")
        expect(error.message).toContain("choices")
      }))
  })

  describe("stream", () => {
    it.effect("decodes every chunk, including the empty-choices first and the usage-only last", () =>
      Effect.gen(function*() {
        const chunks = yield* decodeAll(streamPayloads)
        expect(chunks).toHaveLength(6)
        expect(chunks[0].choices).toEqual([])
        expect(chunks[0].created).toBe(0)
        expect(chunks[2].choices[0].delta.content).toBe("Hel")
        expect(chunks[5].choices).toEqual([])
        expect(chunks[5].usage?.total_tokens).toBe(15)
      }))

    it.effect("decodes a chunk whose union fields are Go zero values", () =>
      Effect.gen(function*() {
        const chunk = yield* decodeChunk({
          id: "",
          object: "",
          created: 0,
          model: "",
          choices: [{ index: 0, delta: null, finish_reason: "", logprobs: null }],
          usage: null,
          system_fingerprint: ""
        })
        expect(chunk.choices[0].delta).toEqual({})
        expect(chunk.choices[0].finish_reason).toBe("")
        const bare = yield* decodeChunk({ choices: null })
        expect(bare.choices).toEqual([])
      }))

    it.effect("decodes tool-call fragments, the later ones without id or name", () =>
      Effect.gen(function*() {
        const chunks = yield* decodeAll(toolStreamPayloads)
        expect(chunks[0].choices[0].delta.tool_calls?.[0]).toEqual({
          index: 0,
          id: "call_1",
          type: "function",
          function: { name: "get_weather", arguments: "" }
        })
        expect(chunks[1].choices[0].delta.tool_calls?.[0]).toEqual({ index: 0, function: { arguments: "{\"city\":" } })
        expect(chunks[4].choices[0].delta).toEqual({})
        expect(chunks[4].choices[0].finish_reason).toBe("tool_calls")
        expect(chunks[5].usage?.total_tokens).toBe(50)
      }))

    it.effect("keeps tool-call fragments with their null fields", () =>
      Effect.gen(function*() {
        const chunk = yield* decodeChunk({
          id: "ab12",
          choices: [{
            index: 0,
            delta: { tool_calls: [{ index: 0, id: null, type: null, function: { name: null, arguments: "{" } }] }
          }]
        })
        expect(chunk.choices[0].delta.tool_calls).toEqual([
          { index: 0, id: null, type: null, function: { name: null, arguments: "{" } }
        ])
      }))
  })

  describe("CreateChatCompletionRequest", () => {
    it("response types are closed structs, request types admit extra fields", () => {
      const completion: Chat.ChatCompletion = { id: "x", model: "m", choices: [] }
      // @ts-expect-error a misspelt field of a response does not compile
      expect(completion.choises).toBeUndefined()
      const request: Chat.CreateChatCompletionRequest = { model: "m", messages: [], enable_thinking: true }
      expect(Schema.is(Chat.CreateChatCompletionRequest)(request)).toBe(true)
      expect(Schema.is(Chat.ChatCompletion)(completion)).toBe(true)
    })

    it.effect("accepts a full request with extra vendor fields and keeps them", () =>
      Effect.gen(function*() {
        const request: Chat.CreateChatCompletionRequest = {
          model: "deepseek-v3",
          messages: [
            { role: "system", content: "Be brief." },
            { role: "developer", content: [{ type: "text", text: "No markdown." }] },
            {
              role: "user",
              content: [
                { type: "text", text: "What is this?" },
                { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } }
              ]
            },
            {
              role: "assistant",
              content: null,
              tool_calls: [{ id: "c1", type: "function", function: { name: "look", arguments: "{}" } }]
            },
            { role: "tool", tool_call_id: "c1", content: "a cat" }
          ],
          stream: true,
          stream_options: { include_usage: true },
          temperature: 0.2,
          max_tokens: 256,
          max_completion_tokens: 256,
          tools: [{ type: "function", function: { name: "look", parameters: { type: "object" } } }],
          tool_choice: "auto",
          response_format: { type: "json_object" },
          stop: ["\n\n"],
          top_p: 0.9,
          n: 1,
          user: "u-1",
          seed: 7,
          enable_thinking: false
        }
        const decoded = yield* decodeRequest(request)
        expect(decoded.model).toBe("deepseek-v3")
        expect(decoded.messages).toHaveLength(5)
        expect(decoded.enable_thinking).toBe(false)
        // a request survives a round trip through the schema unchanged
        const encoded = yield* Schema.encodeUnknownEffect(Chat.CreateChatCompletionRequest)(decoded)
        expect(encoded).toEqual(request)
        expect(JSON.parse(JSON.stringify(encoded))).toEqual(request)
      }))

    it.effect("rejects an unknown role", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          decodeRequest({ model: "m", messages: [{ role: "robot", content: "x" }] })
        )
        expect(error._tag).toBe("SchemaError")
      }))
  })
})
