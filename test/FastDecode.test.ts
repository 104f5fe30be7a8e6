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
      const typed = Arbitrary.make(Schema.typeSchema(schema as Schema.Schema<unknown, unknown>))
      // Near misses: a value of the type with one key removed, or set to undefined, at the top or one level down.
      const nearMiss = fc.tuple(typed, fc.nat(), fc.boolean(), fc.boolean()).map(([value, n, nested, toUndefined]) => {
        const copy = JSON.parse(JSON.stringify(value ?? null)) as unknown
        const pick = (o: unknown): Record<string, unknown> | undefined => {
          if (typeof o !== "object" || o === null || Array.isArray(o)) return undefined
          const record = o as Record<string, unknown>
          if (!nested) return record
          const inner = Object.values(record).find((v) => typeof v === "object" && v !== null && !Array.isArray(v))
          return (inner as Record<string, unknown> | undefined) ?? record
        }
        const target = pick(copy)
        const keys = target === undefined ? [] : Object.keys(target)
        if (target !== undefined && keys.length > 0) {
          const key = keys[n % keys.length]!
          if (toUndefined) target[key] = undefined
          else delete target[key]
        }
        return copy
      })
      fc.assert(
        fc.property(fc.oneof(encoded, typed, nearMiss, fc.anything()), (u) => {
          const a = fast(u)
          const b = slow(u)
          expect(Either.isRight(a)).toBe(Either.isRight(b))
          if (Either.isRight(a) && Either.isRight(b)) expect(a.right).toEqual(b.right)
        }),
        { seed: 7, numRuns: 1000 }
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
