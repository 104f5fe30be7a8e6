// The cross-line check, Effect 4 half: packages/core/test/fixtures/encoded.json holds one encoded SkyError per tag
// (the JSON of `Schema.encode(SkyError.SkyError)`, written by the Effect 3 line). This line decodes each to its
// class and encodes it back to exactly that JSON; test/CrossLine.test.ts at the root asserts the same on Effect 3.
// Together: an error encoded by either line decodes in the other, to the same class with the same fields.
import { describe, expect, it } from "@effect/vitest"
import { Duration, Schema } from "effect"
import { readFileSync } from "node:fs"
import { SkyError, SkyWire } from "../src/index.js"

const encoded: ReadonlyArray<{ readonly _tag: string } & Record<string, unknown>> = JSON.parse(
  readFileSync(new URL("../../core/test/fixtures/encoded.json", import.meta.url), "utf8")
)

const decodeAll = Schema.decodeUnknownSync(Schema.Array(SkyError.SkyError))
const encodeAll = Schema.encodeSync(Schema.Array(SkyError.SkyError))

describe("errors encoded by either line (Effect 4)", () => {
  it("the fixture has one error per tag", () => {
    expect(encoded.map((e) => e._tag)).toEqual([...SkyError.tags])
  })

  it.each(encoded.map((e) => [e._tag, e] as const))("%s decodes to its class and encodes back to the same JSON", (tag, json) => {
    const e = Schema.decodeUnknownSync(SkyError.SkyError)(json)
    expect(e).toBeInstanceOf(SkyError.classes[tag as SkyError.Tag])
    expect(SkyError.isSkyError(e)).toBe(true)
    expect(e._tag).toBe(tag)
    expect(JSON.parse(JSON.stringify(Schema.encodeSync(SkyError.SkyError)(e)))).toEqual(json)
    // and the error crosses the wire in every shape to the same tag
    for (const shape of SkyWire.shapes) expect(SkyWire.decodeError(SkyWire.encodeError(e, { shape }))._tag, shape).toBe(tag)
  })

  it("decodes to the same fields: durations, attempts, codes, client-side reasons", () => {
    const decoded = decodeAll(encoded)
    const of = <T extends SkyError.Tag>(tag: T): Extract<SkyError.SkyError, { _tag: T }> =>
      decoded.find((e): e is Extract<SkyError.SkyError, { _tag: T }> => e._tag === tag)!
    const rpm = of("RpmLimitExceeded")
    expect(rpm.code).toBe(2007)
    expect(rpm.status).toBe(429)
    expect(rpm.message).toBe("rpm limit of model foo reached")
    expect(rpm.requestId).toBe("0123456789abcdef0123456789abcdef")
    expect(rpm.retryAfter && Duration.toMillis(rpm.retryAfter)).toBe(1500)
    expect(rpm.shouldRetry).toBe(true)
    expect(rpm.headers).toEqual({ "retry-after-ms": "1500" })
    expect(rpm.attempts?.map((a) => [a.attempt, a.code, a.wait && Duration.toMillis(a.wait)])).toEqual([
      [1, 2007, 500],
      [2, 2007, undefined]
    ])
    expect(SkyError.isRetryable(rpm)).toBe(true)
    expect(of("InvalidApiKey").message).toBe(SkyError.catalogue.InvalidApiKey.fixedMessage)
    const unknown = of("UnknownGatewayError")
    expect(SkyError.codeOf(unknown)).toBe("overloaded")
    expect(SkyError.isRetryable(unknown)).toBe(true)
    const timeout = of("RequestTimeout").timeout
    expect(timeout && Duration.toMillis(timeout)).toBe(30_000)
    expect(of("ConnectionError").reason).toBe("ECONNREFUSED 127.0.0.1:1")
    expect(of("InvalidRequest").reason).toBe("bad header")
    expect(of("InvalidResponse").bodyBase64).toBe("AAE=")
    const closed = of("ClientClosedRequest").retryAfter
    expect(closed && Duration.toMillis(closed)).toBe(0)
    // Effect 3 wrote the table's default message: Effect 4's class has the same default.
    expect(of("RequestParseFailed").message).toBe(new SkyError.RequestParseFailed({}).message)
  })

  it("the whole array decodes and encodes back at once", () => {
    expect(JSON.parse(JSON.stringify(encodeAll(decodeAll(encoded))))).toEqual(encoded)
  })
})
