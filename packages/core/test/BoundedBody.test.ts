// The scanner and the collector of bounded bodies, on plain bytes (moved from the Effect 3 suite: run once for both lines).
import { describe, expect, it } from "vitest"
import fc from "fast-check"
import * as BoundedBody from "../src/boundedBody.js"

const encoder = new TextEncoder()

/** Pushes `text` in the given chunks and returns the collected body. */
const collect = (
  bytes: Uint8Array,
  cuts: ReadonlyArray<number> = [],
  options?: Parameters<typeof BoundedBody.makeCollector>[0]
): BoundedBody.CollectedBody => {
  const collector = BoundedBody.makeCollector(options)
  let from = 0
  for (const cut of [...cuts, bytes.length]) {
    if (cut < from) continue
    if (!collector.push(bytes.subarray(from, cut))) break
    from = cut
  }
  return collector.result()
}

const factsOf = (text: string, cuts: ReadonlyArray<number> = []) => collect(encoder.encode(text), cuts).facts

/** Strings that stress the scanner: escapes, surrogates, quotes, backslashes, multi-byte text, the keys it looks for. */
const tricky = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary" }).map((s) => s.replace(/[\uD800-\uDFFF]/g, "x")),
  fc.constantFrom("code", "error", "details", "message", "type", "tag", "request_id", "trace_id", "\"\\/", "校验未通过")
)
const leafValue: fc.Arbitrary<unknown> = fc.oneof(
  tricky,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(2001, 2007, "2001", " 2101 ", "urn:skyengine:error:2002")
)
const anyJson = fc.jsonValue({ maxDepth: 3 })
const detail = fc.dictionary(fc.constantFrom("code", "message", "other"), fc.oneof(leafValue, anyJson), { maxKeys: 3 })
const errorObject = fc.record({
  code: fc.option(leafValue, { nil: undefined }),
  type: fc.option(leafValue, { nil: undefined }),
  tag: fc.option(leafValue, { nil: undefined }),
  message: fc.option(fc.oneof(leafValue, anyJson), { nil: undefined }),
  trace_id: fc.option(leafValue, { nil: undefined }),
  details: fc.option(fc.oneof(fc.array(fc.oneof(detail, leafValue), { maxLength: 20 }), leafValue), { nil: undefined }),
  other: fc.option(anyJson, { nil: undefined })
}, { requiredKeys: [] })
const envelope = fc.record({
  error: fc.option(fc.oneof(errorObject, leafValue, anyJson), { nil: undefined }),
  code: fc.option(leafValue, { nil: undefined }),
  type: fc.option(leafValue, { nil: undefined }),
  request_id: fc.option(leafValue, { nil: undefined }),
  message: fc.option(leafValue, { nil: undefined }),
  detail: fc.option(leafValue, { nil: undefined }),
  noise: fc.option(anyJson, { nil: undefined })
}, { requiredKeys: [] })

/** JSON text of a value with arbitrary whitespace, escapes in place of literal characters, and duplicated keys. */
const spelled = fc.tuple(fc.oneof(envelope, anyJson), fc.integer({ min: 0, max: 3 }), fc.boolean()).map(
  ([value, indent, escape]) => {
    let text = JSON.stringify(value, null, indent) ?? "null"
    // `\uXXXX` for every letter inside strings and keys keeps the same value for JSON.parse.
    if (escape) {
      text = text.replace(/"(?:[^"\\]|\\.)*"/g, (s) =>
        s.replace(/\\u[0-9a-fA-F]{4}|\\.|[a-z]/g, (c) => c.length > 1 ? c : `\\u00${c.charCodeAt(0).toString(16)}`))
    }
    return text
  }
)

describe("the incremental scanner agrees with JSON.parse", () => {
  it("on generated envelopes, whole and cut into random chunks (fixed seed)", () => {
    fc.assert(
      fc.property(spelled, fc.array(fc.nat(), { maxLength: 6 }), (text, rawCuts) => {
        const bytes = encoder.encode(text)
        const expected = BoundedBody.project(JSON.parse(text))
        const cuts = rawCuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b)
        const whole = collect(bytes)
        expect(whole.json).toBe("complete")
        expect(whole.facts).toEqual(expected)
        expect(collect(bytes, cuts).facts).toEqual(expected)
      }),
      { seed: 8, numRuns: 1500 }
    )
  })

  it("on a split at every byte boundary (multi-byte text, escapes, numbers and literals straddling)", () => {
    const text = JSON.stringify({
      type: "error",
      request_id: "req-\u00e9\u6821",
      error: {
        code: 2001,
        type: "校验未通过 \ud83d\ude00",
        message: "a \"quoted\" \\ message\n",
        details: [{ code: -12.5e3, message: null }, 7, { code: true, message: "d" }],
        trace_id: "t"
      },
      retry_after: 1.5
    }).replace("\"t\"", "\"\\u0074\\ud83d\\ude00\"")
    const bytes = encoder.encode(text)
    const expected = BoundedBody.project(JSON.parse(text))
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(collect(bytes, [cut]).facts, `cut at ${cut}`).toEqual(expected)
    }
    // and byte by byte
    expect(collect(bytes, Array.from({ length: bytes.length }, (_, i) => i)).facts).toEqual(expected)
  })

  it("says invalid where JSON.parse throws", () => {
    for (
      const text of [
        "{",
        "{\"a\":}",
        "{\"a\":1,}",
        "[1,]",
        "{\"a\" 1}",
        "{\"a\":tru}",
        "{\"a\":01}",
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\n\"}",
        "{} x",
        "<html>",
        "{\"a\":[}",
        "{\"a\":1]"
      ]
    ) {
      expect(() => JSON.parse(text), text).toThrow()
      const result = collect(encoder.encode(text))
      expect(result.json, text).toBe("invalid")
      expect(result.facts, text).toBeUndefined()
    }
  })

  it("skips a UTF-8 BOM, as decoding the text does", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode("{\"code\":2001}")])
    expect(collect(bytes, [1, 2]).facts).toEqual({ code: 2001 })
  })

  it("keeps at most the capture of a message, cut like every other field", () => {
    const facts = factsOf(JSON.stringify({ error: { message: "m".repeat(100_000), code: 2001 } }))
    const message = (facts?.error as { message: string }).message
    expect(message.length).toBe(BoundedBody.messageCapture)
    expect(message.endsWith("...")).toBe(true)
  })

  it("survives nesting a million levels deep (one bit a level, no recursion)", () => {
    const depth = 1_000_000
    const text = "{\"code\":2001,\"x\":" + "[".repeat(depth) + "]".repeat(depth) + "}"
    const result = collect(encoder.encode(text), [], { scanLimit: 4_000_000 })
    expect(result.json).toBe("complete")
    expect(result.facts).toEqual({ code: 2001 })
  })
})

describe("the collector reads a bounded amount", () => {
  it("a 200 MB body: keeps 64 KiB, scans 8 MiB, then asks to stop; the rest is never pushed", () => {
    const collector = BoundedBody.makeCollector()
    const head = encoder.encode("{\"error\":{\"code\":2001,\"message\":\"")
    const chunk = new Uint8Array(1_048_576).fill(0x61)
    let pushed = head.length
    let accepted = collector.push(head)
    while (accepted && pushed < 200_000_000) {
      accepted = collector.push(chunk)
      pushed += chunk.length
    }
    expect(accepted).toBe(false)
    expect(pushed).toBeLessThanOrEqual(BoundedBody.defaultScanLimit + chunk.length)
    const result = collector.result()
    expect(result.bytes.length).toBe(BoundedBody.defaultKeep)
    expect(result.complete).toBe(false)
    expect(result.json).toBe("partial")
    expect(result.seenBytes).toBe(pushed)
    // The message never ended: its head is kept, marked as cut.
    const error = result.facts?.error as { code: number; message: string }
    expect(error.code).toBe(2001)
    expect(error.message).toBe(`${"a".repeat(BoundedBody.messageCapture - 3)}...`)
    expect(collector.push(chunk)).toBe(false)
  })

  it("stops once the kept prefix is full when the body is not JSON (an HTML page)", () => {
    const collector = BoundedBody.makeCollector({ keep: 1024 })
    expect(collector.push(encoder.encode("<html>" + "x".repeat(600)))).toBe(true)
    expect(collector.push(encoder.encode("y".repeat(600)))).toBe(false)
    const result = collector.result()
    expect(result.bytes.length).toBe(1024)
    expect(result.json).toBe("invalid")
  })

  it("copies what it keeps: a caller that reuses its buffer does not change the evidence", () => {
    const collector = BoundedBody.makeCollector()
    const buffer = encoder.encode("{\"code\":2001}")
    collector.push(buffer)
    buffer.fill(0x20)
    expect(new TextDecoder().decode(collector.result().bytes)).toBe("{\"code\":2001}")
  })

  it("a body that ends mid-value is invalid; a body wholly kept is complete", () => {
    expect(collect(encoder.encode("{\"code\":2001")).json).toBe("invalid")
    const whole = collect(encoder.encode("{\"code\":2001} "))
    expect(whole).toMatchObject({ _tag: "CollectedBody", complete: true, json: "complete", seenBytes: 14 })
    expect(BoundedBody.isCollectedBody(whole)).toBe(true)
    expect(BoundedBody.isCollectedBody({ _tag: "CollectedBody" })).toBe(false)
  })

  it("invalid sizes fall back to the defaults", () => {
    for (const keep of [Number.NaN, -1, "x" as unknown as number]) {
      const collector = BoundedBody.makeCollector({ keep, scanLimit: Number.NaN })
      collector.push(new Uint8Array(100_000).fill(0x20))
      expect(collector.result().bytes.length).toBe(BoundedBody.defaultKeep)
    }
    const floored = BoundedBody.makeCollector({ keep: 10.9 })
    floored.push(new Uint8Array(100).fill(0x20))
    expect(floored.result().bytes.length).toBe(10)
  })
})

describe("wholeBody (a body read in one piece)", () => {
  const encoder = new TextEncoder()
  const bodies = [
    "",
    "{\"error\":{\"code\":2007,\"message\":\"requests per minute limit reached\",\"request_id\":\"abc\"}}",
    "{\"error\":{\"code\":2007,\"message\":\"cut",
    "12345",
    "<html>502</html>",
    "[1,2,3]",
    `{"error":{"message":"${"x".repeat(70_000)}"}}`
  ]
  it.each(bodies.map((b) => [b.slice(0, 40), b]))("%s: what the collector gives for the same bytes", (_, text) => {
    const bytes = encoder.encode(text)
    const collector = BoundedBody.makeCollector()
    collector.push(bytes)
    const expected = collector.result()
    const whole = BoundedBody.wholeBody(encoder.encode(text))
    expect(whole.complete).toBe(expected.complete)
    expect(whole.seenBytes).toBe(expected.seenBytes)
    expect(Array.from(whole.bytes)).toEqual(Array.from(expected.bytes))
    expect(whole.json).toBe(expected.json)
    expect(whole.facts).toEqual(expected.facts)
    expect(whole.json).toBe(expected.json)
    expect(BoundedBody.isCollectedBody(whole)).toBe(true)
  })
})

describe("answerRead and makeAnswerCollector (a 2xx body's bound)", () => {
  it("reads a plain body announced within the bound whole, refuses one announced larger, counts any other", () => {
    expect(BoundedBody.answerRead({ "content-length": "10" }, 10)._tag).toBe("Whole")
    const refused = BoundedBody.answerRead({ "content-length": "11" }, 10)
    expect(refused._tag).toBe("Refuse")
    expect(refused._tag === "Refuse" && refused.problem.message).toBe("the body (11 bytes announced) is larger than the 10-byte limit on an answer")
    expect(BoundedBody.answerRead({}, 10)._tag).toBe("Count")
    expect(BoundedBody.answerRead({ "content-length": "nonsense" }, 10)._tag).toBe("Count")
    // A coded body's decoded size is not what was announced.
    expect(BoundedBody.answerRead({ "content-length": "5", "content-encoding": "gzip" }, 10)._tag).toBe("Count")
  })

  it("collects chunks up to the bound as text, and stops past it", () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), fc.integer({ min: 0, max: 200 }), (chunks, limit) => {
      const collector = BoundedBody.makeAnswerCollector(limit)
      let total = 0
      let stopped = false
      for (const chunk of chunks) {
        total += chunk.byteLength
        if (!collector.push(chunk)) {
          stopped = true
          break
        }
      }
      const result = collector.result()
      if (total > limit) {
        expect(stopped).toBe(true)
        expect(result).toBeInstanceOf(BoundedBody.AnswerTooLarge)
      } else {
        const all = new Uint8Array(total)
        let offset = 0
        for (const chunk of chunks) {
          all.set(chunk, offset)
          offset += chunk.byteLength
        }
        expect(result).toBe(new TextDecoder().decode(all))
      }
    }))
  })
})
