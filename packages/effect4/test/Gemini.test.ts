import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as fc from "fast-check"
import * as Gemini from "../src/Gemini.js"
import { excessOptions, unknownFields } from "./unknownFields.js"

const decodeResponse = Schema.decodeUnknownEffect(Gemini.GenerateContentResponse)
const decodeRequest = Schema.decodeUnknownEffect(Gemini.GenerateContentRequest)

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
  Effect.forEach(payloads, (payload) => decodeResponse(JSON.parse(payload)))

describe("Gemini", () => {
  describe("GenerateContentResponse", () => {
    it.effect("decodes a gateway body with sdkHttpResponse", () =>
      Effect.gen(function*() {
        const response = yield* decodeResponse(JSON.parse(responseBody))
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
        const response = yield* decodeResponse(JSON.parse(responseBody))
        const raw = response as unknown as Record<string, any>
        expect(raw.x_gateway_cost).toBe(0.0001)
        expect(raw.candidates[0].x_candidate_extra).toBe(7)
        expect(raw.candidates[0].content.parts[1].x_part_extra).toBe("kept")
        expect(raw.usageMetadata.trafficType).toBe("ON_DEMAND")
        for (const options of excessOptions) {
          const again = (yield* decodeResponse(JSON.parse(responseBody), options)) as unknown as Record<string, any>
          expect(again.x_gateway_cost).toBe(0.0001)
          expect(again.candidates[0].content.parts[1].x_part_extra).toBe("kept")
        }
      }))

    it("any unknown field survives a decode, at the top level, in a candidate and in a part", () =>
      fc.assert(
        fc.property(
          unknownFields(Gemini.GenerateContentResponse),
          unknownFields(Gemini.Candidate),
          unknownFields(Gemini.Part),
          (top, candidate, part) => {
            const body = {
              ...top,
              candidates: [{ ...candidate, content: { role: "model", parts: [{ ...part, text: "hi" }] }, index: 0 }]
            }
            const decoded = Schema.decodeUnknownSync(Gemini.GenerateContentResponse)(body, { onExcessProperty: "error" })
            expect(decoded).toEqual(body)
          }
        ),
        { numRuns: 100 }
      ))

    it.effect("decodes Go zero values: null candidates, content without parts", () =>
      Effect.gen(function*() {
        const response = yield* decodeResponse({
          candidates: [{ content: { role: "model", parts: null }, finishReason: "SAFETY", index: null }],
          promptFeedback: null,
          usageMetadata: { promptTokenCount: 0, candidatesTokensDetails: null },
          modelVersion: "",
          responseId: "",
          sdkHttpResponse: { headers: null }
        })
        expect(response.candidates[0].content?.parts).toEqual([])
        expect(response.candidates[0].index).toBeNull()
        expect(Gemini.textOf(response)).toBe("")
        const empty = yield* decodeResponse({ candidates: null })
        expect(empty.candidates).toEqual([])
      }))

    it.effect("decodes a blocked prompt without candidates", () =>
      Effect.gen(function*() {
        const response = yield* decodeResponse({
          promptFeedback: { blockReason: "SAFETY" },
          usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 }
        })
        expect(response.candidates).toEqual([])
        expect(response.promptFeedback?.blockReason).toBe("SAFETY")
        expect(Gemini.textOf(response)).toBe("")
      }))

    it.effect("fails with a SchemaError when candidates is not an array", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(decodeResponse({ candidates: { content: {} } }))
        expect(error._tag).toBe("SchemaError")
      }))
  })

  describe("stream", () => {
    it.effect("decodes each stream payload, the first without an index", () =>
      Effect.gen(function*() {
        const responses = yield* decodeAll(streamPayloads)
        expect(responses).toHaveLength(3)
        expect(responses[0].candidates[0].index).toBeUndefined()
        expect(responses[1].candidates[0].content?.parts[0].text).toBe(" of France")
      }))

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
        const response = yield* decodeResponse(JSON.parse(responseBody))
        const reply = response.candidates[0].content
        if (reply === undefined || reply === null) throw new Error("no content")
        const next: Gemini.GenerateContentRequest = {
          model: request.model,
          contents: [...request.contents, reply, { role: "user", parts: [{ text: "And Italy?" }] }]
        }
        const body = Gemini.bodyOf(next)
        expect(body.contents).toHaveLength(5)
        expect(body.contents[3].role).toBe("model")
        const decoded = yield* decodeRequest(next)
        expect(decoded.contents[3].parts[1].text).toBe("The capital of France is Paris.")
      }))

    it.effect("validates a request and keeps extra fields", () =>
      Effect.gen(function*() {
        const decoded = yield* decodeRequest({ ...request, x_vendor: 1 })
        expect(decoded.model).toBe("gemini-2.5-flash")
        expect(decoded.x_vendor).toBe(1)
        expect(yield* Schema.encodeUnknownEffect(Gemini.GenerateContentRequest)(decoded)).toEqual({
          ...request,
          x_vendor: 1
        })
        const error = yield* Effect.flip(decodeRequest({ model: "m", contents: "hi" }))
        expect(error._tag).toBe("SchemaError")
      }))
  })
})
