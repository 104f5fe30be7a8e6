// The Effect 4 line's adapter over the core's classification and wire encoding: the classes decodeError builds
// (`instanceof`, the table's code), `Duration` fields, `Redacted` secrets, the public option types, the catch-all
// for a hostile input, encodeError taking a class instance, and the Schema round trip of what decodeError returns.
// Classification and wire encoding themselves (every code in every shape, the fixed messages, the status alone,
// odd bodies and charsets, request ids, waits, headers, caps, the body limit) are tested once, in plain data, in
// packages/core/test/Classification.test.ts (and Classify, Wire, Golden there); test/SkyWire.test.ts (the Effect 3
// line) has the same describes as this file.
import { describe, expect, it } from "@effect/vitest"
import { Duration, Equal, Redacted, Schema } from "effect"
import * as fc from "fast-check"
import { SkyError, SkyWire } from "../src/index.js"

/**
 * A fast-check property as a test (`it.prop` of @effect/vitest 4 takes only Effect's own arbitraries). The
 * arguments reach the body as one tuple, as with `it.prop`.
 */
const prop = <Ts extends Array<unknown>>(
  name: string,
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  body: (args: Ts) => void,
  options: { readonly fastCheck: fc.Parameters<[Ts]> }
): void =>
  it(name, () => {
    fc.assert(fc.property(fc.tuple(...arbitraries) as unknown as fc.Arbitrary<Ts>, body), options.fastCheck)
  })

const decode = SkyWire.decodeError

/** A deterministic 32-hex id. */
const hex32 = (n: number): string => n.toString(16).padStart(8, "0").repeat(4)

const codeOf = (e: SkyError.SkyError): unknown => (e as { readonly code?: unknown }).code

type AnyCtor = new(props?: Record<string, unknown>) => SkyError.SkyError
const make = (tag: SkyError.Tag, props: Record<string, unknown> = {}): SkyError.SkyError =>
  new (SkyError.classes[tag] as unknown as AnyCtor)(props)

/** The round trip through the Schema of the union, as a user's service would persist an error. */
const viaSchema = (e: SkyError.SkyError): SkyError.SkyError =>
  Schema.decodeUnknownSync(SkyError.SkyError)(Schema.encodeSync(SkyError.SkyError)(e))

describe("SkyWire's public constants", () => {
  it("bodyLimit is 64 KiB, maxBodyLimit 16 MiB, and the four shapes", () => {
    expect(SkyWire.bodyLimit).toBe(65_536)
    expect(SkyWire.maxBodyLimit).toBe(16_777_216)
    expect(SkyWire.shapes).toEqual(["gateway", "anthropic", "openai", "problem"])
  })
})

// ---------------------------------------------------------------------------
// decodeError builds the line's classes
// ---------------------------------------------------------------------------

const encodeCases = SkyError.tags.flatMap((tag, i) =>
  SkyWire.shapes.map((shape) => ({
    name: `${tag} as ${shape}`,
    tag,
    shape,
    error: make(tag, {
      requestId: hex32(0x5000 + i),
      message: `message of ${tag}`,
      retryAfter: Duration.millis(2500)
    })
  }))
)

describe("decodeError and encodeError over the line's classes", () => {
  it("covers 19 classes x 4 shapes", () => {
    expect(encodeCases).toHaveLength(76)
  })

  it.each(encodeCases)("$name: encodeError takes the instance, decodeError gives back its class", ({ error, shape, tag }) => {
    const wire = SkyWire.encodeError(error, { shape })
    expect(wire.status).toBe(SkyError.httpStatusOf(error))
    expect(wire.headers["retry-after-ms"]).toBe("2500")
    const back = decode(wire)
    expect(back._tag).toBe(tag)
    expect(back).toBeInstanceOf(SkyError.classes[tag])
    expect(SkyError.isSkyError(back)).toBe(true)
    expect(codeOf(back)).toBe(codeOf(error))
    expect(codeOf(back)).toBe(SkyError.catalogue[tag].code ?? codeOf(error))
    expect(back.message).toBe(error.message)
    expect(back.requestId).toBe(error.requestId)
    expect(Equal.equals(back.retryAfter, Duration.millis(2500))).toBe(true)
    expect(back.status).toBe(wire.status)
    expect(viaSchema(back)).toBeInstanceOf(SkyError.classes[tag])
  })

  it("a class built with no props encodes the table's fixed message; gateway is the default shape", () => {
    const wire = SkyWire.encodeError(new SkyError.ModelNotFound())
    expect(wire.headers).toEqual({ "content-type": "application/json" })
    expect(JSON.parse(wire.body)).toEqual({
      error: { code: 2104, message: "specified model is not found", type: "BadRequest", details: [] }
    })
  })

  it("an UnknownGatewayError instance keeps its status, code and type across the wire", () => {
    const e = new SkyError.UnknownGatewayError({ status: 403, code: "403", errorType: "Forbidden", message: "nope" })
    const back = decode(SkyWire.encodeError(e))
    expect(back).toBeInstanceOf(SkyError.UnknownGatewayError)
    expect(SkyError.codeOf(back)).toBe("403")
    expect(back.status).toBe(403)
    expect(back.errorType).toBe("Forbidden")
  })

  it("shouldRetry on the instance is written and read back, and isRetryable follows it", () => {
    for (const shouldRetry of [true, false]) {
      const wire = SkyWire.encodeError(new SkyError.UpstreamTimeout({ shouldRetry }))
      expect(wire.headers["x-should-retry"]).toBe(String(shouldRetry))
      const back = decode(wire)
      expect(back.shouldRetry).toBe(shouldRetry)
      expect(SkyError.isRetryable(back)).toBe(shouldRetry)
    }
    const bare429 = decode({ status: 429, body: JSON.stringify({ error: { message: "Too Many Requests" } }) })
    expect(SkyError.isTooManyRequests(bare429)).toBe(false)
    expect(SkyError.isRetryable(bare429)).toBe(true)
  })
})

// ---------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------

describe("Duration fields", () => {
  const now = Date.UTC(2025, 0, 15, 12, 0, 0)

  it("a wait hint becomes a Duration on retryAfter; none leaves it absent", () => {
    expect(decode({ status: 429, headers: { "retry-after-ms": "1500" }, body: "" }, { now }).retryAfter)
      .toEqual(Duration.millis(1500))
    const seconds = decode({ status: 429, headers: { "Retry-After": "7" }, body: "" }, { now })
    expect(Equal.equals(seconds.retryAfter, Duration.seconds(7))).toBe(true)
    const date = decode({ status: 503, headers: { "retry-after": new Date(now + 30_000).toUTCString() }, body: "" }, { now })
    expect(Equal.equals(date.retryAfter, Duration.millis(30_000))).toBe(true)
    expect(decode({ status: 429, headers: { "retry-after": "soon" }, body: "" }, { now }).retryAfter).toBeUndefined()
  })

  it("encodeError reads a Duration: rounded up to whole seconds, zero, and infinity (no wait headers)", () => {
    const wire = SkyWire.encodeError(new SkyError.RpmLimitExceeded({ retryAfter: Duration.millis(1001) }))
    expect(wire.headers["retry-after"]).toBe("2")
    expect(wire.headers["retry-after-ms"]).toBe("1001")
    const zero = SkyWire.encodeError(new SkyError.RpmLimitExceeded({ retryAfter: Duration.zero }))
    expect(zero.headers["retry-after"]).toBe("0")
    const never = SkyWire.encodeError(new SkyError.RpmLimitExceeded({ retryAfter: Duration.infinity }))
    expect(never.headers["retry-after"]).toBeUndefined()
    expect(never.headers["retry-after-ms"]).toBeUndefined()
  })
})

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

describe("decodeError's options", () => {
  it("secrets given as Redacted are opened and scrubbed like plain ones", () => {
    const key = "ak-Zq7xK2mP9vL4nR8tW3"
    const body = JSON.stringify({ error: { code: 2101, message: `bad key ${key}` } })
    for (const secret of [key, Redacted.make(key)]) {
      const e = decode({ status: 401, headers: { "x-echo": key }, body }, { secrets: [secret] })
      expect(e).toBeInstanceOf(SkyError.InvalidApiKey)
      expect(JSON.stringify(Schema.encodeSync(SkyError.SkyError)(e))).not.toContain(key)
      expect(e.message).toBe("bad key <redacted>")
    }
  })

  it("method, url, bodyLimit and attempts are taken; headers in every HeadersInput form", () => {
    const earlier: SkyError.Attempt = { attempt: 1, tag: "RpmLimitExceeded", status: 429 }
    const e = decode(
      { status: 429, headers: new Headers({ "X-Request-Id": "r2" }), body: "{\"error\":{\"code\":2007}}" },
      { method: "POST", url: "https://h.example/v1?key=abc", bodyLimit: 5, attempts: [earlier] }
    )
    expect(e).toBeInstanceOf(SkyError.RpmLimitExceeded)
    expect(e.method).toBe("POST")
    expect(e.url).not.toContain("key=abc")
    expect(e.body).toBe("{\"err")
    expect(e.attempts).toEqual([earlier, { attempt: 2, tag: "RpmLimitExceeded", status: 429, code: 2007, requestId: "r2" }])
    const inputs: ReadonlyArray<SkyWire.HeadersInput> = [[["X-Trace-Id", "h"]], new Map([["Request-Id", "h"]]), { "x-request-id": ["h"] }]
    for (const headers of inputs) expect(decode({ status: 502, headers, body: "" }).requestId).toBe("h")
    expect(viaSchema(e)).toBeInstanceOf(SkyError.RpmLimitExceeded)
  })
})

// ---------------------------------------------------------------------------
// The catch-all
// ---------------------------------------------------------------------------

describe("decodeError's catch-all for a hostile input", () => {
  it("a getter that throws gives an UnknownGatewayError value, not an exception, scrubbed and capped", () => {
    const hostileStatus = { get status(): number { throw new Error("boom") } }
    const e = decode(hostileStatus)
    expect(e).toBeInstanceOf(SkyError.UnknownGatewayError)
    expect(e.status).toBe(0)
    expect(e.message).toContain("boom")
    const key = "ak-abcdefghijklmnop"
    const hostileHeaders = {
      status: 500,
      get headers(): never {
        throw new Error(`bad ${key} ${"x".repeat(100_000)}`)
      }
    }
    for (const secret of [key, Redacted.make(key)]) {
      const f = decode(hostileHeaders, { secrets: [secret] })
      expect(f).toBeInstanceOf(SkyError.UnknownGatewayError)
      expect(f.status).toBe(500)
      expect(f.message.length).toBeLessThanOrEqual(8_192)
      expect(f.message).toContain("bad <redacted>")
    }
    const notAString = { status: 500, get headers(): never { throw Object.assign(new Error(), { message: 42 }) } }
    expect(decode(notAString).message).toBe("the error response could not be read: 42")
  })

  it("never throws on hostile bodies, headers or options", () => {
    const circular: Record<string, unknown> = {}
    circular.self = circular
    const inputs: ReadonlyArray<SkyWire.ErrorResponse> = [
      { status: 500, body: circular },
      { status: 500, body: { toJSON: () => { throw new Error("boom") } } },
      { status: 500, body: BigInt(1) },
      { status: 500, body: Symbol("s") },
      { status: 500, headers: null as never, body: "" },
      { status: 500, body: new ArrayBuffer(3) }
    ]
    for (const input of inputs) expect(SkyError.isSkyError(decode(input))).toBe(true)
    const hostileOptions = { get secrets(): never { throw new Error("no") } } as SkyWire.DecodeOptions
    expect(SkyError.isSkyError(decode({ status: 500, body: "" }, hostileOptions))).toBe(true)
  })
})

// ---------------------------------------------------------------------------
// The Schema
// ---------------------------------------------------------------------------

describe("the Schema round trip", () => {
  prop(
    "whatever decodeError gives (arbitrary bytes, any status) is a class that survives the Schema",
    [fc.uint8Array({ maxLength: 512 }), fc.integer({ min: 100, max: 999 })],
    ([bytes, status]) => {
      const e = decode({ status, body: bytes })
      expect(e).toBeInstanceOf(SkyError.classes[e._tag])
      const back = viaSchema(e)
      expect(back).toBeInstanceOf(SkyError.classes[e._tag])
      expect(back.status).toBe(status)
    },
    { fastCheck: { seed: 42, numRuns: 300 } }
  )

  // Instances built by hand: Arbitrary.make(SkyError.SkyError) generates nanosecond and astronomically large
  // Durations, which Schema.DurationFromMillis cannot carry (it is millisecond-based), and non-finite numbers,
  // which JSON cannot carry. See the Arbitrary.make property below for what does hold of its instances.
  const optionalString = fc.string({ maxLength: 30, unit: "binary" })
  const millisArb = fc.integer({ min: 0, max: 10_000_000 }).map(Duration.millis)
  const attemptArb = fc.record({
    attempt: fc.integer({ min: 1, max: 10 }),
    tag: fc.constantFrom(...SkyError.tags),
    status: fc.integer({ min: 100, max: 599 }),
    code: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.string({ maxLength: 8 })),
    requestId: optionalString,
    wait: millisArb
  }, { requiredKeys: ["attempt", "tag"] })
  const evidenceArb = fc.record({
    requestId: optionalString,
    errorType: optionalString,
    retryAfter: millisArb,
    shouldRetry: fc.boolean(),
    body: fc.string({ maxLength: 200, unit: "binary" }),
    bodyTruncated: fc.boolean(),
    headers: fc.dictionary(fc.string({ maxLength: 10 }).filter((k) => k !== "__proto__"), fc.string({ maxLength: 20 }), {
      maxKeys: 4
    }),
    method: fc.constantFrom("GET", "POST"),
    url: fc.webUrl(),
    attempts: fc.array(attemptArb, { maxLength: 3 }),
    status: fc.integer({ min: 100, max: 999 }),
    message: fc.string({ maxLength: 100, unit: "binary" })
  }, { requiredKeys: [] })
  const extraArb = (tag: SkyError.Tag): fc.Arbitrary<Record<string, unknown>> => {
    switch (tag) {
      case "UnknownGatewayError":
        return fc.record({ code: fc.oneof(fc.integer(), fc.string({ maxLength: 8 })) }, { requiredKeys: [] })
      case "ConnectionError":
      case "InvalidRequest":
        return fc.record({ reason: optionalString }, { requiredKeys: [] })
      case "RequestTimeout":
        return fc.record({ timeout: millisArb }, { requiredKeys: [] })
      case "InvalidResponse":
        return fc.record({ issue: optionalString }, { requiredKeys: [] })
      default:
        return fc.constant({})
    }
  }
  const instanceArb: fc.Arbitrary<SkyError.SkyError> = fc.constantFrom(...SkyError.tags).chain((tag) =>
    fc.tuple(evidenceArb, extraArb(tag)).map(([evidence, extra]) => make(tag, { ...evidence, ...extra }))
  )

  prop(
    "the Schema round-trips every class: same class, Equal.equals, same message, also through JSON text",
    [instanceArb],
    ([e]) => {
      const encoded = Schema.encodeSync(SkyError.SkyError)(e)
      const back = Schema.decodeUnknownSync(SkyError.SkyError)(encoded)
      expect(back).toBeInstanceOf(SkyError.classes[e._tag])
      expect(back._tag).toBe(e._tag)
      // Effect 4's Equal.equals is structural: headers and attempts compare by content
      expect(Equal.equals(back, e)).toBe(true)
      // equality ignores message: check it
      expect(back.message).toBe(e.message)

      const text = JSON.stringify(encoded)
      const parsed: unknown = JSON.parse(text)
      expect(parsed).toEqual(encoded)
      const fromJson = Schema.decodeUnknownSync(SkyError.SkyError)(parsed)
      expect(fromJson).toBeInstanceOf(SkyError.classes[e._tag])
      expect(Equal.equals(fromJson, e)).toBe(true)
      expect(fromJson.message).toBe(e.message)
      expect(JSON.stringify(Schema.encodeSync(SkyError.SkyError)(fromJson))).toBe(text)
    },
    { fastCheck: { seed: 42, numRuns: 500 } }
  )

  prop(
    "without headers or attempts, plain Equal.equals holds after the Schema round trip",
    [instanceArb],
    ([e]) => {
      const { attempts: _a, headers: _h, ...rest } = e as unknown as Record<string, unknown>
      const flat = make(e._tag, { ...rest, message: e.message })
      const back = Schema.decodeUnknownSync(SkyError.SkyError)(Schema.encodeSync(SkyError.SkyError)(flat))
      expect(Equal.equals(back, flat)).toBe(true)
      expect(back.message).toBe(flat.message)
    },
    { fastCheck: { seed: 42, numRuns: 300 } }
  )
})

describe("bodyBase64 on the class", () => {
  const gbk = new Uint8Array([0xd0, 0xa3, 0xd1, 0xe9, 0xce, 0xb4, 0xcd, 0xa8, 0xb9, 0xfd])

  it("round-trips through the Schema (and JSON), and encodeError of the instance does not send it", () => {
    const e = decode({ status: 502, body: gbk })
    expect(e.bodyBase64).toBeDefined()
    const encoded = Schema.encodeSync(SkyError.SkyError)(e)
    expect((encoded as { bodyBase64?: string }).bodyBase64).toBe(e.bodyBase64)
    const back = Schema.decodeUnknownSync(SkyError.SkyError)(JSON.parse(JSON.stringify(encoded)))
    expect(back.bodyBase64).toBe(e.bodyBase64)
    expect(back._tag).toBe(e._tag)
    expect(JSON.stringify(SkyWire.encodeError(e))).not.toContain(e.bodyBase64!)
  })
})
