import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Schema } from "effect"
import * as Embeddings from "../src/Embeddings.js"

const responseBody = `{
  "object": "list",
  "data": [
    { "object": "embedding", "index": 0, "embedding": [0.0023064255, -0.009327292, 0.015797347], "x_norm": 1 },
    { "object": "embedding", "index": 1, "embedding": [0.5, -0.25, 0.125] }
  ],
  "model": "doubao-embedding-text-240715",
  "usage": { "prompt_tokens": 8, "total_tokens": 8 },
  "id": "021735689600abcdef0123456789abcd",
  "created": 0
}`

// [1, -2, 0.5] as little-endian float32
const base64Vector = Buffer.from(new Float32Array([1, -2, 0.5]).buffer).toString("base64")

describe("Embeddings", () => {
  it.effect("decodes a response body", () =>
    Effect.gen(function*() {
      const response = yield* Schema.decodeUnknown(Embeddings.CreateEmbeddingResponse)(JSON.parse(responseBody))
      expect(response.object).toBe("list")
      expect(response.model).toBe("doubao-embedding-text-240715")
      expect(response.data).toHaveLength(2)
      expect(response.data[0].index).toBe(0)
      expect(response.data[0].embedding).toEqual([0.0023064255, -0.009327292, 0.015797347])
      expect(response.data[1].embedding).toEqual([0.5, -0.25, 0.125])
      expect(response.usage?.prompt_tokens).toBe(8)
    }))

  it.effect("keeps unknown top-level and nested fields", () =>
    Effect.gen(function*() {
      const response = yield* Schema.decodeUnknown(Embeddings.CreateEmbeddingResponse)(JSON.parse(responseBody))
      const raw = response as unknown as Record<string, any>
      expect(raw.id).toBe("021735689600abcdef0123456789abcd")
      expect(raw.created).toBe(0)
      expect(raw.data[0].x_norm).toBe(1)
    }))

  it.effect("decodes base64 embeddings and turns them into numbers", () =>
    Effect.gen(function*() {
      const response = yield* Schema.decodeUnknown(Embeddings.CreateEmbeddingResponse)({
        object: "list",
        data: [{ object: "embedding", index: 0, embedding: base64Vector }],
        model: "m",
        usage: { prompt_tokens: 1, total_tokens: 1 }
      })
      expect(response.data[0].embedding).toBe(base64Vector)
      expect(Embeddings.vectorOf(response.data[0].embedding)).toEqual(Option.some([1, -2, 0.5]))
      expect(Embeddings.vectorOf([0.1, 0.2])).toEqual(Option.some([0.1, 0.2]))
      expect(Option.isNone(Embeddings.vectorOf("AAA="))).toBe(true)
      expect(Option.isNone(Embeddings.vectorOf("not base64!"))).toBe(true)
    }))

  it.effect("fails with a ParseError when data is not an array", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Schema.decodeUnknown(Embeddings.CreateEmbeddingResponse)({ object: "list", data: { embedding: [1] }, model: "m" })
      )
      expect(error._tag).toBe("ParseError")
      expect(error.message).toContain("data")
    }))

  it.effect("fails with a ParseError when an embedding is neither numbers nor a string", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Schema.decodeUnknown(Embeddings.CreateEmbeddingResponse)({ data: [{ index: 0, embedding: [true] }], model: "m" })
      )
      expect(error._tag).toBe("ParseError")
    }))

  it.effect("accepts every input shape and keeps extra request fields", () =>
    Effect.gen(function*() {
      const inputs: ReadonlyArray<Embeddings.EmbeddingInput> = ["hello", ["a", "b"], [1, 2, 3], [[1, 2], [3]]]
      for (const input of inputs) {
        const request: Embeddings.CreateEmbeddingRequest = {
          model: "doubao-embedding",
          input,
          encoding_format: "float",
          dimensions: 512,
          user: "u-1",
          x_vendor: "kept"
        }
        const decoded = yield* Schema.decodeUnknown(Embeddings.CreateEmbeddingRequest)(request)
        expect(decoded.input).toEqual(input)
        expect(decoded.x_vendor).toBe("kept")
      }
      const error = yield* Effect.flip(
        Schema.decodeUnknown(Embeddings.CreateEmbeddingRequest)({ model: "m", input: "x", encoding_format: "int8" })
      )
      expect(error._tag).toBe("ParseError")
    }))
})
