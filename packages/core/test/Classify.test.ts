import { makeCollector } from "../src/boundedBody.js"
// classifyError on plain data: total over arbitrary inputs (fixed seed), the status kept, secrets never kept,
// the body bounded by its limit, and each classification route.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { bodyLimitOf, classifyError, defaultBodyLimit, maxBodyLimit, shouldRetryOf, unreadableError } from "../src/classify.js"
import { catalogue, tags } from "../src/table.js"

const key = "ak-" + "q7".repeat(16)
const encoder = new TextEncoder()

const allText = (value: unknown): string => JSON.stringify(value) ?? ""

describe("classifyError is total", () => {
  const statusArb = fc.oneof(fc.integer({ min: 0, max: 999 }), fc.constantFrom(Number.NaN, -1, 499.5, Number.POSITIVE_INFINITY))
  const bodyArb = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.uint8Array({ maxLength: 300 }),
    fc.jsonValue({ maxDepth: 3 }),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v))
  )
  const headersArb = fc.dictionary(
    fc.constantFrom("content-type", "retry-after", "retry-after-ms", "x-should-retry", "x-request-id", "x-other"),
    fc.string({ maxLength: 40 }),
    { maxKeys: 4 }
  )

  it("any status, headers and body give a known tag and keep a finite integer status (fixed seed)", () => {
    fc.assert(
      fc.property(statusArb, headersArb, bodyArb, (status, headers, body) => {
        const { fields, tag } = classifyError({ status, headers, body }, { now: 0 })
        expect(tags).toContain(tag)
        expect(fields.status).toBe(Number.isFinite(status) ? Math.trunc(status) : 0)
        expect(fields.headers).toBeDefined()
        if (fields.retryAfterMillis !== undefined) expect(fields.retryAfterMillis).toBeGreaterThanOrEqual(0)
        if (fields.body !== undefined) expect(fields.body.length).toBeLessThanOrEqual(defaultBodyLimit)
      }),
      { seed: 11, numRuns: 5000 }
    )
  })

  it("a key echoed anywhere in the response is in no field (fixed seed)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(2007, 2101, 2104, undefined),
        fc.constantFrom("message", "code", "trace_id", "type"),
        fc.constantFrom(400, 401, 429, 502),
        fc.boolean(),
        (code, where, status, asBytes) => {
          const error: Record<string, unknown> = { code, message: "m" }
          error[where] = `before ${key} after`
          const text = JSON.stringify({ error })
          const { fields } = classifyError(
            { status, headers: { "x-request-id": key, "x-echo": `Bearer ${key}` }, body: asBytes ? encoder.encode(text) : text },
            { secrets: [key], url: `https://sky.example/v1/chat?key=${key}` }
          )
          expect(allText(fields)).not.toContain(key)
          expect(allText(fields)).not.toContain(key.slice(0, 20))
        }
      ),
      { seed: 12, numRuns: 500 }
    )
  })
})

describe("classifyError's routes", () => {
  it("a table code wins over the status; a fixed message alone names 2101-2106; a status alone names 401, 499, 500", () => {
    expect(classifyError({ status: 500, body: "{\"error\":{\"code\":2007}}" }).tag).toBe("RpmLimitExceeded")
    for (const tag of tags) {
      const entry = catalogue[tag]
      if (entry.fixedMessage === undefined) continue
      const { fields, tag: got } = classifyError({ status: 418, body: JSON.stringify({ error: { message: entry.fixedMessage } }) })
      expect(got).toBe(tag)
      expect(fields.code).toBeUndefined()
    }
    expect(classifyError({ status: 401 }).tag).toBe("InvalidApiKey")
    expect(classifyError({ status: 499 }).tag).toBe("ClientClosedRequest")
    expect(classifyError({ status: 500 }).tag).toBe("InternalError")
    expect(classifyError({ status: 503 }).tag).toBe("UnknownGatewayError")
  })

  it("an unknown error keeps its code, type and message; a table error's code is the table's", () => {
    const unknown = classifyError({ status: 418, body: "{\"error\":{\"code\":\"E1\",\"type\":\"Teapot\",\"message\":\"short and stout\"}}" })
    expect(unknown).toEqual({
      tag: "UnknownGatewayError",
      fields: expect.objectContaining({ status: 418, code: "E1", errorType: "Teapot", message: "short and stout" })
    })
    expect(classifyError({ status: 429, body: "{\"error\":{\"code\":2007}}" }).fields.code).toBeUndefined()
  })

  it("an empty or non-JSON body is described by its status line (an HTML snippet as text)", () => {
    expect(classifyError({ status: 503 }).fields.message).toBe("HTTP 503 Service Unavailable (empty body)")
    expect(classifyError({ status: 502, body: "<html>bad gateway</html>" }).fields.message).toBe("HTTP 502 Bad Gateway: bad gateway")
  })

  it("retry hints: retry-after-ms, else retry-after (seconds or an HTTP date), else the body's retry_after", () => {
    const wait = (headers: Record<string, string>, body?: string) =>
      classifyError({ status: 429, headers, body }, { now: Date.parse("Mon, 30 Nov 2026 18:00:00 GMT") }).fields.retryAfterMillis
    expect(wait({ "retry-after-ms": "250", "retry-after": "9" })).toBe(250)
    expect(wait({ "retry-after": "1.5" })).toBe(1500)
    expect(wait({ "retry-after": "Mon, 30 Nov 2026 18:00:04 GMT" })).toBe(4000)
    expect(wait({ "retry-after": "later 2099" })).toBeUndefined()
    expect(wait({}, "{\"retry_after\":3}")).toBe(3000)
    expect(wait({}, "{\"error\":{\"retry_after\":2}}")).toBe(2000)
    expect(shouldRetryOf({ "x-should-retry": " TRUE " })).toBe(true)
    expect(shouldRetryOf({ "x-should-retry": "false" })).toBe(false)
    expect(shouldRetryOf({ "x-should-retry": "maybe" })).toBeUndefined()
  })

  it("the body limit: default, floored, capped; evidence cut to it and marked", () => {
    expect(bodyLimitOf(undefined)).toBe(defaultBodyLimit)
    expect(bodyLimitOf(-3)).toBe(defaultBodyLimit)
    expect(bodyLimitOf(10.7)).toBe(10)
    expect(bodyLimitOf(Number.POSITIVE_INFINITY)).toBe(maxBodyLimit)
    const { fields } = classifyError({ status: 502, body: "x".repeat(100) }, { bodyLimit: 10 })
    expect(fields.body).toBe("x".repeat(10))
    expect(fields.bodyTruncated).toBe(true)
    expect(classifyError({ status: 502, body: "abc" }, { bodyLimit: 0 }).fields.body).toBeUndefined()
  })

  it("attempts: the earlier ones, then its own", () => {
    const earlier = { attempt: 1, tag: "RpmLimitExceeded", status: 429, waitMillis: 100 }
    const { fields } = classifyError(
      { status: 429, headers: { "x-request-id": "r2" }, body: "{\"error\":{\"code\":2007}}" },
      { attempts: [earlier], method: "POST" }
    )
    expect(fields.attempts).toEqual([earlier, { attempt: 2, tag: "RpmLimitExceeded", status: 429, code: 2007, requestId: "r2" }])
    expect(fields.method).toBe("POST")
  })

  it("a body that is not UTF-8 (GBK) keeps its bytes as base64", () => {
    const gbk = new Uint8Array([0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0xc4, 0xe3, 0xba, 0xc3, 0x22, 0x7d])
    const { fields } = classifyError({ status: 502, body: gbk })
    expect(fields.bodyBase64).toBe(Buffer.from(gbk).toString("base64"))
  })
})

describe("unreadableError", () => {
  it("keeps what can be read of a hostile response and scrubs the thrown text", () => {
    const hostile = {
      status: 503,
      get headers(): never {
        throw new Error(`no headers for ${key}`)
      }
    }
    let thrown: unknown
    try {
      classifyError(hostile)
    } catch (cause) {
      thrown = cause
    }
    expect(thrown).toBeInstanceOf(Error)
    const { fields, tag } = unreadableError(hostile, thrown, [key])
    expect(tag).toBe("UnknownGatewayError")
    expect(fields.status).toBe(503)
    expect(fields.message).toBe("the error response could not be read: no headers for <redacted>")
    const noStatus = {
      get status(): number {
        throw new Error("no status")
      }
    }
    expect(unreadableError(noStatus, 42, []).fields).toEqual({ status: 0, message: "the error response could not be read: 42" })
  })
})

describe("a body cut short in the middle of an echoed key", () => {
  it("keeps what came but not the start of the key it ends with", () => {
    const key = "ak-CLASSIFYsecretCLASSIFY0123456789"
    const collector = makeCollector()
    collector.push(new TextEncoder().encode(`{"error":{"message":"Incorrect API key provided: ${key.slice(0, 25)}`))
    const { fields } = classifyError({ status: 401, body: collector.result(true) }, { now: 0, secrets: [key] })
    expect(fields.body).toBe(`{"error":{"message":"Incorrect API key provided: <redacted>`)
    expect(fields.bodyTruncated).toBe(true)
    expect(JSON.stringify(fields)).not.toContain(key.slice(0, 8))
  })
})
