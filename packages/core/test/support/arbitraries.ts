/**
 * The generators of the error-response fuzz, shared by the three suites: the core fuzzes `classifyError` with them
 * (`packages/core/test/Fuzz.test.ts`), and each line checks over a sample of the same inputs that its
 * `SkyWire.decodeError` is a total and faithful adapter of the core's result. Plain fast-check, no Effect.
 *
 * Text fields, bodies and header values sometimes carry `fuzzSecret` (in its own case, upper-cased, in a bearer
 * header): a decoder given `secrets: [fuzzSecret]` must keep it out of every field.
 */
import * as fc from "fast-check"
import type { ErrorResponse, HeadersInput } from "../../src/classify.js"
import { encodeError, shapes, type WireError, type WireResponse } from "../../src/wire.js"
import { catalogue, tags } from "../../src/table.js"

/** The fixed seed of every fuzz run. */
export const seed = 20261127

/** The secret (an API key) the generated inputs sometimes echo. */
export const fuzzSecret = "sk-fuzz-7Qx2Lm9PzR4vK8"

/** A secret echoed inside random text. */
const withSecretArb: fc.Arbitrary<string> = fc
  .tuple(fc.string({ maxLength: 8 }), fc.constantFrom(fuzzSecret, fuzzSecret.toUpperCase()), fc.string({ maxLength: 8 }))
  .map(([before, secret, after]) => before + secret + after)

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnitArb = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n))

/** Cheaper strings for the fields of valid bodies: ASCII, full unicode, raw UTF-16 units. */
export const fieldStringArb = (maxLength: number): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength }) },
    { weight: 1, arbitrary: withSecretArb },
    { weight: 1, arbitrary: fc.string({ maxLength, unit: "binary" }) },
    { weight: 1, arbitrary: fc.string({ maxLength, unit: codeUnitArb }) }
  )

/** Strings of every kind: ASCII, full unicode, raw UTF-16 units (lone surrogates), JSON-ish punctuation. */
export const anyStringArb = (maxLength: number): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ maxLength, unit: "binary" }),
    fc.string({ maxLength, unit: "grapheme" }),
    fc.string({ maxLength, unit: codeUnitArb }),
    fc.string({ maxLength, unit: fc.constantFrom("{", "}", "[", "]", "\"", ":", ",", "\\", "0", "2", "7", " ", "e", "-", ".") }),
    withSecretArb
  )

const weirdNumbers = [
  0, -0, -1, 1.5, -2007, 2007.5, 2.007e3, 1e21, -1e21, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2,
  Number.MIN_SAFE_INTEGER - 2, Number.MAX_VALUE, Number.MIN_VALUE, 5e-324, 4294967296, 2147483648
]

/** Statuses: every 0..999, plus non-integers, negatives, huge and non-finite numbers. */
export const statusArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 999 }) },
  { weight: 2, arbitrary: fc.constantFrom(400, 401, 403, 404, 424, 429, 499, 500, 502, 503, 504, 529) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, -429, -0, 429.9, -0.5,
      1e20, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, Number.MAX_VALUE, 2 ** 53 + 2)
  },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer() }
)

/** Header values meant to trip the parsers of `retry-after`, `retry-after-ms`, `x-should-retry` and ids. */
export const headerValueArb: fc.Arbitrary<string> = fc.oneof(
  anyStringArb(40),
  fc.constantFrom(fuzzSecret, `Bearer ${fuzzSecret}`, fuzzSecret.toUpperCase()),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
  fc.double().map(String),
  fc.constantFrom(...weirdNumbers).map(String),
  fc.constantFrom(
    "9".repeat(400),
    "1e400",
    "Infinity",
    "-Infinity",
    "NaN",
    " 12 ",
    "1.5",
    "0x10",
    "  ",
    "",
    "true",
    "FALSE",
    " True ",
    "later 2099",
    "Wed, 21 Oct 2015 07:28:00 GMT",
    "Sunday, 06-Nov-94 08:49:37 GMT",
    "Sun Nov  6 08:49:37 1994",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Mon, 99 Foo 0000 99:99:99 GMT",
    "Thu, 01 Jan 1970 00:00:00 GMT"
  ),
  fc.date({ noInvalidDate: false }).map((d) => {
    try {
      return d.toUTCString()
    } catch {
      return "Invalid Date"
    }
  }),
  fc.date().map((d) => d.toISOString())
)

const knownHeaderNames = [
  "retry-after",
  "Retry-After",
  "retry-after-ms",
  "RETRY-AFTER-MS",
  "x-should-retry",
  "x-request-id",
  "request-id",
  "x-trace-id",
  "trace-id",
  "content-type",
  "Content-Type",
  "authorization",
  "set-cookie",
  "x-api-key"
]

export const headerNameArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...knownHeaderNames) },
  { weight: 1, arbitrary: anyStringArb(16) },
  { weight: 1, arbitrary: fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "") }
)

export const contentTypeArb = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=utf-16le",
  "application/json; charset=UTF-16BE",
  "text/html; charset=gbk",
  "text/plain; charset=iso-8859-1",
  "application/json; charset=replacement",
  "application/json; charset=\"no-such-charset\"",
  "application/json; charset=",
  "application/problem+json"
)

/** Headers in every accepted form: a record (string, array, number and junk values), `[name, value]` pairs, a `Headers`. */
export const headersArb: fc.Arbitrary<HeadersInput | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.dictionary(headerNameArb, fc.oneof(headerValueArb, fc.array(headerValueArb, { maxLength: 3 })), { maxKeys: 5 }),
  fc.array(fc.tuple(headerNameArb, headerValueArb), { maxLength: 5 }),
  fc.dictionary(fc.constantFrom(...knownHeaderNames), headerValueArb, { maxKeys: 4 }).map((record) => {
    const headers = new Headers()
    for (const [name, value] of Object.entries(record)) {
      try {
        headers.append(name, value)
      } catch {
        // not a valid header value for the Headers class
      }
    }
    return headers
  }),
  fc.record({ "content-type": contentTypeArb }),
  fc.dictionary(headerNameArb, fc.anything({ maxDepth: 1 }), { maxKeys: 3 }) as fc.Arbitrary<never>
)

// ----- valid bodies, then mutations ----------------------------------------

const tableCodes = tags.flatMap((tag) => {
  const code: number | undefined = catalogue[tag].code
  return code === undefined ? [] : [code]
})

/** A random error as plain data, with the fields of its class that `encodeError` writes (durations in ms). */
export const errorArb: fc.Arbitrary<WireError> = fc
  .record({
    tag: fc.constantFrom(...tags),
    message: fieldStringArb(40),
    requestId: fc.option(fc.oneof(fc.hexaString({ minLength: 32, maxLength: 32 }), fieldStringArb(20)), { nil: undefined }),
    retryAfterMs: fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: undefined }),
    shouldRetry: fc.option(fc.boolean(), { nil: undefined }),
    status: fc.integer({ min: 100, max: 999 }),
    code: fc.option(fc.oneof(fc.integer(), fc.constantFrom(...tableCodes), fieldStringArb(8)), { nil: undefined }),
    errorType: fc.option(fieldStringArb(20), { nil: undefined })
  })
  .map(({ code, errorType, message, requestId, retryAfterMs, shouldRetry, status, tag }) => {
    const fields: Record<string, unknown> = { message }
    if (requestId !== undefined) fields.requestId = requestId
    if (retryAfterMs !== undefined) fields.retryAfterMillis = retryAfterMs
    if (shouldRetry !== undefined) fields.shouldRetry = shouldRetry
    if (errorType !== undefined) fields.errorType = errorType
    if (catalogue[tag].code === undefined) {
      fields.status = status
      if (tag === "UnknownGatewayError" && code !== undefined) fields.code = code
    }
    return { tag, fields }
  })

/** A valid wire response: a random error in a random shape. */
export const wireArb: fc.Arbitrary<WireResponse> = fc
  .tuple(errorArb, fc.constantFrom(...shapes))
  .map(([error, shape]) => encodeError(error, { shape }))

/** What a code may be replaced with. */
const codeReplacementArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.integer({ min: 1990, max: 2120 }),
  fc.integer({ min: 1990, max: 2120 }).map(String),
  fc.integer({ min: 1990, max: 2120 }).map((n) => ` ${n}\n`),
  fc.integer({ min: 1990, max: 2120 }).map((n) => n + 0.5),
  fc.double(),
  fc.constantFrom(...weirdNumbers),
  fc.constantFrom(null, true, false, "", " ", "2007x", "0x7d7", "+2007", "-2007", "2e3", "２００７", "99999999999999999999"),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fieldStringArb(12),
  fc.jsonValue({ maxDepth: 1 })
)

type Path = ReadonlyArray<string | number>

/** Every path to a value inside a JSON value (the root included), capped. */
const pathsOf = (value: unknown, prefix: Path = [], out: Array<Path> = []): Array<Path> => {
  if (out.length > 64) return out
  out.push(prefix)
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out))
  else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out)
  }
  return out
}

const setAt = (root: unknown, path: Path, f: (old: unknown) => unknown): unknown => {
  if (path.length === 0) return f(root)
  const [head, ...rest] = path
  if (Array.isArray(root)) {
    const copy = root.slice()
    copy[head as number] = setAt(copy[head as number], rest, f)
    return copy
  }
  const copy = { ...(root as Record<string, unknown>) }
  Object.defineProperty(copy, head as string, {
    value: setAt(copy[head as string], rest, f),
    enumerable: true,
    writable: true,
    configurable: true
  })
  return copy
}

/** Where a code may sit, for the code swaps. */
const codePaths: ReadonlyArray<Path> = [
  ["error", "code"],
  ["code"],
  ["error", "details", 0, "code"],
  ["error", "details", 3, "code"],
  ["type"],
  ["error", "type"],
  ["error", "message"],
  ["status"],
  ["retry_after"],
  ["error", "retry_after"]
]

type Mutation =
  | { readonly _tag: "truncate"; readonly at: number }
  | { readonly _tag: "replaceChar"; readonly at: number; readonly char: string }
  | { readonly _tag: "insert"; readonly at: number; readonly text: string }
  | { readonly _tag: "retype"; readonly pick: number; readonly value: unknown }
  | { readonly _tag: "nest"; readonly pick: number; readonly depth: number; readonly asArray: boolean }
  | { readonly _tag: "swapCode"; readonly path: Path; readonly value: unknown }
  | { readonly _tag: "drop"; readonly pick: number }

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ _tag: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ _tag: fc.constant("replaceChar" as const), at: fc.nat(), char: codeUnitArb }),
  fc.record({ _tag: fc.constant("insert" as const), at: fc.nat(), text: fieldStringArb(6) }),
  fc.record({
    _tag: fc.constant("retype" as const),
    pick: fc.nat(),
    value: fc.oneof(fc.jsonValue({ maxDepth: 1 }), codeReplacementArb, fieldStringArb(20))
  }),
  fc.record({ _tag: fc.constant("nest" as const), pick: fc.nat(), depth: fc.integer({ min: 1, max: 40 }), asArray: fc.boolean() }),
  fc.record({ _tag: fc.constant("swapCode" as const), path: fc.constantFrom(...codePaths), value: codeReplacementArb }),
  fc.record({ _tag: fc.constant("drop" as const), pick: fc.nat() })
)

const applyMutation = (text: string, m: Mutation): string => {
  switch (m._tag) {
    case "truncate":
      return text.slice(0, m.at % (text.length + 1))
    case "replaceChar": {
      const at = m.at % Math.max(text.length, 1)
      return text.slice(0, at) + m.char + text.slice(at + 1)
    }
    case "insert": {
      const at = m.at % (text.length + 1)
      return text.slice(0, at) + m.text + text.slice(at)
    }
    default: {
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch {
        return text
      }
      const paths = pathsOf(value)
      let next: unknown
      switch (m._tag) {
        case "retype":
          next = setAt(value, paths[m.pick % paths.length]!, () => m.value)
          break
        case "nest":
          next = setAt(value, paths[m.pick % paths.length]!, (old) => {
            let v = old
            for (let i = 0; i < m.depth; i++) v = m.asArray ? [v] : i % 2 === 0 ? { error: v } : { code: 2007, details: [v] }
            return v
          })
          break
        case "swapCode":
          try {
            next = setAt(value, m.path, () => m.value)
          } catch {
            next = value
          }
          break
        case "drop": {
          const path = paths[m.pick % paths.length]!
          next = path.length === 0 ? undefined : setAt(value, path.slice(0, -1), (parent) => {
            if (Array.isArray(parent)) return parent.filter((_, i) => i !== path[path.length - 1])
            if (typeof parent !== "object" || parent === null) return parent
            const { [path[path.length - 1]!]: _dropped, ...rest } = parent as Record<string, unknown>
            return rest
          })
          break
        }
      }
      try {
        return JSON.stringify(next, (_k, v) => (typeof v === "bigint" ? String(v) : v)) ?? ""
      } catch {
        return text
      }
    }
  }
}

export type BodyForm = "text" | "bytes" | "value" | "utf16" | "bom"
export const bodyFormArb = fc.constantFrom<BodyForm>("text", "bytes", "value", "utf16", "bom")

const encoder = new TextEncoder()

export const asBody = (text: string, form: BodyForm): unknown => {
  switch (form) {
    case "text":
      return text
    case "bytes":
      return encoder.encode(text)
    case "bom":
      return encoder.encode("\ufeff" + text)
    case "utf16": {
      const bytes = new Uint8Array(2 + text.length * 2)
      bytes[0] = 0xff
      bytes[1] = 0xfe
      for (let i = 0; i < text.length; i++) {
        const unit = text.charCodeAt(i)
        bytes[2 + 2 * i] = unit & 0xff
        bytes[3 + 2 * i] = unit >> 8
      }
      return bytes
    }
    case "value":
      try {
        return JSON.parse(text)
      } catch {
        return text
      }
  }
}

/** A valid body with 1-3 mutations, merged with random headers over the valid ones. */
export const mutatedArb = fc
  .record({
    wire: wireArb,
    mutations: fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
    form: bodyFormArb,
    status: fc.oneof(fc.constant<number | undefined>(undefined), statusArb),
    headers: fc.oneof(fc.constant(undefined), fc.dictionary(headerNameArb, headerValueArb, { maxKeys: 3 }))
  })
  .map(({ form, headers, mutations, status, wire }): ErrorResponse => {
    const text = mutations.reduce(applyMutation, wire.body)
    return {
      status: status ?? wire.status,
      headers: { ...wire.headers, ...headers },
      body: asBody(text, form)
    }
  })

// ---------------------------------------------------------------------------
// The input families, with how many inputs of each the core's fuzz decodes
// ---------------------------------------------------------------------------

/** Arbitrary bytes (with or without a content type), also as an `ArrayBuffer` and as a `DataView`. */
export const bytesArb: fc.Arbitrary<ErrorResponse> = fc
  .tuple(fc.uint8Array({ maxLength: 512 }), statusArb, fc.option(contentTypeArb, { nil: undefined }))
  .map(([body, status, contentType]) => ({
    status,
    headers: contentType === undefined ? {} : { "content-type": contentType },
    body
  }))

/** Bytes as an `ArrayBuffer`. */
export const arrayBufferArb: fc.Arbitrary<ErrorResponse> = fc
  .tuple(fc.uint8Array({ maxLength: 256 }), statusArb)
  .map(([bytes, status]) => ({
    status,
    body: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  }))

/** Bytes as a `DataView`. */
export const dataViewArb: fc.Arbitrary<ErrorResponse> = fc
  .tuple(fc.uint8Array({ maxLength: 256 }), statusArb)
  .map(([bytes, status]) => ({ status, body: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) }))

/** Arbitrary strings (unicode, lone surrogates, JSON punctuation) with random headers. */
export const stringsArb: fc.Arbitrary<ErrorResponse> = fc
  .tuple(anyStringArb(300), statusArb, headersArb)
  .map(([body, status, headers]) => ({ status, headers, body }))

/** Arbitrary JSON values, as values, text and bytes. */
export const jsonArb: fc.Arbitrary<ErrorResponse> = fc
  .tuple(fc.jsonValue({ maxDepth: 4, depthSize: "small" }), statusArb, bodyFormArb)
  .map(([value, status, form]) => ({ status, body: asBody(JSON.stringify(value), form) }))

/** Values JSON cannot carry, handed in as an already-parsed body. */
export const anythingArb: fc.Arbitrary<ErrorResponse> = fc
  .tuple(
    fc.anything({
      maxDepth: 2,
      withBigInt: true,
      withMap: true,
      withSet: true,
      withDate: true,
      withTypedArray: true,
      withSparseArray: true,
      withNullPrototype: true,
      withBoxedValues: true
    }),
    statusArb
  )
  .map(([body, status]) => ({ status, body }))

/** Random headers over valid, empty and HTML bodies. */
export const headersOverBodiesArb: fc.Arbitrary<ErrorResponse> = fc
  .tuple(
    headersArb,
    fc.oneof(fc.constant(undefined), wireArb.map((w) => w.body), fc.constant("<html>502</html>")),
    statusArb
  )
  .map(([headers, body, status]) => ({ status, headers, body }))

/**
 * Every input family with the number of inputs the core's fuzz decodes from it (105,000 in all, plus the
 * status grid below): the lines sample the same families.
 */
export const families: ReadonlyArray<{ readonly name: string; readonly arb: fc.Arbitrary<ErrorResponse>; readonly runs: number }> = [
  { name: "arbitrary bytes", arb: bytesArb, runs: 20_000 },
  { name: "bytes as an ArrayBuffer", arb: arrayBufferArb, runs: 2_000 },
  { name: "bytes as a DataView", arb: dataViewArb, runs: 1_000 },
  { name: "arbitrary strings: unicode, lone surrogates, JSON punctuation", arb: stringsArb, runs: 20_000 },
  { name: "arbitrary JSON values, as values, text and bytes", arb: jsonArb, runs: 15_000 },
  { name: "values JSON cannot carry, as an already-parsed body", arb: anythingArb, runs: 3_000 },
  { name: "mutations of valid gateway, anthropic, openai and problem bodies", arb: mutatedArb, runs: 30_000 },
  { name: "random headers over valid and empty bodies", arb: headersOverBodiesArb, runs: 15_000 }
]

/** Any input of any family, weighted as the core's fuzz weights them. */
export const responseArb: fc.Arbitrary<ErrorResponse> = fc.oneof(
  ...families.map(({ arb, runs }) => ({ weight: Math.max(1, Math.round(runs / 1_000)), arbitrary: arb }))
)

/** The bodies decoded under every status of `gridStatuses`. */
export const gridBodies: ReadonlyArray<unknown> = [
  undefined,
  "",
  "<html><body>502 Bad Gateway</body></html>",
  "{\"error\":{\"code\":2007,\"message\":\"rpm\"}}",
  "{\"error\":{\"code\":\"403\",\"message\":\"denied\"}}",
  "{\"type\":\"error\",\"error\":{\"type\":\"The API key in the request is missing or invalid\",\"message\":\"x\"}}",
  "{\"type\":\"urn:skyengine:error:2105\",\"status\":500}",
  "{\"error\":null}",
  "[1,2,3]"
]

/** Every status 0..999, then non-finite, negative, fractional and huge ones. */
export const gridStatuses: ReadonlyArray<number> = [
  ...Array.from({ length: 1000 }, (_, i) => i),
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -1,
  -999,
  -0,
  0.5,
  499.99,
  1e21,
  Number.MAX_SAFE_INTEGER
]

/** The status grid: every status of `gridStatuses` with every body of `gridBodies` and a `retry-after`. */
export const gridInputs = (): Array<ErrorResponse> =>
  gridStatuses.flatMap((status) => gridBodies.map((body) => ({ status, headers: { "retry-after": "3" }, body })))

/** Statuses that are not numbers at all, as an untyped caller could send them. */
export const nonNumberStatuses: ReadonlyArray<unknown> = [undefined, null, "500", {}, 500n]
