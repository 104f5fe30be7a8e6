import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as Chat from "../src/Chat.js"
import * as ChatStream from "../src/internal/surfaces/chat.js"

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
  Effect.forEach(payloads, (payload) => Schema.decodeUnknown(Chat.ChatCompletionChunk)(JSON.parse(payload)))

describe("Chat", () => {
  describe("ChatCompletion", () => {
    it.effect("decodes a gateway body with its quirks", () =>
      Effect.gen(function*() {
        const completion = yield* Schema.decodeUnknown(Chat.ChatCompletion)(JSON.parse(completionBody))
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
        const completion = yield* Schema.decodeUnknown(Chat.ChatCompletion)(JSON.parse(completionBody))
        const raw = completion as unknown as Record<string, any>
        expect(raw.x_gateway_route).toBe("cn-north-1")
        expect(raw.choices[0].x_choice_extra).toBe("kept")
        expect(raw.choices[0].message.x_moderation).toEqual({ level: 0 })
      }))

    it.effect("keeps unknown fields even when decoded without the option", () =>
      Effect.gen(function*() {
        const completion = yield* Schema.decodeUnknown(Chat.ChatCompletion)(JSON.parse(completionBody))
        expect((completion as unknown as Record<string, unknown>).x_gateway_route).toBe("cn-north-1")
      }))

    it.effect("accepts an unknown finish reason and a non-standard id", () =>
      Effect.gen(function*() {
        const completion = yield* Schema.decodeUnknown(Chat.ChatCompletion)({
          id: "x",
          model: "m",
          choices: [{ index: 0, message: { role: "assistant", content: null }, finish_reason: "sensitive" }]
        })
        expect(completion.choices[0].finish_reason).toBe("sensitive")
        expect(completion.choices[0].message.content).toBeNull()
      }))

    it.effect("fails with a ParseError when choices is not an array", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          Schema.decodeUnknown(Chat.ChatCompletion)({ id: "x", model: "m", choices: { index: 0 } })
        )
        expect(error._tag).toBe("ParseError")
        expect(error.message).toContain("choices")
      }))
  })

  describe("stream", () => {
    it.prop(
      "accumulate is total: any schema-valid input gives a valid ChatCompletion",
      [Schema.Array(Chat.ChatCompletionChunk)],
      ([chunks]) => {
        expect(Schema.is(Chat.ChatCompletion)(ChatStream.accumulate(chunks))).toBe(true)
      },
      { fastCheck: { numRuns: 100 } }
    )

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

    it.effect("accumulates text, finish reason and usage", () =>
      Effect.gen(function*() {
        const completion = ChatStream.accumulate(yield* decodeAll(streamPayloads))
        expect(completion.id).toBe("0217a3b6c2f94e0e9d3f6a1b2c3d4e5f")
        expect(completion.model).toBe("doubao-seed-1-6-250615")
        expect(completion.created).toBe(1735689600)
        expect(completion.object).toBe("chat.completion")
        expect(completion.choices).toHaveLength(1)
        expect(completion.choices[0].message.role).toBe("assistant")
        expect(completion.choices[0].message.content).toBe("Hello!")
        expect(completion.choices[0].finish_reason).toBe("stop")
        expect(completion.usage).toEqual({ prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 })
        // the accumulated value is itself a valid ChatCompletion
        const again = yield* Schema.decodeUnknown(Chat.ChatCompletion)(completion)
        expect(again.choices[0].message.content).toBe("Hello!")
      }))

    it.effect("merges tool-call argument fragments by index", () =>
      Effect.gen(function*() {
        const completion = ChatStream.accumulate(yield* decodeAll(toolStreamPayloads))
        const message = completion.choices[0].message
        expect(message.content).toBeNull()
        expect(message.tool_calls).toEqual([
          { id: "call_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Beijing\"}" } },
          { id: "call_2", type: "function", function: { name: "get_time", arguments: "{}" } }
        ])
        expect(completion.choices[0].finish_reason).toBe("tool_calls")
        expect(completion.usage?.total_tokens).toBe(50)
        expect(completion.created).toBe(0)
      }))

    it("accumulates several choices and tool calls without an index", () => {
      const completion = ChatStream.accumulate([
        { choices: [{ index: 1, delta: { content: "b" } }, { index: 0, delta: { content: "a" } }] },
        { choices: [{ index: 0, delta: { tool_calls: [{ id: "c1", function: { name: "f", arguments: "{" } }] } }] },
        { choices: [{ index: 0, delta: { tool_calls: [{ function: { arguments: "}" } }] } }] },
        { choices: [{ index: 1, delta: { content: "c" }, finish_reason: "length" }] }
      ])
      expect(completion.choices.map((c) => c.index)).toEqual([0, 1])
      expect(completion.choices[0].message.content).toBe("a")
      expect(completion.choices[0].message.tool_calls).toEqual([
        { id: "c1", type: "function", function: { name: "f", arguments: "{}" } }
      ])
      expect(completion.choices[1].message.content).toBe("bc")
      expect(completion.choices[1].finish_reason).toBe("length")
      expect(completion.choices[0].finish_reason).toBeNull()
    })

    it("is total on an empty stream", () => {
      const completion = ChatStream.accumulate([])
      expect(completion).toEqual({ id: "", object: "chat.completion", created: 0, model: "", choices: [] })
    })

    it("isDone recognises [DONE] only", () => {
      expect(ChatStream.isDone("[DONE]")).toBe(true)
      expect(ChatStream.isDone(" [DONE]\n")).toBe(true)
      expect(ChatStream.isDone("{\"choices\":[]}")).toBe(false)
      expect(ChatStream.isDone("DONE")).toBe(false)
    })

    it("errorOf finds in-stream errors and ignores zero values", () => {
      const body = { error: { code: 2007, message: "rpm limit", type: "TooManyRequests" } }
      expect(ChatStream.errorOf(body)).toBe(body)
      expect(ChatStream.errorOf({ error: "upstream failed" })).toEqual({ error: "upstream failed" })
      expect(ChatStream.errorOf({ id: "x", choices: [], error: null })).toBeUndefined()
      expect(ChatStream.errorOf({ id: "x", choices: [], error: { code: 0, message: "" } })).toBeUndefined()
      expect(ChatStream.errorOf({ id: "x", choices: [] })).toBeUndefined()
      expect(ChatStream.errorOf("[DONE]")).toBeUndefined()
      expect(ChatStream.errorOf(null)).toBeUndefined()
    })
  })

  describe("CreateChatCompletionRequest", () => {
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
        const decoded = yield* Schema.decodeUnknown(Chat.CreateChatCompletionRequest)(request)
        expect(decoded.model).toBe("deepseek-v3")
        expect(decoded.messages).toHaveLength(5)
        expect(decoded.enable_thinking).toBe(false)
      }))

    it.effect("rejects an unknown role", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          Schema.decodeUnknown(Chat.CreateChatCompletionRequest)({ model: "m", messages: [{ role: "robot", content: "x" }] })
        )
        expect(error._tag).toBe("ParseError")
      }))
  })
})
