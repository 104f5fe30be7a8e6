import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Either, FastCheck as fc, Schema } from "effect"
import { fastDecoder } from "../src/internal/fastDecode.js"
import { Chat, Embeddings, Gemini, Messages, Responses } from "../src/index.js"

const schemas = [
  ["Chat.ChatCompletionChunk", Chat.ChatCompletionChunk],
  ["Chat.ChatCompletion", Chat.ChatCompletion],
  ["Responses.ResponseStreamEvent", Responses.ResponseStreamEvent],
  ["Messages.MessageStreamEvent", Messages.MessageStreamEvent],
  ["Gemini.GenerateContentResponse", Gemini.GenerateContentResponse],
  ["Embeddings.CreateEmbeddingResponse", Embeddings.CreateEmbeddingResponse]
] as const

describe("fastDecoder", () => {
  for (const [name, schema] of schemas) {
    it(`${name}: agrees with the Schema's own decoding on any encoded value`, () => {
      const fast = fastDecoder(schema as Schema.Schema<unknown, unknown>)
      const slow = Schema.decodeUnknownEither(schema as Schema.Schema<unknown, unknown>)
      const encoded = Arbitrary.make(Schema.encodedSchema(schema as Schema.Schema<unknown, unknown>))
      fc.assert(
        fc.property(fc.oneof(encoded, fc.anything()), (u) => {
          const a = fast(u)
          const b = slow(u)
          expect(Either.isRight(a)).toBe(Either.isRight(b))
          if (Either.isRight(a) && Either.isRight(b)) expect(a.right).toEqual(b.right)
        }),
        { seed: 7, numRuns: 300 }
      )
    })
  }

  it("returns a value of the type as it is, unknown fields included", () => {
    const chunk = {
      id: "0123456789abcdef0123456789abcdef",
      object: "chat.completion.chunk",
      created: 0,
      model: "m",
      choices: [{ index: 0, delta: { content: "x", vendor: 1 }, finish_reason: null }],
      extension: { kept: true }
    }
    const result = fastDecoder(Chat.ChatCompletionChunk)(chunk)
    expect(Either.isRight(result) && result.right).toBe(chunk)
  })

  it("decodes a value that needs its defaults, and rejects one that is invalid", () => {
    const fast = fastDecoder(Chat.ChatCompletionChunk)
    const defaulted = fast({ id: "a", choices: null })
    expect(Either.isRight(defaulted) && defaulted.right.choices).toEqual([])
    expect(Either.isLeft(fast({ choices: "no" }))).toBe(true)
  })
})
