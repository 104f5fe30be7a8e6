import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Schema } from "effect"
import * as fc from "fast-check"
import * as Embeddings from "../src/Embeddings.js"
import { excessOptions, unknownFields } from "./unknownFields.js"

const decodeResponse = Schema.decodeUnknownEffect(Embeddings.CreateEmbeddingResponse)
const decodeRequest = Schema.decodeUnknownEffect(Embeddings.CreateEmbeddingRequest)

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
      const response = yield* decodeResponse(JSON.parse(responseBody))
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
      const response = yield* decodeResponse(JSON.parse(responseBody))
      const raw = response as unknown as Record<string, any>
      expect(raw.id).toBe("021735689600abcdef0123456789abcd")
      expect(raw.created).toBe(0)
      expect(raw.data[0].x_norm).toBe(1)
      for (const options of excessOptions) {
        const again = (yield* decodeResponse(JSON.parse(responseBody), options)) as unknown as Record<string, any>
        expect(again.id).toBe("021735689600abcdef0123456789abcd")
        expect(again.data[0].x_norm).toBe(1)
      }
    }))

  it("any unknown field survives a decode, at the top level and in an embedding", () =>
    fc.assert(
      fc.property(unknownFields(Embeddings.CreateEmbeddingResponse), unknownFields(Embeddings.Embedding), (top, item) => {
        const body = { ...top, data: [{ ...item, index: 0, embedding: [0.5] }], model: "m" }
        const decoded = Schema.decodeUnknownSync(Embeddings.CreateEmbeddingResponse)(body, { onExcessProperty: "error" })
        expect(decoded).toEqual(body)
      }),
      { numRuns: 100 }
    ))

  it.effect("decodes Go zero values: a null index is 0, null object and usage stay null", () =>
    Effect.gen(function*() {
      const response = yield* decodeResponse({
        object: null,
        data: [{ object: "", index: null, embedding: [] }],
        model: "",
        usage: null
      })
      expect(response.data[0].index).toBe(0)
      expect(response.data[0].embedding).toEqual([])
      expect(response.usage).toBeNull()
    }))

  it.effect("decodes base64 embeddings and turns them into numbers", () =>
    Effect.gen(function*() {
      const response = yield* decodeResponse({
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

  it.effect("fails with a SchemaError when data is not an array", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        decodeResponse({ object: "list", data: { embedding: [1] }, model: "m" })
      )
      expect(error._tag).toBe("SchemaError")
      expect(error.message).toContain("data")
    }))

  it.effect("fails with a SchemaError when an embedding is neither numbers nor a string", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        decodeResponse({ data: [{ index: 0, embedding: [true] }], model: "m" })
      )
      expect(error._tag).toBe("SchemaError")
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
        const decoded = yield* decodeRequest(request)
        expect(decoded.input).toEqual(input)
        expect(decoded.x_vendor).toBe("kept")
        expect(yield* Schema.encodeUnknownEffect(Embeddings.CreateEmbeddingRequest)(decoded)).toEqual(request)
      }
      const error = yield* Effect.flip(
        decodeRequest({ model: "m", input: "x", encoding_format: "int8" })
      )
      expect(error._tag).toBe("SchemaError")
    }))
})
