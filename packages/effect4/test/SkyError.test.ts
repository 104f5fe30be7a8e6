import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Equal, Exit, Match, Result, Schema } from "effect"
import { SkyError } from "../src/index.js"
import { construct, withFields } from "../src/internal/construct.js"

/**
 * The gateway's error table, written out from the reference
 * (shared/reference/skyengine-api.md and the seed page), not derived from the
 * code under test.
 */
const table = {
  UnclassifiedLlmError: { code: 2001, status: 400, type: "BadRequest", fixed: undefined },
  UpstreamUnavailable: { code: 2002, status: 424, type: "FailedDependency", fixed: undefined },
  UpstreamTimeout: { code: 2003, status: 424, type: "FailedDependency", fixed: undefined },
  InvalidModelParameter: { code: 2004, status: 400, type: "BadRequest", fixed: undefined },
  RequestParseFailed: { code: 2005, status: 400, type: "BadRequest", fixed: undefined },
  ResponseParseFailed: { code: 2006, status: 424, type: "FailedDependency", fixed: undefined },
  RpmLimitExceeded: { code: 2007, status: 429, type: "TooManyRequests", fixed: undefined },
  TpmLimitExceeded: { code: 2008, status: 429, type: "TooManyRequests", fixed: undefined },
  InvalidApiKey: {
    code: 2101,
    status: 401,
    type: "Unauthorized",
    fixed: "The API key in the request is missing or invalid"
  },
  ModelAccessDenied: {
    code: 2102,
    status: 403,
    type: "Forbidden",
    fixed: "you do not have access to the requested model"
  },
  AccountOverdue: { code: 2103, status: 403, type: "Forbidden", fixed: "your account has an overdue balance" },
  ModelNotFound: { code: 2104, status: 400, type: "BadRequest", fixed: "specified model is not found" },
  InternalError: { code: 2105, status: 500, type: "InternalServerError", fixed: "internal server error" },
  ClientClosedRequest: { code: 2106, status: 499, type: "ClientClosedRequest", fixed: "client closed request" }
} as const

const clientSide = {
  UnknownGatewayError: "Unknown",
  ConnectionError: "Client",
  RequestTimeout: "Client",
  InvalidRequest: "Client",
  InvalidResponse: "Client"
} as const

const allTags = [...Object.keys(table), ...Object.keys(clientSide)].sort()

type AnyCtor = new(props?: Record<string, unknown>) => SkyError.SkyError

const make = (tag: SkyError.Tag, props: Record<string, unknown> = {}): SkyError.SkyError =>
  new (SkyError.classes[tag] as unknown as AnyCtor)(props)

/** One instance of every class, with evidence set. */
const samples: ReadonlyArray<SkyError.SkyError> = SkyError.tags.map((tag) =>
  make(tag, { requestId: `req-${tag}`, message: `boom ${tag}` })
)

describe("tags, catalogue, classes", () => {
  it("tags has 19 unique entries matching catalogue and classes", () => {
    expect(SkyError.tags).toHaveLength(19)
    expect(new Set(SkyError.tags).size).toBe(19)
    expect([...SkyError.tags].sort()).toEqual(allTags)
    expect(Object.keys(SkyError.catalogue).sort()).toEqual(allTags)
    expect(Object.keys(SkyError.classes).sort()).toEqual(allTags)
  })

  it.each(Object.entries(table))("%s: static meta and catalogue match the table", (tag, row) => {
    const cls = SkyError.classes[tag as SkyError.Tag]
    expect(cls.meta.tag).toBe(tag)
    expect(cls.meta.code).toBe(row.code)
    expect(cls.meta.status).toBe(row.status)
    expect(cls.meta.type).toBe(row.type)
    expect(cls.meta.fixedMessage).toBe(row.fixed)
    expect(SkyError.catalogue[tag as SkyError.Tag]).toBe(cls.meta)
    expect(SkyError.entryOfCode(row.code)?.tag).toBe(tag)
  })

  it.each(Object.entries(clientSide))("%s: client-side kind without code or status", (tag, type) => {
    const cls = SkyError.classes[tag as SkyError.Tag]
    expect(cls.meta.tag).toBe(tag)
    expect(cls.meta.code).toBeUndefined()
    expect(cls.meta.status).toBeUndefined()
    expect(cls.meta.type).toBe(type)
  })

  it("entryOfCode knows no other code", () => {
    for (const code of [0, 5, 403, 2000, 2009, 2100, 2107, 9999]) expect(SkyError.entryOfCode(code)).toBeUndefined()
  })
})

describe("constructors", () => {
  it("RpmLimitExceeded defaults to code 2007, status 429, its meaning", () => {
    const e = new SkyError.RpmLimitExceeded()
    expect(e._tag).toBe("RpmLimitExceeded")
    expect(e.code).toBe(2007)
    expect(e.status).toBe(429)
    expect(e.message).toBe(SkyError.catalogue.RpmLimitExceeded.meaning)
    expect(e.message.length).toBeGreaterThan(0)
    expect(e).toBeInstanceOf(Error)
  })

  it.each(Object.entries(table))("%s: defaults follow the table", (tag, row) => {
    const e = make(tag as SkyError.Tag)
    expect(e._tag).toBe(tag)
    expect((e as { code?: unknown }).code).toBe(row.code)
    expect(e.status).toBe(row.status)
    expect(e.message).toBe(row.fixed ?? SkyError.catalogue[tag as SkyError.Tag].meaning)
  })

  it("an explicit message, status and requestId win over the defaults", () => {
    const e = new SkyError.ModelNotFound({ message: "no such model: foo", status: 404, requestId: "r1" })
    expect(e.message).toBe("no such model: foo")
    expect(e.status).toBe(404)
    expect(e.code).toBe(2104)
    expect(e.requestId).toBe("r1")
  })

  it("client-side kinds have a default message and no status", () => {
    for (const tag of Object.keys(clientSide) as Array<SkyError.Tag>) {
      const e = make(tag)
      expect(e.status).toBeUndefined()
      expect(e.message.length).toBeGreaterThan(0)
    }
  })
})

describe("toJSON", () => {
  it("keeps every field", () => {
    const e = new SkyError.RpmLimitExceeded({
      requestId: "abc123",
      message: "rpm limit reached",
      retryAfter: Duration.millis(1500),
      body: "{\"error\":{}}",
      headers: { "x-request-id": "abc123" }
    })
    const json = e.toJSON() as Record<string, unknown>
    expect(json._tag).toBe("RpmLimitExceeded")
    expect(json.status).toBe(429)
    expect(json.code).toBe(2007)
    expect(json.message).toBe("rpm limit reached")
    expect(json.requestId).toBe("abc123")
    expect(json.retryAfter).toBeDefined()
    expect(json.body).toBe("{\"error\":{}}")
    expect(json.headers).toEqual({ "x-request-id": "abc123" })
    const text = JSON.stringify(e)
    expect(text).not.toBe("{}")
    const parsed = JSON.parse(text)
    expect(parsed).toMatchObject({
      _tag: "RpmLimitExceeded",
      status: 429,
      code: 2007,
      message: "rpm limit reached",
      requestId: "abc123",
      body: "{\"error\":{}}",
      headers: { "x-request-id": "abc123" }
    })
    expect(JSON.stringify(parsed.retryAfter)).toContain("1500")
  })

  it.each(SkyError.tags)("%s: JSON.stringify keeps _tag and message", (tag) => {
    const parsed = JSON.parse(JSON.stringify(make(tag, { message: "hello" })))
    expect(parsed._tag).toBe(tag)
    expect(parsed.message).toBe("hello")
  })
})

describe("isSkyError", () => {
  it.each(SkyError.tags)("true for %s", (tag) => {
    expect(SkyError.isSkyError(make(tag))).toBe(true)
  })

  it("false for look-alikes and other values", () => {
    expect(SkyError.isSkyError({ _tag: "RpmLimitExceeded" })).toBe(false)
    expect(SkyError.isSkyError({ _tag: "RpmLimitExceeded", code: 2007, status: 429, message: "x" })).toBe(false)
    expect(SkyError.isSkyError(new Error("RpmLimitExceeded"))).toBe(false)
    expect(SkyError.isSkyError(null)).toBe(false)
    expect(SkyError.isSkyError(undefined)).toBe(false)
    expect(SkyError.isSkyError("RpmLimitExceeded")).toBe(false)
    expect(SkyError.isSkyError(2007)).toBe(false)
  })

  it("true for a copy made by another instance of the package (shared Symbol.for brand)", () => {
    const brand = Symbol.for("effect-skyengine/SkyError")
    const foreign = { _tag: "RpmLimitExceeded", [brand]: brand }
    expect(SkyError.isSkyError(foreign)).toBe(true)
    expect(SkyError.isTooManyRequests(foreign)).toBe(true)
    // the brand alone is not enough: the tag must be one of ours
    expect(SkyError.isSkyError({ _tag: "SomethingElse", [brand]: brand })).toBe(false)
    expect(SkyError.isSkyError({ [brand]: brand })).toBe(false)
  })
})

const groupCases = [
  ["isBadRequest", SkyError.isBadRequest, [
    "UnclassifiedLlmError",
    "InvalidModelParameter",
    "RequestParseFailed",
    "ModelNotFound"
  ]],
  ["isFailedDependency", SkyError.isFailedDependency, ["UpstreamUnavailable", "UpstreamTimeout", "ResponseParseFailed"]],
  ["isTooManyRequests", SkyError.isTooManyRequests, ["RpmLimitExceeded", "TpmLimitExceeded"]],
  ["isUnauthorized", SkyError.isUnauthorized, ["InvalidApiKey"]],
  ["isForbidden", SkyError.isForbidden, ["ModelAccessDenied", "AccountOverdue"]],
  ["isClientFailure", SkyError.isClientFailure, ["ConnectionError", "RequestTimeout", "InvalidRequest", "InvalidResponse"]]
] as const

describe("groups", () => {
  it.each(groupCases)("%s accepts exactly its members", (_name, guard, members) => {
    const accepted = samples.filter((e) => guard(e)).map((e) => e._tag).sort()
    expect(accepted).toEqual([...members].sort())
    expect(guard({ _tag: members[0] })).toBe(false)
    expect(guard(null)).toBe(false)
  })

  it.each(groupCases)("Effect.catchIf(%s) recovers exactly its members", (_name, guard, members) => {
    const recovered: Array<string> = []
    for (const e of samples) {
      const result = Effect.runSync(Effect.result(
        Effect.fail(e).pipe(Effect.catchIf(guard, (caught) => Effect.succeed(`recovered ${caught._tag}`)))
      ))
      if (Result.isSuccess(result)) {
        expect(result.success).toBe(`recovered ${e._tag}`)
        recovered.push(e._tag)
      } else {
        // not a member: the very same error is still the failure
        expect(result.failure).toBe(e)
      }
    }
    expect(recovered.sort()).toEqual([...members].sort())
  })

  it("the groups partition the table rows (each table row is in exactly one group)", () => {
    for (const tag of Object.keys(table)) {
      const e = make(tag as SkyError.Tag)
      const hits = groupCases.filter(([, guard]) => guard(e)).length
      // 2105 and 2106 are in none of the six groups
      expect(hits).toBe(tag === "InternalError" || tag === "ClientClosedRequest" ? 0 : 1)
    }
  })
})

describe("isRetryable", () => {
  const expected: Record<SkyError.Tag, boolean> = {
    UnclassifiedLlmError: false,
    UpstreamUnavailable: true,
    UpstreamTimeout: true,
    InvalidModelParameter: false,
    RequestParseFailed: false,
    ResponseParseFailed: false,
    RpmLimitExceeded: true,
    TpmLimitExceeded: true,
    InvalidApiKey: false,
    ModelAccessDenied: false,
    AccountOverdue: false,
    ModelNotFound: false,
    InternalError: true,
    ClientClosedRequest: false,
    UnknownGatewayError: false,
    ConnectionError: true,
    RequestTimeout: true,
    InvalidRequest: false,
    InvalidResponse: false
  }

  it.each(SkyError.tags)("%s", (tag) => {
    expect(SkyError.isRetryable(make(tag))).toBe(expected[tag])
  })

  it.each([408, 409, 424, 429, 500, 502, 503, 504, 529])("UnknownGatewayError with status %i is retryable", (status) => {
    expect(SkyError.isRetryable(new SkyError.UnknownGatewayError({ status }))).toBe(true)
  })

  it.each([400, 401, 403, 404, 422, 499, 600])("UnknownGatewayError with status %i is not retryable", (status) => {
    expect(SkyError.isRetryable(new SkyError.UnknownGatewayError({ status }))).toBe(false)
  })

  it.each(SkyError.tags)("%s: shouldRetry overrides the default both ways", (tag) => {
    expect(SkyError.isRetryable(make(tag, { shouldRetry: true, status: 400 }))).toBe(true)
    expect(SkyError.isRetryable(make(tag, { shouldRetry: false, status: 503 }))).toBe(false)
  })
})

/** Every handler returns its own name, so the test sees which one ran. */
const handlers = {
  UnclassifiedLlmError: (e: SkyError.UnclassifiedLlmError) => Effect.succeed(["UnclassifiedLlmError", e] as const),
  UpstreamUnavailable: (e: SkyError.UpstreamUnavailable) => Effect.succeed(["UpstreamUnavailable", e] as const),
  UpstreamTimeout: (e: SkyError.UpstreamTimeout) => Effect.succeed(["UpstreamTimeout", e] as const),
  InvalidModelParameter: (e: SkyError.InvalidModelParameter) => Effect.succeed(["InvalidModelParameter", e] as const),
  RequestParseFailed: (e: SkyError.RequestParseFailed) => Effect.succeed(["RequestParseFailed", e] as const),
  ResponseParseFailed: (e: SkyError.ResponseParseFailed) => Effect.succeed(["ResponseParseFailed", e] as const),
  RpmLimitExceeded: (e: SkyError.RpmLimitExceeded) => Effect.succeed(["RpmLimitExceeded", e] as const),
  TpmLimitExceeded: (e: SkyError.TpmLimitExceeded) => Effect.succeed(["TpmLimitExceeded", e] as const),
  InvalidApiKey: (e: SkyError.InvalidApiKey) => Effect.succeed(["InvalidApiKey", e] as const),
  ModelAccessDenied: (e: SkyError.ModelAccessDenied) => Effect.succeed(["ModelAccessDenied", e] as const),
  AccountOverdue: (e: SkyError.AccountOverdue) => Effect.succeed(["AccountOverdue", e] as const),
  ModelNotFound: (e: SkyError.ModelNotFound) => Effect.succeed(["ModelNotFound", e] as const),
  InternalError: (e: SkyError.InternalError) => Effect.succeed(["InternalError", e] as const),
  ClientClosedRequest: (e: SkyError.ClientClosedRequest) => Effect.succeed(["ClientClosedRequest", e] as const),
  UnknownGatewayError: (e: SkyError.UnknownGatewayError) => Effect.succeed(["UnknownGatewayError", e] as const),
  ConnectionError: (e: SkyError.ConnectionError) => Effect.succeed(["ConnectionError", e] as const),
  RequestTimeout: (e: SkyError.RequestTimeout) => Effect.succeed(["RequestTimeout", e] as const),
  InvalidRequest: (e: SkyError.InvalidRequest) => Effect.succeed(["InvalidRequest", e] as const),
  InvalidResponse: (e: SkyError.InvalidResponse) => Effect.succeed(["InvalidResponse", e] as const)
}

const matchCases = {
  UnclassifiedLlmError: (e: SkyError.UnclassifiedLlmError) => `UnclassifiedLlmError:${e.requestId}`,
  UpstreamUnavailable: (e: SkyError.UpstreamUnavailable) => `UpstreamUnavailable:${e.requestId}`,
  UpstreamTimeout: (e: SkyError.UpstreamTimeout) => `UpstreamTimeout:${e.requestId}`,
  InvalidModelParameter: (e: SkyError.InvalidModelParameter) => `InvalidModelParameter:${e.requestId}`,
  RequestParseFailed: (e: SkyError.RequestParseFailed) => `RequestParseFailed:${e.requestId}`,
  ResponseParseFailed: (e: SkyError.ResponseParseFailed) => `ResponseParseFailed:${e.requestId}`,
  RpmLimitExceeded: (e: SkyError.RpmLimitExceeded) => `RpmLimitExceeded:${e.requestId}`,
  TpmLimitExceeded: (e: SkyError.TpmLimitExceeded) => `TpmLimitExceeded:${e.requestId}`,
  InvalidApiKey: (e: SkyError.InvalidApiKey) => `InvalidApiKey:${e.requestId}`,
  ModelAccessDenied: (e: SkyError.ModelAccessDenied) => `ModelAccessDenied:${e.requestId}`,
  AccountOverdue: (e: SkyError.AccountOverdue) => `AccountOverdue:${e.requestId}`,
  ModelNotFound: (e: SkyError.ModelNotFound) => `ModelNotFound:${e.requestId}`,
  InternalError: (e: SkyError.InternalError) => `InternalError:${e.requestId}`,
  ClientClosedRequest: (e: SkyError.ClientClosedRequest) => `ClientClosedRequest:${e.requestId}`,
  UnknownGatewayError: (e: SkyError.UnknownGatewayError) => `UnknownGatewayError:${e.requestId}`,
  ConnectionError: (e: SkyError.ConnectionError) => `ConnectionError:${e.requestId}`,
  RequestTimeout: (e: SkyError.RequestTimeout) => `RequestTimeout:${e.requestId}`,
  InvalidRequest: (e: SkyError.InvalidRequest) => `InvalidRequest:${e.requestId}`,
  InvalidResponse: (e: SkyError.InvalidResponse) => `InvalidResponse:${e.requestId}`
}

describe("handleAll, and Match.valueTags for a value", () => {
  it.each(samples)("handleAll recovers $_tag with its own handler", (e) => {
    const program: Effect.Effect<string, SkyError.SkyError> = Effect.fail(e)
    const [ran, seen] = Effect.runSync(program.pipe(SkyError.handleAll(handlers)))
    expect(ran).toBe(e._tag)
    expect(seen).toBe(e)
  })

  it("handleAll passes success through untouched", () => {
    const program: Effect.Effect<string, SkyError.SkyError> = Effect.succeed("ok")
    expect(Effect.runSync(program.pipe(SkyError.handleAll(handlers)))).toBe("ok")
  })

  it("handleAll propagates what a handler fails with", () => {
    const program: Effect.Effect<string, SkyError.SkyError> = Effect.fail(new SkyError.RpmLimitExceeded())
    const exit = Effect.runSyncExit(program.pipe(SkyError.handleAll({
      ...handlers,
      RpmLimitExceeded: () => Effect.fail("handler failed" as const)
    })))
    expect(exit).toEqual(Exit.fail("handler failed"))
  })

  it.each(samples)("Match.valueTags dispatches $_tag to its own case", (e) => {
    expect(Match.valueTags(e, matchCases)).toBe(`${e._tag}:req-${e._tag}`)
  })
})

describe("toProblemDetails", () => {
  it("a table error: type by code, title, status, detail, instance, code, retry_after", () => {
    const e = new SkyError.RpmLimitExceeded({
      requestId: "0123456789abcdef0123456789abcdef",
      message: "rpm limit of model foo reached",
      retryAfter: Duration.seconds(3)
    })
    const p = SkyError.toProblemDetails(e)
    expect(p).toEqual({
      type: "urn:skyengine:error:2007",
      title: SkyError.catalogue.RpmLimitExceeded.meaning,
      status: 429,
      detail: "rpm limit of model foo reached",
      instance: "0123456789abcdef0123456789abcdef",
      code: 2007,
      tag: "RpmLimitExceeded",
      retry_after: 3
    })
  })

  it("retry_after is in seconds (fractions kept)", () => {
    const p = SkyError.toProblemDetails(new SkyError.TpmLimitExceeded({ retryAfter: Duration.millis(1500) }))
    expect(p.retry_after).toBe(1.5)
  })

  it("a client-side error: type by tag, no code, no instance without requestId", () => {
    const p = SkyError.toProblemDetails(new SkyError.ConnectionError({ message: "ECONNREFUSED" }))
    expect(p.type).toBe("urn:skyengine:error:ConnectionError")
    expect(p.title).toBe(SkyError.catalogue.ConnectionError.meaning)
    expect(p.detail).toBe("ECONNREFUSED")
    expect(p.status).toBe(502)
    expect(p.tag).toBe("ConnectionError")
    expect("code" in p).toBe(false)
    expect("instance" in p).toBe(false)
    expect("retry_after" in p).toBe(false)
  })

  it("RequestTimeout is rendered as 504", () => {
    expect(SkyError.toProblemDetails(new SkyError.RequestTimeout()).status).toBe(504)
  })

  it("an unknown gateway error keeps its status and its code as sent", () => {
    const p = SkyError.toProblemDetails(new SkyError.UnknownGatewayError({ status: 403, code: "403", message: "no" }))
    expect(p.type).toBe("urn:skyengine:error:UnknownGatewayError")
    expect(p.status).toBe(403)
    expect(p.code).toBe("403")
  })

  it.each(Object.entries(table))("%s: type names the code, status the table's", (tag, row) => {
    const p = SkyError.toProblemDetails(make(tag as SkyError.Tag, { requestId: "r" }))
    expect(p.type).toBe(`urn:skyengine:error:${row.code}`)
    expect(p.status).toBe(row.status)
    expect(p.code).toBe(row.code)
    expect(p.instance).toBe("r")
  })
})

describe("the SkyError Schema", () => {
  it.each(SkyError.tags)("%s: encodes to plain JSON (durations as millis) and decodes to the same class", (tag) => {
    const e = make(tag, {
      requestId: "r",
      message: "m",
      retryAfter: Duration.millis(1500),
      attempts: [{ attempt: 1, tag, wait: Duration.seconds(2) }],
      ...(tag === "RequestTimeout" ? { timeout: Duration.seconds(30) } : {})
    })
    const encoded = Schema.encodeSync(SkyError.SkyError)(e)
    const json = JSON.parse(JSON.stringify(encoded))
    expect(json).toMatchObject({ _tag: tag, message: "m", retryAfter: 1500, attempts: [{ attempt: 1, tag, wait: 2000 }] })
    const decoded = Schema.decodeUnknownSync(SkyError.SkyError)(json)
    expect(decoded).toBeInstanceOf(SkyError.classes[tag])
    expect(decoded._tag).toBe(tag)
    expect(Schema.encodeSync(SkyError.SkyError)(decoded)).toEqual(encoded)
    expect(SkyError.isSkyError(decoded)).toBe(true)
  })

  it("a table class decodes only its own code", () => {
    const decode = Schema.decodeUnknownResult(SkyError.SkyError)
    expect(Result.isSuccess(decode({ _tag: "RpmLimitExceeded", code: 2007, status: 429, message: "x" }))).toBe(true)
    expect(Result.isFailure(decode({ _tag: "RpmLimitExceeded", code: 2008, status: 429, message: "x" }))).toBe(true)
    expect(Result.isFailure(decode({ _tag: "NotATag", message: "x" }))).toBe(true)
  })

  it("each class is its own: instanceof tells the nineteen apart", () => {
    for (const e of samples) {
      for (const tag of SkyError.tags) expect(e instanceof SkyError.classes[tag]).toBe(tag === e._tag)
    }
  })
})

describe("construct", () => {
  it("builds the class of the tag with the table's defaults", () => {
    const e = construct("TpmLimitExceeded", { requestId: "r" })
    expect(e).toBeInstanceOf(SkyError.TpmLimitExceeded)
    expect(SkyError.codeOf(e)).toBe(2008)
    expect(e.status).toBe(429)
    expect(e.requestId).toBe("r")
  })

  it("caps every text field at its limit", () => {
    const long = "x".repeat(100_000)
    const e = construct("ConnectionError", { message: long, reason: long, url: long, headers: { h: long } })
    if (e._tag !== "ConnectionError") throw new Error("not a ConnectionError")
    expect(e.message).toHaveLength(8_192)
    expect(e.message.endsWith("...")).toBe(true)
    expect(e.reason).toHaveLength(2_048)
    expect(e.url).toHaveLength(8_192)
    expect(e.headers?.h).toHaveLength(4_096)
  })

  it("captures no stack frames and restores the stack trace limit", () => {
    const limit = Error.stackTraceLimit
    const e = construct("InternalError", {})
    expect(Error.stackTraceLimit).toBe(limit)
    expect(e.stack?.split("\n").filter((line) => line.trim().startsWith("at "))).toEqual([])
  })

  it("withFields replaces some fields and keeps the class, message and the rest", () => {
    const e = construct("RpmLimitExceeded", { message: "m", requestId: "r" })
    const patched = withFields(e, { attempts: [{ attempt: 1, tag: "RpmLimitExceeded" }] })
    expect(patched).toBeInstanceOf(SkyError.RpmLimitExceeded)
    expect(patched.message).toBe("m")
    expect(patched.requestId).toBe("r")
    expect(patched.attempts).toHaveLength(1)
  })
})

describe("structural equality (Effect 4: Equal.equals compares every field, message included)", () => {
  it("equal fields are equal; a different message or request id is not", () => {
    const a = new SkyError.RpmLimitExceeded({ message: "a", requestId: "r" })
    expect(Equal.equals(a, new SkyError.RpmLimitExceeded({ message: "a", requestId: "r" }))).toBe(true)
    expect(Equal.equals(a, new SkyError.RpmLimitExceeded({ message: "b", requestId: "r" }))).toBe(false)
    expect(Equal.equals(a, new SkyError.RpmLimitExceeded({ message: "a", requestId: "s" }))).toBe(false)
    expect(Equal.equals(a, new SkyError.TpmLimitExceeded({ message: "a", requestId: "r" }))).toBe(false)
  })
})

describe("the library's own construction (internal construct)", () => {
  /** A value of the right type for every field any class has. */
  const sample: Record<string, unknown> = {
    message: "a message",
    requestId: "req-1",
    errorType: "rate_limit_error",
    retryAfter: Duration.millis(1_500),
    shouldRetry: true,
    body: "{}",
    bodyTruncated: false,
    bodyBase64: "e30=",
    headers: { "x-request-id": "req-1", "retry-after": "2" },
    method: "POST",
    url: "http://gw.test/v1/chat/completions",
    attempts: [
      { attempt: 1, tag: "RpmLimitExceeded", status: 429, code: 2007, requestId: "r1", wait: Duration.millis(250) },
      { attempt: 2, tag: "ConnectionError" }
    ],
    status: 429,
    reason: "refused",
    timeout: Duration.seconds(3),
    issue: "expected a string",
    code: 2007
  }
  type Variant = "no field given" | "every field given" | "fields given as undefined"
  const propsFor = (tag: SkyError.Tag, variant: Variant): Record<string, unknown> => {
    const props: Record<string, unknown> = {}
    if (variant === "no field given") return props
    for (const key of Object.keys(SkyError.classes[tag].fields)) {
      if (key === "_tag" || !(key in sample)) continue
      // A table class's code is its own literal.
      if (key === "code" && tag in table) continue
      props[key] = variant === "every field given" ? sample[key] : undefined
    }
    return props
  }
  /** The class's own (validating) constructor. */
  const viaSchema = (tag: SkyError.Tag, props: Record<string, unknown>): SkyError.SkyError =>
    new (SkyError.classes[tag] as unknown as new(p: unknown) => SkyError.SkyError)(props)
  const encode = Schema.encodeSync(SkyError.SkyError)
  const decode = Schema.decodeUnknownSync(SkyError.SkyError)

  for (const variant of ["no field given", "every field given", "fields given as undefined"] as const) {
    it(`builds what the class's constructor builds, for every tag (${variant})`, () => {
      for (const tag of SkyError.tags) {
        const props = propsFor(tag, variant)
        // A `_tag` and a key outside the fields are not the class's: the constructor drops the key, and the tag
        // is the class's own.
        const given = Object.freeze({ ...props, _tag: "NotThisTag", notAField: 1 })
        const ours = construct(tag, given)
        const theirs = viaSchema(tag, { ...props, notAField: 1 })
        expect(Object.getPrototypeOf(ours)).toBe(SkyError.classes[tag].prototype)
        expect(ours).toBeInstanceOf(SkyError.classes[tag])
        expect(ours).toBeInstanceOf(Error)
        const keys = (e: object) => Reflect.ownKeys(e).filter((k) => k !== "stack")
        expect(keys(ours)).toEqual(keys(theirs))
        for (const key of keys(theirs)) {
          expect(Object.getOwnPropertyDescriptor(ours, key)).toEqual(Object.getOwnPropertyDescriptor(theirs, key))
        }
        expect(ours._tag).toBe(tag)
        expect(ours.name).toBe(theirs.name)
        expect(ours.message).toBe(theirs.message)
        expect(String(ours)).toBe(String(theirs))
        expect(ours.stack?.split("\n")[0]).toBe(`${tag}: ${theirs.message}`)
        expect(Equal.equals(ours, theirs)).toBe(true)
        expect(JSON.stringify(ours)).toBe(JSON.stringify(theirs))
        expect(encode(ours)).toEqual(encode(theirs))
        expect(Equal.equals(decode(encode(ours)), theirs)).toBe(true)
        expect(SkyError.isSkyError(ours)).toBe(true)
        expect(given).toEqual({ ...props, _tag: "NotThisTag", notAField: 1 })
      }
    })
  }

  it("never changes the props it is given, also when a field is cut at its cap", () => {
    const props = { message: "kept", _tag: "Other", reason: "r".repeat(10_000) }
    const before = { ...props }
    const e = construct("ConnectionError", props)
    expect(props).toEqual(before)
    expect(e._tag).toBe("ConnectionError")
    expect(Object.keys(props)).toEqual(["message", "_tag", "reason"])
  })
})
