// Classification and wire encoding in plain data, moved here from the two lines' SkyWire tests so that each
// assertion about core logic runs once: every table code in every shape, where the code sits, the fixed messages,
// the status alone, odd bodies and charsets, request ids, waits, headers, encoding, the caps and the body limit.
// Each line's test/SkyWire.test.ts keeps only what checks its adapter (classes, Schema, Duration, options).
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  classifyError,
  type DecodeOptions,
  defaultBodyLimit,
  type ErrorFields,
  type ErrorResponse,
  type HeadersInput,
  maxBodyLimit,
  unreadableError
} from "../src/classify.js"
import { catalogue, type CatalogueEntry, isRetryableFields, type Tag, tags } from "../src/table.js"
import { capFields } from "../src/limits.js"
import * as Wire from "../src/wire.js"

/** A classified error as one flat record, `code` the table's for a table tag (as each line's classes carry it). */
type Decoded = ErrorFields & { readonly _tag: Tag; readonly message: string; readonly status: number }

/**
 * What each line's decodeError does with plain data: classify (a hostile input that throws is unreadable), then cap
 * the fields as each line's constructor does.
 */
const decode = (input: ErrorResponse, options?: DecodeOptions): Decoded => {
  let classified
  try {
    classified = classifyError(input, options)
  } catch (cause) {
    classified = unreadableError(input, cause, options?.secrets ?? [])
  }
  const fields = capFields({ ...classified.fields }) as ErrorFields
  const code = fields.code ?? catalogue[classified.tag].code
  return {
    ...fields,
    ...(code !== undefined ? { code } : {}),
    _tag: classified.tag,
    message: fields.message ?? "",
    status: fields.status ?? 0
  }
}

const isKnown = (e: Decoded): boolean => tags.includes(e._tag) && e.message.length > 0

/** The catalogue's retry verdict for a decoded error, as the lines' isRetryable reads it. */
const retryable = (e: Decoded): boolean => isRetryableFields(e)

/** A plain error to encode (the table's code for a table tag, then the given fields), its fields also on top. */
const make = (tag: Tag, given: ErrorFields<unknown> = {}): Wire.WireError & ErrorFields<unknown> => {
  const fields = { ...(catalogue[tag].code !== undefined ? { code: catalogue[tag].code } : {}), ...given }
  return { ...fields, tag, fields }
}
const encode = Wire.encodeError

/** A fast-check property as a test, the arguments as one tuple. */
const prop = <Ts extends Array<unknown>>(
  name: string,
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  body: (args: Ts) => void,
  options: { readonly fastCheck: fc.Parameters<[Ts]> }
): void =>
  it(name, () => {
    fc.assert(fc.property(fc.tuple(...arbitraries) as unknown as fc.Arbitrary<Ts>, body), options.fastCheck)
  })

/** A deterministic 32-hex id. */
const hex32 = (n: number): string => n.toString(16).padStart(8, "0").repeat(4)

const tableTags = tags.filter((tag) => catalogue[tag].code !== undefined)
const fixedTags = tableTags.filter((tag) => catalogue[tag].fixedMessage !== undefined)
const clientTags = ["ConnectionError", "RequestTimeout", "InvalidRequest", "InvalidResponse"] as const

const entryOf = (tag: Tag): CatalogueEntry => catalogue[tag]

/** The Chinese meanings of 2101-2106 as the seed page gives them (the Anthropic example puts these in `message`). */
const chineseMeaning: Record<string, string> = {
  InvalidApiKey: "请求携带的 API Key 校验未通过",
  ModelAccessDenied: "没有权限访问模型",
  AccountOverdue: "当前账号欠费",
  ModelNotFound: "模型不存在",
  InternalError: "内部错误，联系tokenops",
  ClientClosedRequest: "客户端取消"
}

const anthropicType: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  424: "api_error",
  429: "rate_limit_error",
  499: "api_error",
  500: "api_error"
}


/** The decoder's message normalisation, restated: trim, drop trailing periods, lower-case. */
const normalize = (text: string): string => text.trim().replace(/[.。!]+$/, "").toLowerCase()
const fixedNormalized = new Set(fixedTags.map((tag) => normalize(entryOf(tag).fixedMessage!)))

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
const concat = (...parts: ReadonlyArray<Uint8Array | ReadonlyArray<number>>): Uint8Array => {
  const out: Array<number> = []
  for (const part of parts) out.push(...part)
  return Uint8Array.from(out)
}

// ---------------------------------------------------------------------------
// Every table code in every shape
// ---------------------------------------------------------------------------

interface ShapeCase {
  readonly name: string
  readonly tag: Tag
  readonly status: number
  readonly headers?: HeadersInput
  readonly body: string
  readonly message: string
  readonly requestId: string
  readonly errorType?: string
}

const shapeCases: Array<ShapeCase> = tableTags.flatMap((tag, i): Array<ShapeCase> => {
  const e = entryOf(tag)
  const code = e.code!
  const status = e.status!
  const id = hex32(0xabc000 + i)
  const message = `specific error for ${code}: model foo-${i}`
  const cases: Array<ShapeCase> = [
    {
      name: `A gateway envelope ${code} -> ${tag}`,
      tag,
      status,
      body: JSON.stringify({ error: { code, message, details: [], trace_id: id } }),
      message,
      requestId: id
    },
    {
      name: `B anthropic envelope with code ${code} -> ${tag}`,
      tag,
      status,
      body: JSON.stringify({
        type: "error",
        request_id: id,
        error: { type: anthropicType[status], message, code }
      }),
      message,
      requestId: id,
      errorType: anthropicType[status]!
    },
    {
      name: `C openai style ${code} -> ${tag}`,
      tag,
      status,
      headers: { "X-Request-Id": id },
      body: JSON.stringify({ error: { code, message, param: "", type: e.type } }),
      message,
      requestId: id,
      errorType: e.type
    }
  ]
  if (e.fixedMessage !== undefined) {
    cases.push({
      name: `B anthropic documented form (no code, fixed message in error.type) ${code} -> ${tag}`,
      tag,
      status,
      body: JSON.stringify({
        type: "error",
        request_id: id,
        error: { type: e.fixedMessage, message: chineseMeaning[tag] }
      }),
      message: chineseMeaning[tag]!,
      requestId: id,
      errorType: e.fixedMessage
    })
  }
  return cases
})

describe("decodeError: every table code in every shape", () => {
  it("covers 14 codes x 3 shapes + 6 documented Anthropic forms", () => {
    expect(tableTags).toHaveLength(14)
    expect(fixedTags).toHaveLength(6)
    expect(shapeCases).toHaveLength(48)
  })

  it.each(shapeCases)("$name", (c) => {
    const e = decode({ status: c.status, headers: c.headers, body: c.body })
    expect(e._tag).toBe(c.tag)
    expect(e.code).toBe(entryOf(c.tag).code)
    expect(e.status).toBe(c.status)
    expect(e.message).toBe(c.message)
    expect(e.requestId).toBe(c.requestId)
    expect(e.errorType).toBe(c.errorType)
    expect(e.body).toBe(c.body)
    expect(e.bodyTruncated).toBeUndefined()
  })

  it.each(shapeCases)("$name (body as UTF-8 bytes)", (c) => {
    const e = decode({ status: c.status, headers: c.headers, body: utf8(c.body) })
    expect(e._tag).toBe(c.tag)
    expect(e.message).toBe(c.message)
    expect(e.requestId).toBe(c.requestId)
  })

  it.each(shapeCases)("$name (body already parsed)", (c) => {
    const e = decode({ status: c.status, headers: c.headers, body: JSON.parse(c.body) })
    expect(e._tag).toBe(c.tag)
    expect(e.message).toBe(c.message)
    expect(e.requestId).toBe(c.requestId)
  })
})

describe("decodeError: where the code sits", () => {
  it.each([
    ["\"2007\"", "2007", "RpmLimitExceeded"],
    ["\" 2008 \"", " 2008 ", "TpmLimitExceeded"],
    ["\"2101\"", "2101", "InvalidApiKey"],
    ["2104.0 as a number", 2104.0, "ModelNotFound"]
  ] as const)("error.code %s", (_label, code, tag) => {
    const e = decode({ status: 429, body: JSON.stringify({ error: { code, message: "m" } }) })
    expect(e._tag).toBe(tag)
    expect(e.code).toBe(entryOf(tag).code)
    expect(e.status).toBe(429)
  })

  it("a non-integer or non-numeric code string is not a code", () => {
    for (const code of ["2007.5", "20 07", "2007a", "", 2007.5, true]) {
      const e = decode({ status: 429, body: JSON.stringify({ error: { code, message: "m" } }) })
      expect(e._tag).toBe("UnknownGatewayError")
      expect(e.status).toBe(429)
    }
  })

  it("code in error.details[0].code", () => {
    const e = decode({
      status: 403,
      body: JSON.stringify({ error: { message: "denied", details: [{ code: 2102, message: "no access" }] } })
    })
    expect(e._tag).toBe("ModelAccessDenied")
    expect(e.code).toBe(2102)
    expect(e.message).toBe("denied")
  })

  it("a gRPC-style error.code that is not in the table yields to a table code in details", () => {
    const e = decode({
      status: 403,
      body: JSON.stringify({ error: { code: 7, message: "denied", details: [{ code: "2103" }], trace_id: hex32(7) } })
    })
    expect(e._tag).toBe("AccountOverdue")
    expect(e.requestId).toBe(hex32(7))
  })

  it("a top-level code", () => {
    const e = decode({ status: 424, body: JSON.stringify({ code: 2003, message: "upstream timed out" }) })
    expect(e._tag).toBe("UpstreamTimeout")
    expect(e.code).toBe(2003)
    expect(e.message).toBe("upstream timed out")
  })

  it("a problem-details type names the code", () => {
    const e = decode({
      status: 429,
      headers: { "content-type": "application/problem+json" },
      body: JSON.stringify({ type: "urn:skyengine:error:2008", title: "t", status: 429, detail: "tpm", instance: "i1" })
    })
    expect(e._tag).toBe("TpmLimitExceeded")
    expect(e.message).toBe("tpm")
    expect(e.requestId).toBe("i1")
  })

  it.each(clientTags)("%s named in error.type or a problem's tag comes back as that class", (tag) => {
    const viaType = decode({ status: 502, body: JSON.stringify({ error: { type: tag, message: "m" } }) })
    expect(viaType._tag).toBe(tag)
    expect(viaType.message).toBe("m")
    const viaProblem = decode({ status: 504, body: JSON.stringify({ type: `urn:skyengine:error:${tag}`, tag, detail: "d" }) })
    expect(viaProblem._tag).toBe(tag)
    expect(viaProblem.message).toBe("d")
    // a table code still wins
    const withCode = decode({ status: 429, body: JSON.stringify({ error: { type: tag, code: 2007 } }) })
    expect(withCode._tag).toBe("RpmLimitExceeded")
  })

  it("the code wins over a status that disagrees; the status is kept as received", () => {
    const e = decode({ status: 400, body: JSON.stringify({ error: { code: 2007, message: "m" } }) })
    expect(e._tag).toBe("RpmLimitExceeded")
    expect(e.status).toBe(400)
    const f = decode({ status: 401, body: JSON.stringify({ error: { code: 2104, message: "m" } }) })
    expect(f._tag).toBe("ModelNotFound")
    expect(f.status).toBe(401)
  })
})

// ---------------------------------------------------------------------------
// Fixed messages
// ---------------------------------------------------------------------------

const variants = (fixed: string): ReadonlyArray<readonly [string, string]> => [
  ["exact", fixed],
  ["upper case", fixed.toUpperCase()],
  ["trailing period", `${fixed}.`],
  ["capitalised, period, spaces", `  ${fixed[0]!.toUpperCase()}${fixed.slice(1)}. `]
]

const placements: ReadonlyArray<readonly [string, (text: string) => unknown]> = [
  ["error.message", (text) => ({ error: { message: text } })],
  ["error.type", (text) => ({ type: "error", error: { type: text, message: "中文说明" } })],
  ["top-level message", (text) => ({ message: text })]
]

/** A status that disagrees with the row's and names no row by itself. */
const otherStatus = (status: number): number => (status === 403 ? 400 : 403)

const fixedCases = fixedTags.flatMap((tag) =>
  placements.flatMap(([where, place]) =>
    variants(entryOf(tag).fixedMessage!).map(([variant, text]) => ({
      name: `${tag}: ${variant} in ${where}`,
      tag,
      body: JSON.stringify(place(text))
    }))
  )
)

describe("decodeError: the fixed messages of 2101-2106", () => {
  it.each(fixedCases)("$name, at the table's status", ({ body, tag }) => {
    const status = entryOf(tag).status!
    const e = decode({ status, body })
    expect(e._tag).toBe(tag)
    expect(e.code).toBe(entryOf(tag).code)
    expect(e.status).toBe(status)
  })

  it.each(fixedCases)("$name, under a status that disagrees (an exact match still wins)", ({ body, tag }) => {
    for (const status of [otherStatus(entryOf(tag).status!), 502, 200]) {
      const e = decode({ status, body })
      expect(e._tag).toBe(tag)
      expect(e.status).toBe(status)
    }
  })

  it.each(fixedTags)("%s: inside a longer message it counts only when the status agrees", (tag) => {
    const meta = entryOf(tag)
    for (const [, place] of placements) {
      const body = JSON.stringify(place(`upstream said: ${meta.fixedMessage} (request abc)`))
      const agree = decode({ status: meta.status!, body })
      expect(agree._tag).toBe(tag)
      for (const status of [otherStatus(meta.status!), 502]) {
        const disagree = decode({ status, body })
        expect(disagree._tag).toBe("UnknownGatewayError")
        expect(disagree.status).toBe(status)
      }
    }
  })

  it("inside a longer message at the row's ambiguous status (403, 400) it decides among that status's rows", () => {
    const denied = decode({
      status: 403,
      body: JSON.stringify({ error: { message: "Sorry, you do not have access to the requested model: gpt-x" } })
    })
    expect(denied._tag).toBe("ModelAccessDenied")
    expect(denied.message).toBe("Sorry, you do not have access to the requested model: gpt-x")
    const missing = decode({ status: 400, body: JSON.stringify({ error: { message: "Specified model is not found: x" } }) })
    expect(missing._tag).toBe("ModelNotFound")
  })

  it("the message kept is the server's, not the fixed one", () => {
    const e = decode({ status: 403, body: JSON.stringify({ error: { message: "YOUR ACCOUNT HAS AN OVERDUE BALANCE." } }) })
    expect(e._tag).toBe("AccountOverdue")
    expect(e.message).toBe("YOUR ACCOUNT HAS AN OVERDUE BALANCE.")
  })
})

// ---------------------------------------------------------------------------
// Status only
// ---------------------------------------------------------------------------

const html = (status: number, text: string): string =>
  `<html>\r\n<head><title>${status} ${text}</title></head>\r\n<body>\r\n<center><h1>${status} ${text}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`

const codelessBodies = (status: number): ReadonlyArray<readonly [string, unknown]> => [
  ["empty string body", ""],
  ["no body", undefined],
  ["HTML body", html(status, "Error")],
  ["JSON without code", JSON.stringify({ error: { message: "something went wrong", type: "SomeType" } })],
  ["JSON {}", "{}"]
]

describe("decodeError: the status alone", () => {
  const decisive = [[401, "InvalidApiKey"], [499, "ClientClosedRequest"], [500, "InternalError"]] as const
  it.each(decisive.flatMap(([status, tag]) => codelessBodies(status).map(([label, body]) => ({ status, tag, label, body }))))(
    "$status with $label -> $tag",
    ({ body, status, tag }) => {
      const e = decode({ status, body })
      expect(e._tag).toBe(tag)
      expect(e.code).toBe(entryOf(tag).code)
      expect(e.status).toBe(status)
      expect(e.message.length).toBeGreaterThan(0)
    }
  )

  const ambiguous = [400, 403, 424, 429, 404, 502, 503]
  it.each(ambiguous.flatMap((status) => codelessBodies(status).map(([label, body]) => ({ status, label, body }))))(
    "$status with $label -> UnknownGatewayError keeping the status",
    ({ body, status }) => {
      const e = decode({ status, body })
      expect(e._tag).toBe("UnknownGatewayError")
      expect(e.status).toBe(status)
      expect(e.code).toBeUndefined()
      expect(e.message.length).toBeGreaterThan(0)
    }
  )

  it("a bare 429 is not RpmLimitExceeded (nor TpmLimitExceeded)", () => {
    const e = decode({ status: 429, body: JSON.stringify({ error: { message: "Too Many Requests" } }) })
    expect(e._tag).toBe("UnknownGatewayError")
    expect(e._tag === "RpmLimitExceeded" || e._tag === "TpmLimitExceeded").toBe(false)
    expect(e.status).toBe(429)
    expect(e.message).toBe("Too Many Requests")
    // still retried, by status
    expect(retryable(e)).toBe(true)
  })

  it.each([
    [404, 5, "not found", "NotFound"],
    [403, "403", "forbidden", "Forbidden"],
    [400, 9999, "weird", "Weird"],
    [502, "E_UPSTREAM", "upstream", "Upstream"]
  ] as const)("status %i: a code not in the table (%s) is kept on UnknownGatewayError", (status, code, message, type) => {
    const e = decode({
      status,
      body: JSON.stringify({ error: { code, message, type, details: [], trace_id: hex32(9) } })
    })
    expect(e._tag).toBe("UnknownGatewayError")
    if (e._tag !== "UnknownGatewayError") return
    expect(e.code).toBe(code)
    expect(e.errorType).toBe(type)
    expect(e.message).toBe(message)
    expect(e.status).toBe(status)
    expect(e.requestId).toBe(hex32(9))
  })
})

// ---------------------------------------------------------------------------
// Bodies that are not envelopes
// ---------------------------------------------------------------------------

describe("decodeError: odd bodies", () => {
  it("HTML 502 with x-request-id", () => {
    const body = html(502, "Bad Gateway")
    const e = decode({ status: 502, headers: { "x-request-id": "req-502", "content-type": "text/html" }, body })
    expect(e._tag).toBe("UnknownGatewayError")
    expect(e.status).toBe(502)
    expect(e.requestId).toBe("req-502")
    expect(e.message).toContain("502")
    expect(e.message).not.toContain("<")
    expect(e.body).toBe(body)
    expect(retryable(e)).toBe(true)
  })

  it("empty body", () => {
    const e = decode({ status: 503, body: "" })
    expect(e._tag).toBe("UnknownGatewayError")
    expect(e.message).toContain("503")
    expect(e.body).toBeUndefined()
    expect(decode({ status: 503, body: new Uint8Array(0) }).message).toBe(e.message)
  })

  it.each([
    ["bad JSON", "{\"error\":"],
    ["an array", "[1,2,3]"],
    ["a number", "42"],
    ["null", "null"],
    ["a string", "\"internal error\""],
    ["true", "true"]
  ])("JSON that is %s", (_label, body) => {
    const e = decode({ status: 400, body })
    expect(e._tag).toBe("UnknownGatewayError")
    expect(e.status).toBe(400)
    expect(e.body).toBe(body)
    expect(e.message).toContain("400")
  })

  it.each([
    ["an array", [1, 2, 3]],
    ["a number", 42],
    ["a string", "plain text"],
    ["a boolean", false]
  ])("an already-parsed value that is %s", (_label, body) => {
    const e = decode({ status: 424, body })
    expect(e._tag).toBe("UnknownGatewayError")
    expect(e.status).toBe(424)
  })

  it.each([
    ["0xC3 0x28", [0xc3, 0x28]],
    ["a lone 0x80", [0x80]],
    ["0xFF 0xFE 0xFD inside JSON", [...utf8("{\"error\":{\"message\":\""), 0xff, 0xfd, ...utf8("\"}}")]]
  ])("invalid UTF-8 bytes (%s) become U+FFFD", (_label, bytes) => {
    const e = decode({ status: 400, body: Uint8Array.from(bytes) })
    expect(e._tag).toBe("UnknownGatewayError")
    expect(e.status).toBe(400)
    expect(e.body).toContain("\uFFFD")
  })

  it("invalid UTF-8 inside a valid envelope does not hide the code", () => {
    const bytes = concat(utf8("{\"error\":{\"code\":2005,\"message\":\"bad "), [0xc3, 0x28], utf8("\"}}"))
    const e = decode({ status: 400, body: bytes })
    expect(e._tag).toBe("RequestParseFailed")
    expect(e.message).toBe("bad \uFFFD(")
  })

  it("UTF-16LE with a BOM", () => {
    const json = JSON.stringify({ error: { code: 2104, message: "模型不存在", trace_id: hex32(16) } })
    const bytes = concat([0xff, 0xfe], new Uint8Array(Buffer.from(json, "utf16le")))
    const e = decode({ status: 400, headers: { "content-type": "application/json" }, body: bytes })
    expect(e._tag).toBe("ModelNotFound")
    expect(e.message).toBe("模型不存在")
    expect(e.requestId).toBe(hex32(16))
    expect(e.body).toBe(json)
  })

  it("UTF-8 with a BOM, as bytes and as a string", () => {
    const json = JSON.stringify({ error: { code: 2002, message: "上游不可用" } })
    expect(decode({ status: 424, body: concat([0xef, 0xbb, 0xbf], utf8(json)) })._tag).toBe("UpstreamUnavailable")
    expect(decode({ status: 424, body: `\uFEFF${json}` })._tag).toBe("UpstreamUnavailable")
  })

  it("a GBK body under content-type charset=gbk", () => {
    // 模型不存在 in GBK
    const gbk = [0xc4, 0xa3, 0xd0, 0xcd, 0xb2, 0xbb, 0xb4, 0xe6, 0xd4, 0xda]
    const bytes = concat(utf8("{\"error\":{\"code\":2104,\"message\":\""), gbk, utf8("\"}}"))
    const e = decode({ status: 400, headers: { "Content-Type": "application/json; charset=gbk" }, body: bytes })
    expect(e._tag).toBe("ModelNotFound")
    const gbkSupported = (() => {
      try {
        return new TextDecoder("gbk").decode(Uint8Array.from(gbk)) === "模型不存在"
      } catch {
        return false
      }
    })()
    // Node with full ICU decodes GBK; without it the decoder falls back to UTF-8 with replacement characters.
    expect(e.message).toBe(gbkSupported ? "模型不存在" : new TextDecoder().decode(Uint8Array.from(gbk)))
  })

  it("a latin1 body under charset=iso-8859-1 (and the same bytes without a charset)", () => {
    const bytes = concat(utf8("{\"error\":{\"code\":2001,\"message\":\"caf"), [0xe9], utf8("\"}}"))
    const latin1 = decode({ status: 400, headers: { "content-type": "application/json; charset=ISO-8859-1" }, body: bytes })
    expect(latin1._tag).toBe("UnclassifiedLlmError")
    expect(latin1.message).toBe("café")
    const quoted = decode({ status: 400, headers: { "content-type": "application/json; charset=\"latin1\"" }, body: bytes })
    expect(quoted.message).toBe("café")
    const undeclared = decode({ status: 400, body: bytes })
    expect(undeclared.message).toBe("caf\uFFFD")
  })

  it("an unknown charset label falls back to UTF-8", () => {
    const e = decode({
      status: 400,
      headers: { "content-type": "application/json; charset=x-no-such-charset" },
      body: utf8(JSON.stringify({ error: { code: 2004, message: "température" } }))
    })
    expect(e._tag).toBe("InvalidModelParameter")
    expect(e.message).toBe("température")
  })

  it("a body over 1 MiB (bytes) is kept truncated, not parsed, and nothing throws", () => {
    const size = 1_048_576 + 4096
    const bytes = new Uint8Array(size).fill(0x61) // "aaaa..."
    bytes.set(utf8("{\"error\":{\"code\":2007,\"message\":\""), 0)
    const e = decode({ status: 502, headers: { "x-request-id": "big" }, body: bytes })
    expect(e._tag).toBe("UnknownGatewayError")
    expect(e.status).toBe(502)
    expect(e.requestId).toBe("big")
    expect(e.bodyTruncated).toBe(true)
    expect(e.body).toHaveLength(defaultBodyLimit)
    expect(e.body!.startsWith("{\"error\":{\"code\":2007")).toBe(true)
  })

  it("a body over 1 MiB (string) is kept truncated", () => {
    const body = `<html>${"x".repeat(1_100_000)}</html>`
    const e = decode({ status: 503, body })
    expect(e._tag).toBe("UnknownGatewayError")
    expect(e.bodyTruncated).toBe(true)
    expect(e.body).toBe(body.slice(0, defaultBodyLimit))
    expect(e.message).toContain("503")
    expect(e.message.length).toBeLessThan(1000)
  })

  it("a body over bodyLimit but under 1 MiB is parsed and truncated as evidence", () => {
    const message = "y".repeat(defaultBodyLimit)
    const body = JSON.stringify({ error: { code: 2006, message } })
    const e = decode({ status: 424, body })
    expect(e._tag).toBe("ResponseParseFailed")
    expect(e.bodyTruncated).toBe(true)
    expect(e.body).toHaveLength(defaultBodyLimit)
    expect(decode({ status: 424, body }, { bodyLimit: 10 }).body).toBe(body.slice(0, 10))
  })

  it("bodyLimit is 64 KiB", () => {
    expect(defaultBodyLimit).toBe(65_536)
  })

  it("never throws on hostile inputs", () => {
    const circular: Record<string, unknown> = {}
    circular.self = circular
    const hostileHeaders = {
      get "x-request-id"(): string {
        throw new Error("boom")
      }
    }
    const inputs: ReadonlyArray<ErrorResponse> = [
      { status: 500, body: circular },
      { status: 500, body: { toJSON: () => { throw new Error("boom") } } },
      { status: 500, body: BigInt(1) },
      { status: 500, body: Symbol("s") },
      { status: Number.NaN, body: "" },
      { status: 500, headers: hostileHeaders as never, body: "" },
      { status: 500, headers: null as never, body: "" },
      { status: 500, body: new ArrayBuffer(3) },
      { status: 500, body: new DataView(new Uint8Array([0x7b, 0x7d]).buffer) }
    ]
    for (const input of inputs) {
      const e = decode(input)
      expect(isKnown(e)).toBe(true)
    }
  })
})

// ---------------------------------------------------------------------------
// Request ids, waits, headers
// ---------------------------------------------------------------------------

describe("decodeError: request id sources", () => {
  it("body request_id (Anthropic)", () => {
    expect(decode({ status: 401, body: JSON.stringify({ type: "error", request_id: "rid-1", error: {} }) }).requestId)
      .toBe("rid-1")
  })

  it("body error.trace_id (gateway)", () => {
    expect(decode({ status: 400, body: JSON.stringify({ error: { trace_id: "tid-1" } }) }).requestId).toBe("tid-1")
  })

  it.each(["x-request-id", "X-Request-ID", "request-id", "Request-Id", "x-trace-id", "X-TRACE-ID"])(
    "header %s in a record",
    (name) => {
      expect(decode({ status: 502, headers: { [name]: "hid-1" }, body: "" }).requestId).toBe("hid-1")
    }
  )

  it("a Headers object", () => {
    const headers = new Headers({ "X-Request-Id": "from-headers" })
    const e = decode({ status: 502, headers, body: "" })
    expect(e.requestId).toBe("from-headers")
    expect(e.headers).toEqual({ "x-request-id": "from-headers" })
  })

  it("[name, value] pairs and a Map", () => {
    expect(decode({ status: 502, headers: [["X-Trace-Id", "from-pairs"]], body: "" }).requestId).toBe("from-pairs")
    expect(decode({ status: 502, headers: new Map([["Request-Id", "from-map"]]), body: "" }).requestId).toBe("from-map")
  })

  it("Node-style array values are joined", () => {
    const e = decode({ status: 502, headers: { "x-custom": ["a", "b"] }, body: "" })
    expect(e.headers).toEqual({ "x-custom": "a, b" })
  })

  it("the body's id wins over a header's", () => {
    const e = decode({
      status: 400,
      headers: { "x-request-id": "header-id" },
      body: JSON.stringify({ error: { trace_id: "body-id" } })
    })
    expect(e.requestId).toBe("body-id")
  })

  it("no id anywhere: absent", () => {
    const e = decode({ status: 400, body: "{}" })
    expect(e.requestId).toBeUndefined()
    expect("requestId" in e).toBe(false)
  })
})

describe("decodeError: wait hints", () => {
  const now = Date.UTC(2025, 0, 15, 12, 0, 0)

  it("retry-after-ms wins over retry-after", () => {
    const e = decode({ status: 429, headers: { "retry-after-ms": "1500", "retry-after": "10" }, body: "" }, { now })
    expect(e.retryAfterMillis).toBe(1500)
  })

  it("retry-after in seconds", () => {
    const e = decode({ status: 429, headers: { "Retry-After": "7" }, body: "" }, { now })
    expect(e.retryAfterMillis).toBe(7000)
  })

  it("retry-after as an HTTP date", () => {
    const date = new Date(now + 30_000).toUTCString()
    const e = decode({ status: 503, headers: { "retry-after": date }, body: "" }, { now })
    expect(e.retryAfterMillis).toBe(30_000)
  })

  it("retry-after as an HTTP date in the past: absent", () => {
    const date = new Date(now - 30_000).toUTCString()
    expect(decode({ status: 503, headers: { "retry-after": date }, body: "" }, { now }).retryAfterMillis).toBeUndefined()
  })

  it.each(["-5", "-0.5", "soon", "abc", "1e3", "NaN", "Infinity", "", "later 2099", "wait 2030"])(
    "retry-after %j: absent",
    (value) => {
      const e = decode({ status: 429, headers: { "retry-after": value }, body: "" }, { now })
      expect(e.retryAfterMillis).toBeUndefined()
    }
  )

  it.each(["-100", "abc", ""])("retry-after-ms %j: ignored, retry-after used", (value) => {
    const e = decode({ status: 429, headers: { "retry-after-ms": value, "retry-after": "2" }, body: "" }, { now })
    expect(e.retryAfterMillis).toBe(2000)
    const alone = decode({ status: 429, headers: { "retry-after-ms": value }, body: "" }, { now })
    expect(alone.retryAfterMillis).toBeUndefined()
  })

  it("x-should-retry true/false sets shouldRetry, and isRetryable follows it", () => {
    const rpm = JSON.stringify({ error: { code: 2007, message: "m" } })
    const notFound = JSON.stringify({ error: { code: 2104, message: "m" } })
    expect(retryable(decode({ status: 429, body: rpm }))).toBe(true)
    const no = decode({ status: 429, headers: { "x-should-retry": "false" }, body: rpm })
    expect(no.shouldRetry).toBe(false)
    expect(retryable(no)).toBe(false)

    expect(retryable(decode({ status: 400, body: notFound }))).toBe(false)
    const yes = decode({ status: 400, headers: { "X-Should-Retry": "TRUE" }, body: notFound })
    expect(yes.shouldRetry).toBe(true)
    expect(retryable(yes)).toBe(true)

    const garbage = decode({ status: 400, headers: { "x-should-retry": "yes" }, body: notFound })
    expect(garbage.shouldRetry).toBeUndefined()
  })
})

describe("decodeError: headers", () => {
  it("secret headers are redacted, the rest kept lower-cased", () => {
    const e = decode({
      status: 401,
      headers: {
        Authorization: "Bearer ak-0123456789abcdef0123456789abcdef",
        "X-Api-Key": "ak-0123456789abcdef0123456789abcdef",
        Cookie: "session=abc",
        "Set-Cookie": "session=def",
        "Proxy-Authorization": "Basic Zm9vOmJhcg==",
        "Content-Type": "application/json",
        "X-Request-Id": "r1"
      },
      body: ""
    })
    expect(e.headers).toEqual({
      authorization: "<redacted>",
      "x-api-key": "<redacted>",
      cookie: "<redacted>",
      "set-cookie": "<redacted>",
      "proxy-authorization": "<redacted>",
      "content-type": "application/json",
      "x-request-id": "r1"
    })
  })

  it("method and url are kept; key-like query parameters are redacted", () => {
    const e = decode(
      { status: 400, body: "" },
      { method: "POST", url: "https://model-api.skyengine.com.cn/v1beta/models/g:generateContent?key=abc&alt=sse" }
    )
    expect(e.method).toBe("POST")
    expect(e.url).not.toContain("key=abc")
    expect(e.url).toContain("alt=sse")
    expect(e.url).toContain("redacted")
  })
})

// ---------------------------------------------------------------------------
// encodeError
// ---------------------------------------------------------------------------

const expectedWireStatus: Record<Tag, number> = {
  UnclassifiedLlmError: 400,
  UpstreamUnavailable: 424,
  UpstreamTimeout: 424,
  InvalidModelParameter: 400,
  RequestParseFailed: 400,
  ResponseParseFailed: 424,
  RpmLimitExceeded: 429,
  TpmLimitExceeded: 429,
  InvalidApiKey: 401,
  ModelAccessDenied: 403,
  AccountOverdue: 403,
  ModelNotFound: 400,
  InternalError: 500,
  ClientClosedRequest: 499,
  UnknownGatewayError: 502,
  ConnectionError: 502,
  RequestTimeout: 504,
  InvalidRequest: 502,
  InvalidResponse: 502
}

const encodeCases = tags.flatMap((tag, i) =>
  Wire.shapes.map((shape) => ({
    name: `${tag} as ${shape}`,
    tag,
    shape,
    error: make(tag, {
      requestId: hex32(0x5000 + i),
      message: `message of ${tag}`,
      retryAfterMillis: 2500
    })
  }))
)

describe("encodeError", () => {
  it("covers 18 classes x 4 shapes", () => {
    expect(Wire.shapes).toEqual(["gateway", "anthropic", "openai", "problem"])
    expect(encodeCases).toHaveLength(76)
  })

  it.each(encodeCases)("$name: status, headers, body, and decode(encode(e))", ({ error, shape, tag }) => {
    const wire = encode(error, { shape })
    expect(wire.status).toBe(expectedWireStatus[tag])
    expect(wire.headers).toEqual({
      "content-type": shape === "problem" ? "application/problem+json" : "application/json",
      "x-request-id": error.requestId,
      "retry-after": "3",
      "retry-after-ms": "2500"
    })
    const json = JSON.parse(wire.body)
    const meta = entryOf(tag)
    switch (shape) {
      case "gateway":
        expect(json.error.message).toBe(error.message)
        expect(json.error.code).toBe(meta.code)
        expect(json.error.trace_id).toBe(error.requestId)
        expect(json.error.details).toEqual([])
        break
      case "anthropic":
        expect(json.type).toBe("error")
        expect(json.request_id).toBe(error.requestId)
        expect(json.error.message).toBe(error.message)
        expect(json.error.code).toBe(meta.code)
        if (meta.fixedMessage !== undefined) expect(json.error.type).toBe(meta.fixedMessage)
        break
      case "openai":
        expect(json.error.message).toBe(error.message)
        expect(json.error.code).toBe(meta.code ?? null)
        expect(json.error.param).toBe("")
        expect(typeof json.error.type).toBe("string")
        break
      case "problem":
        expect(json.type).toBe(`urn:skyengine:error:${meta.code ?? tag}`)
        expect(json.detail).toBe(error.message)
        expect(json.instance).toBe(error.requestId)
        expect(json.status).toBe(expectedWireStatus[tag])
        expect(json.retry_after).toBe(2.5)
        break
    }

    const back = decode(wire)
    expect(back._tag).toBe(tag)
    expect(back.code).toBe(error.code)
    expect(back.message).toBe(error.message)
    expect(back.requestId).toBe(error.requestId)
    expect(back.retryAfterMillis).toBe(2500)
    expect(back.status).toBe(wire.status)
  })

  it("retry-after is rounded up to whole seconds", () => {
    const wire = encode(make("RpmLimitExceeded", { retryAfterMillis: 1001 }))
    expect(wire.headers["retry-after"]).toBe("2")
    expect(wire.headers["retry-after-ms"]).toBe("1001")
    const zero = encode(make("RpmLimitExceeded", { retryAfterMillis: 0 }))
    expect(zero.headers["retry-after"]).toBe("0")
  })

  it("no optional headers when the error has none; gateway is the default shape", () => {
    const wire = encode(make("ModelNotFound"))
    expect(wire.headers).toEqual({ "content-type": "application/json" })
    expect(JSON.parse(wire.body)).toEqual({
      error: { code: 2104, message: "specified model is not found", type: "BadRequest", details: [] }
    })
  })

  it("x-should-retry is written and read back", () => {
    for (const shouldRetry of [true, false]) {
      const wire = encode(make("UpstreamTimeout", { shouldRetry }))
      expect(wire.headers["x-should-retry"]).toBe(String(shouldRetry))
      expect(decode(wire).shouldRetry).toBe(shouldRetry)
    }
  })

  it("an UnknownGatewayError keeps its status, code and type across the wire", () => {
    for (const shape of Wire.shapes) {
      const e = make("UnknownGatewayError", { status: 403, code: "403", errorType: "Forbidden", message: "nope" })
      const wire = encode(e, { shape })
      expect(wire.status).toBe(403)
      const back = decode(wire)
      expect(back._tag).toBe("UnknownGatewayError")
      expect(back.code).toBe("403")
      expect(back.status).toBe(403)
      expect(back.message).toBe("nope")
      if (shape === "gateway" || shape === "openai") expect(back.errorType).toBe("Forbidden")
    }
  })

  it("an infinite retryAfter writes no wait headers", () => {
    const wire = encode(make("RpmLimitExceeded", { retryAfterMillis: Number.POSITIVE_INFINITY }))
    expect(wire.headers["retry-after"]).toBeUndefined()
    expect(wire.headers["retry-after-ms"]).toBeUndefined()
  })
})

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

const statusArb = fc.integer({ min: 100, max: 999 })

const contentTypeArb = fc.option(
  fc.constantFrom(
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=utf-16le",
    "application/json; charset=utf-16be",
    "text/html; charset=gbk",
    "text/plain; charset=iso-8859-1",
    "application/json; charset=replacement",
    "application/json; charset=no-such-charset",
    "application/problem+json"
  ),
  { nil: undefined }
)

const headerArb = fc.dictionary(
  fc.constantFrom(
    "retry-after",
    "Retry-After-Ms",
    "x-should-retry",
    "x-request-id",
    "request-id",
    "X-Trace-Id",
    "authorization",
    "x-anything"
  ),
  fc.oneof(fc.string(), fc.integer({ min: -10, max: 100_000 }).map(String), fc.date().map((d) => d.toUTCString()))
)

/** Values that might be mistaken for codes, messages or types, and anything else. */
const fieldValueArb = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.string(),
  fc.integer({ min: 1995, max: 2110 }),
  fc.integer({ min: 1995, max: 2110 }).map((n) => ` ${n} `),
  fc.constantFrom(
    ...fixedTags.map((tag) => entryOf(tag).fixedMessage!),
    "ConnectionError",
    "RequestTimeout",
    "InvalidRequest",
    "InvalidResponse",
    "urn:skyengine:error:2105",
    "urn:skyengine:error:ConnectionError",
    ""
  )
)

const envelopeArb = fc.record(
  {
    type: fieldValueArb,
    request_id: fieldValueArb,
    code: fieldValueArb,
    message: fieldValueArb,
    detail: fieldValueArb,
    instance: fieldValueArb,
    tag: fieldValueArb,
    retry_after: fieldValueArb,
    error: fc.oneof(
      fieldValueArb,
      fc.record(
        {
          code: fieldValueArb,
          message: fieldValueArb,
          type: fieldValueArb,
          param: fieldValueArb,
          trace_id: fieldValueArb,
          request_id: fieldValueArb,
          retry_after: fieldValueArb,
          details: fc.oneof(
            fieldValueArb,
            fc.array(fc.oneof(fieldValueArb, fc.record({ code: fieldValueArb, message: fieldValueArb }, { requiredKeys: [] })), {
              maxLength: 3
            })
          )
        },
        { requiredKeys: [] }
      )
    )
  },
  { requiredKeys: [] }
)

const bodyFormArb = fc.constantFrom("value", "text", "bytes") as fc.Arbitrary<"value" | "text" | "bytes">
const asBody = (value: unknown, form: "value" | "text" | "bytes"): unknown =>
  form === "value" ? value : form === "text" ? JSON.stringify(value) : utf8(JSON.stringify(value) ?? "")

/** What must hold of any decoded error. */
const expectWellFormed = (e: Decoded, status: number): void => {
  expect(isKnown(e)).toBe(true)
  expect(e.status).toBe(status)
  expect(typeof e.message).toBe("string")
  expect(e.message.length).toBeGreaterThan(0)
  const meta = entryOf(e._tag)
  if (meta.code !== undefined) expect(e.code).toBe(meta.code)
  if (e.body !== undefined) expect(e.body.length).toBeLessThanOrEqual(defaultBodyLimit)
  if (e.retryAfterMillis !== undefined) expect(e.retryAfterMillis).toBeGreaterThanOrEqual(0)
}

describe("properties", () => {
  prop(
    "arbitrary bytes under arbitrary statuses decode to a SkyError",
    [fc.uint8Array({ maxLength: 2048 }), statusArb, contentTypeArb],
    ([bytes, status, contentType]) => {
      const e = decode({ status, headers: contentType === undefined ? {} : { "content-type": contentType }, body: bytes })
      expectWellFormed(e, status)
    },
    { fastCheck: { seed: 42, numRuns: 500 } }
  )

  prop(
    "arbitrary JSON values under arbitrary statuses decode to a SkyError with that status",
    [fc.jsonValue(), statusArb, bodyFormArb, headerArb],
    ([value, status, form, headers]) => {
      expectWellFormed(decode({ status, headers, body: asBody(value, form) }), status)
    },
    { fastCheck: { seed: 42, numRuns: 500 } }
  )

  prop(
    "arbitrary envelope-shaped objects decode to a SkyError with that status",
    [envelopeArb, statusArb, bodyFormArb, headerArb],
    ([value, status, form, headers]) => {
      expectWellFormed(decode({ status, headers, body: asBody(value, form) }, { now: 0 }), status)
    },
    { fastCheck: { seed: 42, numRuns: 1000 } }
  )

  prop(
    "a table code in error.code always decides the class, whatever the status and other fields",
    [envelopeArb, statusArb, fc.constantFrom(...tableTags), fc.boolean()],
    ([value, status, tag, asString]) => {
      const code = entryOf(tag).code!
      const error = typeof value.error === "object" && value.error !== null && !Array.isArray(value.error)
        ? value.error
        : {}
      const body = JSON.stringify({ ...value, error: { ...error, code: asString ? String(code) : code } })
      const e = decode({ status, body })
      expect(e._tag).toBe(tag)
      expect(e.status).toBe(status)
    },
    { fastCheck: { seed: 42, numRuns: 500 } }
  )

  const messageArb = fc.string({ minLength: 1, maxLength: 200, unit: "binary" }).filter((m) =>
    m.trim().length > 0 && !fixedNormalized.has(normalize(m))
  )
  const requestIdArb = fc.stringMatching(/^[A-Za-z0-9]{1,40}$/)
  const isTableCode = (code: unknown): boolean => {
    const n = typeof code === "number" ? code : typeof code === "string" && /^\s*\d{1,9}\s*$/.test(code) ? Number(code) : NaN
    return n >= 2001 && n <= 2106
  }
  const unknownPropsArb = fc.record({
    status: fc.integer({ min: 400, max: 599 }).filter((s) => s !== 401 && s !== 499 && s !== 500),
    code: fc.option(
      fc.oneof(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.string({ minLength: 1, maxLength: 12 })).filter((c) =>
        !isTableCode(c)
      ),
      { nil: undefined }
    )
  })

  prop(
    "encode then decode keeps tag, code, message and request id, for every class in every shape",
    [
      fc.constantFrom(...tags),
      fc.constantFrom(...Wire.shapes),
      messageArb,
      requestIdArb,
      fc.option(fc.integer({ min: 0, max: 86_400_000 }), { nil: undefined }),
      unknownPropsArb
    ],
    ([tag, shape, message, requestId, retryAfterMs, unknownProps]) => {
      const props: Record<string, unknown> = { message, requestId }
      if (retryAfterMs !== undefined) props.retryAfterMillis = retryAfterMs
      if (tag === "UnknownGatewayError") {
        props.status = unknownProps.status
        if (unknownProps.code !== undefined) props.code = unknownProps.code
      }
      const e = make(tag, props)
      const wire = encode(e, { shape })
      const back = decode(wire)
      expect(back._tag).toBe(tag)
      expect(back.code).toBe(e.code)
      expect(back.message).toBe(message)
      expect(back.requestId).toBe(requestId)
      expect(back.status).toBe(Wire.httpStatusOf(e))
      if (retryAfterMs === undefined) expect(back.retryAfterMillis).toBeUndefined()
      else expect(back.retryAfterMillis).toBe(retryAfterMs)
    },
    { fastCheck: { seed: 42, numRuns: 1000 } }
  )
})

describe("encodeError marks the kinds the table does not cover", () => {
  const awkward = [
    make("UnknownGatewayError", { status: 401, message: "proxy said no" }),
    make("UnknownGatewayError", { status: 499, message: "proxy gave up" }),
    make("UnknownGatewayError", { status: 500, message: "internal server error" }),
    make("UnknownGatewayError", { status: 429, code: 2007, message: "relayed as unknown" })
  ]
  for (const shape of ["gateway", "anthropic", "openai"] as const) {
    it(`${shape}: an unknown error relayed with a status, message or code of a table row stays unknown`, () => {
      for (const error of awkward) {
        const back = decode(encode(error, { shape }))
        expect(back._tag).toBe("UnknownGatewayError")
        expect(back.status).toBe(error.status)
        expect(back.message).toBe(error.message)
        expect(back.code).toBe(error.code)
      }
    })
  }

  it("problem: the type URI names the kind; only a table code in it would win", () => {
    for (const error of awkward.slice(0, 3)) {
      const back = decode(encode(error, { shape: "problem" }))
      expect(back._tag).toBe("UnknownGatewayError")
      expect(back.status).toBe(error.status)
    }
  })

  it("a code still decides over a kind named in error.type", () => {
    const e = decode({ status: 429, body: JSON.stringify({ error: { type: "UnknownGatewayError", code: 2008 } }) })
    expect(e._tag).toBe("TpmLimitExceeded")
  })
})

describe("decodeError reads more message and request id forms", () => {
  it("msg fields and structured messages are the server's message", () => {
    expect(decode({ status: 429, body: JSON.stringify({ code: 2008, msg: "tpm exceeded, wait" }) }).message)
      .toBe("tpm exceeded, wait")
    const structured = decode({
      status: 400,
      body: JSON.stringify({ error: { code: 2004, message: { en: "temperature too high", zh: "温度过高" } } })
    })
    expect(structured._tag).toBe("InvalidModelParameter")
    expect(structured.message).toContain("temperature too high")
  })

  it("a problem's instance that is a path is not a request id; the header is", () => {
    const e = decode({
      status: 503,
      headers: { "x-request-id": "hdr-1" },
      body: JSON.stringify({ type: "about:blank", title: "down", status: 503, instance: "/v1/chat/completions" })
    })
    expect(e.requestId).toBe("hdr-1")
    const id = decode({ status: 503, body: JSON.stringify({ instance: "0123abcd" }) })
    expect(id.requestId).toBe("0123abcd")
  })

  it("a status getter that throws gives an error value, not an exception", () => {
    const hostile = { get status(): number { throw new Error("boom") } }
    const e = decode(hostile)
    expect(e._tag).toBe("UnknownGatewayError")
    expect(e.status).toBe(0)
    expect(e.message).toContain("boom")
  })
})

describe("decodeError caps every text field it keeps", () => {
  const twentyMb = 20_000_000
  const big = (c: string): string => c.repeat(twentyMb)

  it("a 20 MB message (as a string and as bytes) gives a message of at most 8,192 characters", () => {
    const text = JSON.stringify({ error: { code: 2001, message: big("m") } })
    for (const body of [text, new TextEncoder().encode(text)]) {
      const e = decode({ status: 400, body })
      expect(e._tag).toBe("UnclassifiedLlmError")
      expect(e.message.length).toBeLessThanOrEqual(8_192)
      expect(e.message.endsWith("...")).toBe(true)
      expect(e.body?.length).toBe(defaultBodyLimit)
      expect(JSON.stringify(e).length).toBeLessThan(200_000)
    }
  })

  it("a 20 MB text body gives a snippet message and a body of at most the limit", () => {
    const e = decode({ status: 502, body: big("<p>x</p>") })
    expect(e.message.length).toBeLessThanOrEqual(8_192)
    expect(e.body?.length).toBe(defaultBodyLimit)
    expect(e.bodyTruncated).toBe(true)
  })

  it.each([
    ["errorType", { error: { type: "t".repeat(100_000), message: "m" } }, 256],
    ["requestId", { request_id: "r".repeat(100_000), error: { message: "m" } }, 256],
    ["code", { error: { code: "c".repeat(100_000), message: "m" } }, 64]
  ] as const)("%s from the body is cut to its limit", (field, value, limit) => {
    const e = decode({ status: 418, body: JSON.stringify(value) })
    const kept = (e as unknown as Record<string, string>)[field]!
    expect(kept.length).toBe(limit)
    expect(kept.endsWith("...")).toBe(true)
  })

  it("header names, header values, the number of headers, the url and the request id header are cut", () => {
    const headers: Record<string, string> = { "x-request-id": "i".repeat(10_000), ["n".repeat(1_000)]: "v" }
    for (let i = 0; i < 300; i++) headers[`x-h${i}`] = "v".repeat(10_000)
    const e = decode({ status: 502, headers, body: "" }, { url: `https://h.example/${"u".repeat(100_000)}` })
    expect(e.requestId?.length).toBe(256)
    expect(Object.keys(e.headers ?? {}).length).toBe(100)
    for (const [name, value] of Object.entries(e.headers ?? {})) {
      expect(name.length).toBeLessThanOrEqual(256)
      expect(value.length).toBeLessThanOrEqual(4_096)
    }
    expect(e.url?.length).toBe(8_192)
  })

  it("the message of an input that throws while read is capped and scrubbed", () => {
    const key = "ak-abcdefghijklmnop"
    const hostile = {
      status: 500,
      get headers(): never {
        throw new Error(`bad ${key} ${"x".repeat(100_000)}`)
      }
    }
    const e = decode(hostile, { secrets: [key] })
    expect(e._tag).toBe("UnknownGatewayError")
    expect(e.message.length).toBeLessThanOrEqual(8_192)
    expect(e.message).toContain("bad <redacted>")
  })

  it("an input that throws an Error whose message is not a string gives an error value, not an exception", () => {
    const hostile = {
      status: 500,
      get headers(): never {
        throw Object.assign(new Error(), { message: 42 })
      }
    }
    const e = decode(hostile)
    expect(e._tag).toBe("UnknownGatewayError")
    expect(e.message).toBe("the error response could not be read: 42")
  })
})

describe("decodeError validates bodyLimit", () => {
  const body = "b".repeat(100_000)
  const kept = (bodyLimit: unknown): number | undefined =>
    decode({ status: 502, body }, { bodyLimit: bodyLimit as number }).body?.length

  it.each([Number.NaN, -1, -Infinity, "10" as unknown as number, null as unknown as number])(
    "%s falls back to the default (64 KiB)",
    (limit) => {
      expect(kept(limit)).toBe(defaultBodyLimit)
    }
  )

  it("a fraction is floored, 0 keeps no body, Infinity keeps up to maxBodyLimit", () => {
    expect(kept(10.9)).toBe(10)
    expect(kept(0)).toBeUndefined()
    expect(decode({ status: 502, body }, { bodyLimit: 0 }).bodyTruncated).toBe(true)
    expect(kept(Infinity)).toBe(100_000)
    expect(maxBodyLimit).toBe(16_777_216)
    const huge = "c".repeat(maxBodyLimit + 10)
    expect(decode({ status: 502, body: huge }, { bodyLimit: Infinity }).body?.length).toBe(maxBodyLimit)
  })

  it("never throws, whatever the limit", () => {
    for (const limit of [Number.NaN, -0, 1e300, Number.MAX_VALUE, -1e-9, 0.5, {} as number]) {
      expect(isKnown(decode({ status: 502, body }, { bodyLimit: limit }))).toBe(true)
    }
  })
})

describe("a body in an undeclared charset keeps its bytes", () => {
  // 校验未通过：无效的密钥 in GBK
  const text = "校验未通过：无效的密钥"
  const gbk = new Uint8Array([
    0xd0, 0xa3, 0xd1, 0xe9, 0xce, 0xb4, 0xcd, 0xa8, 0xb9, 0xfd, 0xa3, 0xba, 0xce, 0xde, 0xd0, 0xa7, 0xb5, 0xc4, 0xc3,
    0xdc, 0xd4, 0xbf
  ])
  const fromBase64 = (b64: string): Uint8Array => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))

  it("the fixture is GBK", () => {
    expect(new TextDecoder("gbk").decode(gbk)).toBe(text)
  })

  it("GBK bytes without charset: bodyBase64 gives back the exact bytes", () => {
    const e = decode({ status: 502, headers: { "content-type": "text/plain" }, body: gbk })
    expect(e.body).toContain("\uFFFD")
    expect(e.bodyBase64).toBeDefined()
    expect(fromBase64(e.bodyBase64!)).toEqual(gbk)
    expect(new TextDecoder("gbk").decode(fromBase64(e.bodyBase64!))).toBe(text)
  })

  it("encodeError does not send it", () => {
    const { _tag, ...fields } = decode({ status: 502, body: gbk })
    expect(fields.bodyBase64).toBeDefined()
    // The wire form is the error's envelope, not the original body: nothing to carry.
    expect(JSON.stringify(encode({ tag: _tag, fields }))).not.toContain(fields.bodyBase64!)
  })

  it("absent for valid UTF-8, a declared charset, and a BOM", () => {
    expect(decode({ status: 502, body: new TextEncoder().encode(text) }).bodyBase64).toBeUndefined()
    const declared = decode({ status: 502, headers: { "content-type": "text/plain; charset=gbk" }, body: gbk })
    expect(declared.body).toBe(text)
    expect(declared.bodyBase64).toBeUndefined()
    expect(decode({ status: 502, body: "plain \uFFFD text" }).bodyBase64).toBeUndefined()
  })

  it("a key inside the undeclared bytes is scrubbed there too", () => {
    const key = "ak-Zq7xK2mP9vL4nR8t"
    const bytes = new Uint8Array([...gbk, ...new TextEncoder().encode(` ${key}`)])
    const e = decode({ status: 502, body: bytes }, { secrets: [key] })
    const recovered = new TextDecoder("gbk").decode(fromBase64(e.bodyBase64!))
    expect(recovered).toBe(`${text} <redacted>`)
  })

  it("cut to the body limit in bytes", () => {
    const e = decode({ status: 502, body: new Uint8Array([...gbk, ...gbk, ...gbk]) }, { bodyLimit: 10 })
    expect(fromBase64(e.bodyBase64!)).toEqual(gbk.subarray(0, 10))
  })
})
