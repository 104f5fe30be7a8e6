// Wire encoding in plain data: every tag in every shape classifies back to the same tag, code, message and
// request id, with the wait and the retry hint carried by the headers.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { classifyError, problemTypePrefix } from "../src/classify.js"
import { catalogue, tags, type Tag } from "../src/table.js"
import * as Wire from "../src/wire.js"

const tableCode = (tag: Tag): number | undefined => catalogue[tag].code

const errorOf = (tag: Tag, extra: Wire.WireError["fields"] = {}): Wire.WireError => ({
  tag,
  fields: {
    ...(tableCode(tag) !== undefined ? { code: tableCode(tag)! } : {}),
    ...(tag === "UnknownGatewayError" ? { status: 418, code: "E_TEAPOT", errorType: "Teapot" } : {}),
    ...extra
  }
})

describe("encodeError in plain data", () => {
  const cases = tags.flatMap((tag) => Wire.shapes.map((shape) => [tag, shape] as const))

  it.each(cases)("%s as %s classifies back to the same error", (tag, shape) => {
    const error = errorOf(tag, { message: `a message for ${tag}`, requestId: `req-${tag}`, retryAfterMillis: 2500, shouldRetry: true })
    const wire = Wire.encodeError(error, { shape })
    expect(wire.status).toBe(Wire.httpStatusOf(error))
    expect(wire.headers["content-type"]).toBe(shape === "problem" ? "application/problem+json" : "application/json")
    expect(wire.headers["x-request-id"]).toBe(`req-${tag}`)
    expect(wire.headers["retry-after"]).toBe("3")
    expect(wire.headers["retry-after-ms"]).toBe("2500")
    expect(wire.headers["x-should-retry"]).toBe("true")
    const { fields, tag: back } = classifyError({ status: wire.status, headers: wire.headers, body: wire.body })
    expect(back).toBe(tag)
    expect(fields.code ?? tableCode(back)).toBe(error.fields.code)
    expect(fields.message).toBe(`a message for ${tag}`)
    expect(fields.requestId).toBe(`req-${tag}`)
    expect(fields.retryAfterMillis).toBe(2500)
    expect(fields.shouldRetry).toBe(true)
  })

  it("a status: its own between 400 and 599, else the table's, else 504 for a deadline and 502", () => {
    expect(Wire.httpStatusOf(errorOf("RpmLimitExceeded"))).toBe(429)
    expect(Wire.httpStatusOf(errorOf("RpmLimitExceeded", { status: 503 }))).toBe(503)
    expect(Wire.httpStatusOf(errorOf("RpmLimitExceeded", { status: 200 }))).toBe(429)
    expect(Wire.httpStatusOf({ tag: "UnknownGatewayError", fields: {} })).toBe(502)
    expect(Wire.httpStatusOf({ tag: "RequestTimeout", fields: {} })).toBe(504)
    expect(Wire.httpStatusOf({ tag: "ConnectionError", fields: {} })).toBe(502)
  })

  it("problem details: type by code or tag, title the meaning, detail the message, retry_after in seconds", () => {
    expect(Wire.toProblemDetails(errorOf("TpmLimitExceeded", { requestId: "r1", retryAfterMillis: 1500 }))).toEqual({
      type: `${problemTypePrefix}2008`,
      title: catalogue.TpmLimitExceeded.meaning,
      status: 429,
      detail: catalogue.TpmLimitExceeded.meaning,
      instance: "r1",
      code: 2008,
      tag: "TpmLimitExceeded",
      retry_after: 1.5
    })
    expect(Wire.toProblemDetails({ tag: "ConnectionError", fields: { message: "refused" } })).toEqual({
      type: `${problemTypePrefix}ConnectionError`,
      title: catalogue.ConnectionError.meaning,
      status: 502,
      detail: "refused",
      tag: "ConnectionError"
    })
  })

  it("a message defaults to the table's fixed message, else its meaning", () => {
    expect(Wire.messageOf(errorOf("InvalidApiKey"))).toBe(catalogue.InvalidApiKey.fixedMessage)
    expect(Wire.messageOf(errorOf("UpstreamTimeout"))).toBe(catalogue.UpstreamTimeout.meaning)
  })

  it("the anthropic shape carries the fixed message of 2101-2106 in error.type, Anthropic's names otherwise", () => {
    expect(JSON.parse(Wire.encodeError(errorOf("ModelNotFound"), { shape: "anthropic" }).body).error.type)
      .toBe(catalogue.ModelNotFound.fixedMessage)
    expect(JSON.parse(Wire.encodeError(errorOf("RpmLimitExceeded"), { shape: "anthropic" }).body).error.type)
      .toBe("rate_limit_error")
    expect(JSON.parse(Wire.encodeError(errorOf("UpstreamTimeout"), { shape: "anthropic" }).body).error.type)
      .toBe("api_error")
  })

  it("an infinite wait writes no retry-after headers; a table error carries no tag mark", () => {
    const wire = Wire.encodeError(errorOf("InternalError", { retryAfterMillis: Number.POSITIVE_INFINITY }))
    expect(wire.headers["retry-after"]).toBeUndefined()
    expect(wire.headers["retry-after-ms"]).toBeUndefined()
    expect(JSON.parse(wire.body).error.tag).toBeUndefined()
  })

  it("any message, request id and wait round-trips through every shape (fixed seed)", () => {
    const text = fc.string({ minLength: 1, maxLength: 80 }).filter((s) => s.trim().length > 0)
    fc.assert(
      fc.property(
        fc.constantFrom(...tags),
        fc.constantFrom(...Wire.shapes),
        text,
        fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
        fc.integer({ min: 0, max: 86_400_000 }),
        (tag, shape, message, requestId, wait) => {
          const error = errorOf(tag, { message, requestId, retryAfterMillis: wait })
          const wire = Wire.encodeError(error, { shape })
          const back = classifyError({ status: wire.status, headers: wire.headers, body: wire.body })
          // A message that is itself a table's fixed text or a marked kind can say more than its code: the tag
          // holds because the code (or error.tag) decides first.
          expect(back.tag).toBe(tag)
          expect(back.fields.message).toBe(message)
          expect(back.fields.requestId).toBe(requestId)
          expect(back.fields.retryAfterMillis).toBe(wait)
        }
      ),
      { seed: 9, numRuns: 2000 }
    )
  })
})
