import { describe, expect, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import * as fc from "fast-check"
import { fastChecker, fastDecoder, NotDecoded } from "../src/internal/fastDecode.js"
import { Chat, Embeddings, Gemini, Messages, Responses } from "../src/index.js"

// Real-looking values of each schema, the seeds the property mutates.
const seeds: ReadonlyArray<readonly [string, Schema.ConstraintDecoder<unknown>, ReadonlyArray<unknown>]> = [
  ["Chat.ChatCompletionChunk", Chat.ChatCompletionChunk, [
    { id: "ab", object: "chat.completion.chunk", created: 0, model: "m", system_fingerprint: "", choices: [] },
    {
      id: "ab",
      created: 1,
      model: "m",
      choices: [{
        index: 0,
        delta: {
          role: "assistant",
          content: null,
          tool_calls: [{ index: 0, id: "c", type: "function", function: { name: "f", arguments: "{" } }]
        },
        finish_reason: null,
        x: 1
      }],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, prompt_tokens_details: null }
    }
  ]],
  ["Chat.ChatCompletion", Chat.ChatCompletion, [{
    id: "x",
    object: "chat.completion",
    created: 0,
    model: "m",
    choices: [{ index: 0, message: { role: "assistant", content: "hi", tool_calls: null }, finish_reason: "stop" }],
    usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    vendor: { a: [1] }
  }]],
  ["Responses.ResponseStreamEvent", Responses.ResponseStreamEvent, [
    { type: "response.created", sequence_number: 0, response: { id: "r", status: "in_progress", output: [] } },
    { type: "response.output_text.delta", item_id: "m", output_index: 0, content_index: 0, delta: "He" },
    {
      type: "response.output_item.done",
      output_index: 0,
      item: { type: "message", id: "m", role: "assistant", content: [{ type: "output_text", text: "Hi" }] }
    },
    { type: "response.reasoning_summary_text.delta", delta: "t" }
  ]],
  ["Messages.MessageStreamEvent", Messages.MessageStreamEvent, [
    {
      type: "message_start",
      message: { id: "i", type: "message", role: "assistant", model: "m", content: [], usage: { input_tokens: 1, output_tokens: 0 } }
    },
    { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "t", name: "f", input: null, text: "" } },
    { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "a", partial_json: "" }, message: null },
    { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: "" }, usage: { output_tokens: 3 } },
    { type: "ping" }
  ]],
  ["Gemini.GenerateContentResponse", Gemini.GenerateContentResponse, [{
    candidates: [{
      content: { role: "model", parts: [{ text: "a", thought: true }, { functionCall: { name: "f", args: {} } }] },
      index: 0,
      safetyRatings: [{ category: "c", probability: "p" }]
    }],
    usageMetadata: { promptTokenCount: 1, promptTokensDetails: [{ modality: "TEXT", tokenCount: 1 }] },
    sdkHttpResponse: { headers: { a: ["b"] } }
  }]],
  ["Embeddings.CreateEmbeddingResponse", Embeddings.CreateEmbeddingResponse, [{
    object: "list",
    data: [{ object: "embedding", index: 0, embedding: [0.5] }, { index: 1, embedding: "AAAAPw==" }],
    model: "m",
    usage: { prompt_tokens: 1, total_tokens: 1 }
  }]]
]

type Path = ReadonlyArray<string | number>

const pathsOf = (value: unknown, path: Path = []): Array<Path> => {
  const out: Array<Path> = [path]
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...path, i])))
  else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...path, k]))
  }
  return out
}

const replacements = fc.oneof(
  fc.constantFrom<unknown>(undefined, null, "", 0, -0, false, [], {}, NaN, "text", "message_start", "output_text"),
  fc.jsonValue()
)

// A seed with one to three of its values (or keys) replaced or removed.
const mutated = (values: ReadonlyArray<unknown>): fc.Arbitrary<unknown> =>
  fc.tuple(fc.constantFrom(...values), fc.array(fc.tuple(fc.nat(), fc.boolean(), replacements), { minLength: 1, maxLength: 3 }))
    .map(([seed, edits]) => {
      let root: unknown = structuredClone(seed)
      for (const [n, remove, replacement] of edits) {
        const paths = pathsOf(root)
        const path = paths[n % paths.length]!
        if (path.length === 0) {
          root = replacement
          continue
        }
        let parent: any = root
        for (const key of path.slice(0, -1)) parent = parent[key]
        const last = path[path.length - 1]!
        if (remove && !Array.isArray(parent)) delete parent[last]
        else parent[last] = replacement
      }
      return root
    })

describe("fastDecoder", () => {
  for (const [name, schema, values] of seeds) {
    it(`${name}: agrees with the Schema's own decoding on the seeds and their mutations`, () => {
      const fast = fastDecoder(schema)
      const slow = Schema.decodeUnknownResult(schema)
      for (const value of values) expect(Result.isSuccess(fast(value)) && Result.isSuccess(slow(value))).toBe(true)
      fc.assert(
        fc.property(fc.oneof({ arbitrary: mutated(values), weight: 4 }, { arbitrary: fc.anything(), weight: 1 }), (u) => {
          const a = fast(u)
          const b = slow(u)
          expect(Result.isSuccess(a)).toBe(Result.isSuccess(b))
          if (Result.isSuccess(a) && Result.isSuccess(b)) expect(a.success).toEqual(b.success)
        }),
        { seed: 7, numRuns: 500 }
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
    expect(Result.isSuccess(result) && result.success).toBe(chunk)
  })

  it("decodes a value that needs its defaults, and rejects one that is invalid", () => {
    const fast = fastDecoder(Chat.ChatCompletionChunk)
    const defaulted = fast({ id: "a", choices: null })
    expect(Result.isSuccess(defaulted) && defaulted.success.choices).toEqual([])
    expect(Result.isFailure(fast({ choices: "no" }))).toBe(true)
  })
})

describe("fastChecker", () => {
  for (const [name, schema, values] of seeds) {
    it(`${name}: agrees with fastDecoder on the seeds and their mutations`, () => {
      const check = fastChecker(schema)
      const decode = fastDecoder(schema)
      fc.assert(
        fc.property(fc.oneof({ arbitrary: mutated(values), weight: 4 }, { arbitrary: fc.anything(), weight: 1 }), (u) => {
          const a = check(u)
          const b = decode(u)
          expect(a instanceof NotDecoded).toBe(Result.isFailure(b))
          if (a instanceof NotDecoded) expect(Result.isFailure(b) && a.message).toBe(Result.isFailure(b) && b.failure.message)
          else expect(a).toEqual(Result.isSuccess(b) && b.success)
        }),
        { seed: 7, numRuns: 300 }
      )
    })
  }

  it("returns a value of the type itself, a defaulted value decoded, and a NotDecoded for an invalid one", () => {
    const check = fastChecker(Chat.ChatCompletionChunk)
    const chunk = { id: "a", created: 0, model: "m", choices: [{ index: 0, delta: { content: "x" }, finish_reason: null }] }
    expect(check(chunk)).toBe(chunk)
    const defaulted = check({ id: "a", choices: null })
    expect(defaulted instanceof NotDecoded ? undefined : defaulted.choices).toEqual([])
    const invalid = check({ choices: "no" })
    expect(invalid).toBeInstanceOf(NotDecoded)
    expect(invalid instanceof NotDecoded && invalid.message.length > 0).toBe(true)
  })
})
