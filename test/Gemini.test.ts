import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as Gemini from "../src/Gemini.js"
import * as GeminiStream from "../src/internal/surfaces/gemini.js"

const responseBody = `{
  "sdkHttpResponse": {
    "headers": {
      "Content-Type": ["application/json; charset=UTF-8"],
      "Server-Timing": ["gfet4t7; dur=612"]
    }
  },
  "candidates": [
    {
      "content": {
        "role": "model",
        "parts": [
          { "text": "Thinking about capitals.", "thought": true },
          { "text": "The capital of France is Paris.", "x_part_extra": "kept" }
        ]
      },
      "finishReason": "STOP",
      "index": 0,
      "safetyRatings": [
        { "category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE" }
      ],
      "x_candidate_extra": 7
    }
  ],
  "usageMetadata": {
    "promptTokenCount": 8,
    "candidatesTokenCount": 7,
    "totalTokenCount": 27,
    "thoughtsTokenCount": 12,
    "promptTokensDetails": [{ "modality": "TEXT", "tokenCount": 8 }],
    "trafficType": "ON_DEMAND"
  },
  "modelVersion": "gemini-2.5-flash",
  "responseId": "n3tbaKu4LJ6Vz7IP4ZHx0Q0",
  "x_gateway_cost": 0.0001
}`

const streamPayloads = [
  `{"sdkHttpResponse":{"headers":{"Content-Type":["text/event-stream"]}},"candidates":[{"content":{"role":"model","parts":[{"text":"The capital"}]}}],"usageMetadata":{"promptTokenCount":8,"totalTokenCount":8},"modelVersion":"gemini-2.5-flash","responseId":"abc123"}`,
  `{"sdkHttpResponse":{"headers":{"Content-Type":["text/event-stream"]}},"candidates":[{"content":{"role":"model","parts":[{"text":" of France"}]},"index":0}],"modelVersion":"gemini-2.5-flash","responseId":"abc123"}`,
  `{"sdkHttpResponse":{"headers":{"Content-Type":["text/event-stream"]}},"candidates":[{"content":{"role":"model","parts":[{"text":" is Paris."}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":7,"totalTokenCount":15},"modelVersion":"gemini-2.5-flash","responseId":"abc123"}`
]

const decodeAll = (payloads: ReadonlyArray<string>) =>
  Effect.forEach(payloads, (payload) => Schema.decodeUnknown(Gemini.GenerateContentResponse)(JSON.parse(payload)))

describe("Gemini", () => {
  describe("GenerateContentResponse", () => {
    it.effect("decodes a gateway body with sdkHttpResponse", () =>
      Effect.gen(function*() {
        const response = yield* Schema.decodeUnknown(Gemini.GenerateContentResponse)(JSON.parse(responseBody))
        expect(response.candidates).toHaveLength(1)
        const candidate = response.candidates[0]
        expect(candidate.finishReason).toBe("STOP")
        expect(candidate.index).toBe(0)
        expect(candidate.content?.role).toBe("model")
        expect(candidate.content?.parts).toHaveLength(2)
        expect(candidate.content?.parts[0].thought).toBe(true)
        expect(candidate.safetyRatings?.[0].probability).toBe("NEGLIGIBLE")
        expect(response.usageMetadata?.totalTokenCount).toBe(27)
        expect(response.usageMetadata?.thoughtsTokenCount).toBe(12)
        expect(response.modelVersion).toBe("gemini-2.5-flash")
        expect(response.responseId).toBe("n3tbaKu4LJ6Vz7IP4ZHx0Q0")
        expect(response.sdkHttpResponse?.headers?.["Content-Type"]).toEqual(["application/json; charset=UTF-8"])
        expect(Gemini.textOf(response)).toBe("The capital of France is Paris.")
      }))

    it.effect("keeps unknown top-level and nested fields", () =>
      Effect.gen(function*() {
        const response = yield* Schema.decodeUnknown(Gemini.GenerateContentResponse)(JSON.parse(responseBody))
        const raw = response as unknown as Record<string, any>
        expect(raw.x_gateway_cost).toBe(0.0001)
        expect(raw.candidates[0].x_candidate_extra).toBe(7)
        expect(raw.candidates[0].content.parts[1].x_part_extra).toBe("kept")
        expect(raw.usageMetadata.trafficType).toBe("ON_DEMAND")
      }))

    it.effect("decodes a blocked prompt without candidates", () =>
      Effect.gen(function*() {
        const response = yield* Schema.decodeUnknown(Gemini.GenerateContentResponse)({
          promptFeedback: { blockReason: "SAFETY" },
          usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 }
        })
        expect(response.candidates).toEqual([])
        expect(response.promptFeedback?.blockReason).toBe("SAFETY")
        expect(Gemini.textOf(response)).toBe("")
      }))

    it.effect("fails with a ParseError when candidates is not an array", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Schema.decodeUnknown(Gemini.GenerateContentResponse)({ candidates: { content: {} } }))
        expect(error._tag).toBe("ParseError")
      }))
  })

  describe("stream", () => {
    it.prop(
      "accumulate is total: any schema-valid input gives a valid GenerateContentResponse",
      [Schema.Array(Gemini.GenerateContentResponse)],
      ([responses]) => {
        expect(Schema.is(Gemini.GenerateContentResponse)(GeminiStream.accumulate(responses))).toBe(true)
      },
      { fastCheck: { numRuns: 100 } }
    )

    it.effect("decodes each payload and accumulates text, finish reason and usage", () =>
      Effect.gen(function*() {
        const responses = yield* decodeAll(streamPayloads)
        expect(responses).toHaveLength(3)
        expect(responses[0].candidates[0].index).toBeUndefined()
        expect(responses[1].candidates[0].content?.parts[0].text).toBe(" of France")
        const response = GeminiStream.accumulate(responses)
        expect(response.candidates).toHaveLength(1)
        expect(response.candidates[0].index).toBe(0)
        expect(response.candidates[0].content?.parts).toEqual([{ text: "The capital of France is Paris." }])
        expect(response.candidates[0].content?.role).toBe("model")
        expect(response.candidates[0].finishReason).toBe("STOP")
        expect(response.usageMetadata).toEqual({ promptTokenCount: 8, candidatesTokenCount: 7, totalTokenCount: 15 })
        expect(response.modelVersion).toBe("gemini-2.5-flash")
        expect(response.responseId).toBe("abc123")
        expect(Gemini.textOf(response)).toBe("The capital of France is Paris.")
      }))

    it("accumulate keeps thought text apart and function calls in order", () => {
      const response = GeminiStream.accumulate([
        { candidates: [{ index: 0, content: { role: "model", parts: [{ text: "Hmm", thought: true }] } }] },
        { candidates: [{ index: 0, content: { role: "model", parts: [{ text: ", ok.", thought: true }] } }] },
        {
          candidates: [{
            index: 0,
            content: {
              role: "model",
              parts: [{ text: "Calling." }, { functionCall: { name: "get_weather", args: { city: "Paris" } } }]
            }
          }]
        },
        { candidates: [{ index: 0, content: { parts: [] }, finishReason: "STOP" }] }
      ])
      expect(response.candidates[0].content?.parts).toEqual([
        { text: "Hmm, ok.", thought: true },
        { text: "Calling." },
        { functionCall: { name: "get_weather", args: { city: "Paris" } } }
      ])
      expect(response.candidates[0].finishReason).toBe("STOP")
      expect(Gemini.textOf(response)).toBe("Calling.")
    })

    it("accumulate is total on an empty stream", () => {
      expect(GeminiStream.accumulate([])).toEqual({ candidates: [] })
    })

    it("errorOf", () => {
      const body = { error: { code: 429, message: "Resource exhausted", status: "RESOURCE_EXHAUSTED" } }
      expect(GeminiStream.errorOf(body)).toBe(body)
      expect(GeminiStream.errorOf(JSON.parse(streamPayloads[0]))).toBeUndefined()
      expect(GeminiStream.errorOf({ candidates: [], error: null })).toBeUndefined()
      expect(GeminiStream.errorOf([{ error: { code: 1 } }])).toBeUndefined()
    })
  })

  describe("request", () => {
    const request: Gemini.GenerateContentRequest = {
      model: "gemini-2.5-flash",
      contents: [
        { role: "user", parts: [{ text: "Capital of France?" }] },
        { role: "model", parts: [{ text: "Paris." }] },
        { role: "user", parts: [{ inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } }] }
      ],
      systemInstruction: { parts: [{ text: "Be brief." }] },
      generationConfig: { temperature: 0.2, maxOutputTokens: 256, thinkingConfig: { thinkingBudget: 0 } },
      safetySettings: [{ category: "HARM_CATEGORY_HARASSMENT", threshold: "BLOCK_NONE" }],
      tools: [{ functionDeclarations: [{ name: "get_weather", parameters: { type: "OBJECT" } }] }]
    }

    it("bodyOf drops the model and keeps the rest", () => {
      const body = Gemini.bodyOf(request)
      expect("model" in body).toBe(false)
      expect(body.contents).toHaveLength(3)
      expect(body.generationConfig?.maxOutputTokens).toBe(256)
      expect(JSON.parse(JSON.stringify(body)).systemInstruction).toEqual({ parts: [{ text: "Be brief." }] })
    })

    it("path builds both endpoints", () => {
      expect(Gemini.path("gemini-2.5-flash", false)).toBe("/v1beta/models/gemini-2.5-flash:generateContent")
      expect(Gemini.path("gemini-2.5-flash", true)).toBe(
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
      )
      expect(Gemini.path("models/gemini-2.5-pro", false)).toBe("/v1beta/models/gemini-2.5-pro:generateContent")
      expect(Gemini.path("a/b c", false)).toBe("/v1beta/models/a%2Fb%20c:generateContent")
    })

    it.effect("a decoded candidate's content can be sent back in the next request", () =>
      Effect.gen(function*() {
        const response = yield* Schema.decodeUnknown(Gemini.GenerateContentResponse)(JSON.parse(responseBody))
        const reply = response.candidates[0].content
        if (reply === undefined || reply === null) throw new Error("no content")
        const next: Gemini.GenerateContentRequest = {
          model: request.model,
          contents: [...request.contents, reply, { role: "user", parts: [{ text: "And Italy?" }] }]
        }
        const body = Gemini.bodyOf(next)
        expect(body.contents).toHaveLength(5)
        expect(body.contents[3].role).toBe("model")
        const decoded = yield* Schema.decodeUnknown(Gemini.GenerateContentRequest)(next)
        expect(decoded.contents[3].parts[1].text).toBe("The capital of France is Paris.")
      }))

    it.effect("validates a request and keeps extra fields", () =>
      Effect.gen(function*() {
        const decoded = yield* Schema.decodeUnknown(Gemini.GenerateContentRequest)({ ...request, x_vendor: 1 })
        expect(decoded.model).toBe("gemini-2.5-flash")
        expect(decoded.x_vendor).toBe(1)
        const error = yield* Effect.flip(Schema.decodeUnknown(Gemini.GenerateContentRequest)({ model: "m", contents: "hi" }))
        expect(error._tag).toBe("ParseError")
      }))
  })
})
