/**
 * Classifying an error response, as plain data: every branch is total, whatever the status, headers and body the
 * result is a tag and the fields of its error. No Effect here: each line builds its own class from the result.
 *
 * @internal
 */
import * as BoundedBody from "./boundedBody.js"
import * as Evidence from "./evidence.js"
import { isRecord } from "./json.js"
import { fieldLimits } from "./limits.js"
import { catalogue, type CatalogueEntry, entryOfCode, groups, type TableTag, type Tag, tags } from "./table.js"

/**
 * How many characters of a response body an error keeps as evidence by default (64 KiB).
 *
 * @since 1.0.0
 * @category constants
 * @internal
 */
export const defaultBodyLimit = 65_536

/**
 * The largest `bodyLimit` honoured (16 MiB); a larger one (or `Infinity`) keeps this much.
 *
 * @since 1.0.0
 * @category constants
 * @internal
 */
export const maxBodyLimit = 16_777_216

/**
 * The prefix of every problem `type` URI: `urn:skyengine:error:2007` for a table code,
 * `urn:skyengine:error:ConnectionError` for a client-side kind.
 *
 * @since 1.0.0
 * @category constants
 * @internal
 */
export const problemTypePrefix = "urn:skyengine:error:"

/**
 * Response headers in any common form: a plain record (string or string-array values, as Node gives them), a
 * `Headers` object, or `[name, value]` pairs.
 *
 * @since 1.0.0
 * @category models
 * @internal
 */
export type HeadersInput = Evidence.HeadersInput

/**
 * An error response as it came over the wire. `body` may be a string, bytes (`Uint8Array`, `ArrayBuffer`) in any
 * encoding the headers or a BOM declare, a `CollectedBody`, or an already-parsed JSON value.
 *
 * @since 1.0.0
 * @category models
 * @internal
 */
export interface ErrorResponse {
  readonly status: number
  readonly headers?: HeadersInput | undefined
  readonly body?: unknown
}

/**
 * One attempt of a retried call, as plain data (`waitMillis`: the wait before the next attempt).
 *
 * @since 1.0.0
 * @category models
 * @internal
 */
export interface AttemptFields {
  readonly attempt: number
  readonly tag: string
  readonly status?: number
  readonly code?: number | string
  readonly requestId?: string
  readonly waitMillis?: number
}

/**
 * What the classifier may also know about the request. Secrets are plain strings here: a line opens its own
 * redacted values before calling. `A` is the line's own attempt type, passed through untouched.
 *
 * @since 1.0.0
 * @category models
 * @internal
 */
export interface DecodeOptions<A = AttemptFields> {
  /** The request's method, kept on the error. */
  readonly method?: string | undefined
  /** The request's URL, kept on the error with key-like query parameters redacted. */
  readonly url?: string | undefined
  /** Secrets (the API key) to scrub from every text the error keeps. */
  readonly secrets?: ReadonlyArray<string> | undefined
  /** The current time in epoch milliseconds, for `retry-after` given as an HTTP date. Default: `Date.now()`. */
  readonly now?: number | undefined
  /**
   * How many characters of the body to keep. Default: `defaultBodyLimit`. Not a number, `NaN` or negative means
   * the default; a fraction is floored; above `maxBodyLimit` (`Infinity` too) means `maxBodyLimit`.
   */
  readonly bodyLimit?: number | undefined
  /** Earlier attempts of the same call: when given, the error lists them followed by its own attempt. */
  readonly attempts?: ReadonlyArray<A> | undefined
}

/**
 * The plain fields of every error class (all optional: each class has a subset). Durations are milliseconds.
 *
 * @since 1.0.0
 * @category models
 * @internal
 */
export interface ErrorFields<A = AttemptFields> {
  readonly status?: number
  readonly message?: string
  readonly code?: number | string
  readonly requestId?: string
  readonly errorType?: string
  readonly retryAfterMillis?: number
  readonly shouldRetry?: boolean
  readonly body?: string
  readonly bodyTruncated?: boolean
  readonly bodyBase64?: string
  readonly headers?: Readonly<Record<string, string>>
  readonly method?: string
  readonly url?: string
  readonly attempts?: ReadonlyArray<A | AttemptFields>
  /** ConnectionError, InvalidRequest. */
  readonly reason?: string
  /** InvalidResponse. */
  readonly issue?: string
  /** RequestTimeout: the deadline that was exceeded. */
  readonly timeoutMillis?: number
}

/**
 * A classified error: its tag and its fields, as plain data.
 *
 * @since 1.0.0
 * @category models
 * @internal
 */
export interface Classified<A = AttemptFields> {
  readonly tag: Tag
  readonly fields: ErrorFields<A>
}

/**
 * The body limit asked for, made usable: not a number, `NaN` or negative means the default; a fraction is
 * floored; anything above `maxBodyLimit` (`Infinity` too) is `maxBodyLimit`. Never throws.
 *
 * @since 1.0.0
 * @category constants
 * @internal
 */
export const bodyLimitOf = (u: unknown): number => BoundedBody.sizeOr(u, defaultBodyLimit, maxBodyLimit)

const scrubMargin = Evidence.scrubMargin
const scrubCut = Evidence.scrubCut

type Json = Record<string, unknown>


const nonEmptyString = (u: unknown): string | undefined =>
  typeof u === "string" && u.trim().length > 0 ? u : undefined

/** A code as sent: an integer, or a string of digits. */
const numericCode = (u: unknown): number | undefined => {
  if (typeof u === "number") return Number.isInteger(u) ? u : undefined
  if (typeof u === "string" && /^\s*\d{1,9}\s*$/.test(u)) return Number(u)
  return undefined
}

/**
 * The kinds the table does not cover, as `SkyWire.encodeError` marks them (`error.tag`, the problem's `tag`, or
 * `error.type` for a client-side kind), so that a relayed error decodes to the same class.
 */
const markedTags: ReadonlySet<string> = new Set([...groups.Client, "UnknownGatewayError"])

/**
 * The first item that passes: `Array.prototype.find` with a predicate defined once (no closure built per error).
 */
const firstWhere = <A, B extends A>(items: ReadonlyArray<A>, test: (a: A) => a is B): B | undefined => {
  for (const item of items) if (test(item)) return item
  return undefined
}

const isMarkedTag = (t: unknown): t is Tag => typeof t === "string" && markedTags.has(t)

const isDefined = <A>(a: A | undefined): a is A => a !== undefined

/** A code as sent: a number, or a non-empty string. */
const isSentCode = (c: unknown): c is number | string =>
  typeof c === "number" || (typeof c === "string" && c.length > 0)

const fixedMessages: ReadonlyArray<readonly [string, CatalogueEntry]> = tags.flatMap((tag) => {
  const entry: CatalogueEntry = catalogue[tag]
  return entry.fixedMessage === undefined ? [] : [[normalize(entry.fixedMessage), entry] as const]
})

function normalize(text: string): string {
  return text.trim().replace(/[.。!]+$/, "").toLowerCase()
}

/**
 * The statuses that name exactly one row of the table: 401 is only 2101,
 * 499 only 2106, 500 only 2105. Every other error status is ambiguous or absent.
 */
const statusOnly: ReadonlyMap<number, TableTag> = new Map([
  [401, "InvalidApiKey"],
  [499, "ClientClosedRequest"],
  [500, "InternalError"]
])

const problemCode = (type: unknown): number | undefined => {
  if (typeof type !== "string" || !type.startsWith(problemTypePrefix)) return undefined
  return numericCode(type.slice(problemTypePrefix.length))
}

interface Parsed {
  readonly root: Json | undefined
  readonly error: Json | undefined
}

const parse = (body: Body): Parsed => {
  const { facts, parseable, text } = body
  if (facts !== undefined) return { root: facts as Json, error: isRecord(facts.error) ? facts.error : undefined }
  if (!parseable || text.length === 0) return { root: undefined, error: undefined }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { root: undefined, error: undefined }
  }
  if (!isRecord(value)) return { root: undefined, error: undefined }
  return { root: value, error: isRecord(value.error) ? value.error : undefined }
}

const noDetails: ReadonlyArray<Json> = []

const detailsOf = (error: Json | undefined): ReadonlyArray<Json> =>
  error !== undefined && Array.isArray(error.details) ? error.details.filter(isRecord) : noDetails

/** Where a code can sit, most specific first. */
const codeCandidates = ({ error, root }: Parsed): ReadonlyArray<unknown> => {
  const codes: Array<unknown> = [error?.code, root?.code]
  for (const detail of detailsOf(error)) codes.push(detail.code)
  codes.push(problemCode(root?.type))
  return codes
}

/** Where a message can sit: the server's own words, most specific first. */
const messageCandidates = ({ error, root }: Parsed): ReadonlyArray<string | undefined> => {
  const messages = [
    messageText(error?.message),
    nonEmptyString(error?.msg),
    messageText(root?.message),
    nonEmptyString(root?.msg),
    nonEmptyString(root?.detail),
    nonEmptyString(root?.error)
  ]
  for (const detail of detailsOf(error)) messages.push(nonEmptyString(detail.message))
  return messages
}

/** A message as sent: a string, or a structured one (`{"en": ..., "zh": ...}`) kept as its JSON. */
const messageText = (u: unknown): string | undefined => {
  if (typeof u === "string") return nonEmptyString(u)
  if (typeof u === "object" && u !== null && Object.keys(u).length > 0) {
    try {
      return JSON.stringify(u)
    } catch {
      return undefined
    }
  }
  return undefined
}

const matchFixedMessage = (
  texts: ReadonlyArray<string | undefined>,
  status: number
): CatalogueEntry | undefined => {
  const normalized = texts.flatMap((t) => (t === undefined ? [] : [normalize(t)]))
  for (const text of normalized) {
    for (const [fixed, entry] of fixedMessages) if (text === fixed) return entry
  }
  // A fixed message inside a longer one only counts where the status agrees with the table.
  for (const text of normalized) {
    for (const [fixed, entry] of fixedMessages) if (entry.status === status && text.includes(fixed)) return entry
  }
  return undefined
}

const requestIdOf = ({ error, root }: Parsed, headers: Record<string, string>): string | undefined =>
  nonEmptyString(root?.request_id) ??
    nonEmptyString(error?.request_id) ??
    nonEmptyString(error?.trace_id) ??
    nonEmptyString(root?.trace_id) ??
    Evidence.requestIdFromHeaders(headers) ??
    instanceId(root?.instance)

/** A problem's `instance` names the occurrence; it is a request id unless it is a path or a URI. */
const instanceId = (u: unknown): string | undefined => {
  const text = nonEmptyString(u)
  return text === undefined || text.startsWith("/") || /^[a-z][a-z0-9+.-]*:/i.test(text) ? undefined : text
}

const nonNegativeMillis = (millis: number): number | undefined =>
  Number.isFinite(millis) && millis >= 0 ? millis : undefined

/** An HTTP date (RFC 9110 5.6.7: IMF-fixdate, RFC 850 or asctime): a day name, then the date with hh:mm:ss. */
const httpDate = /^\s*(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s.*\b\d{1,2}:\d{2}:\d{2}\b/i

/** `retry-after-ms`, else `retry-after` (seconds or an HTTP date), else the body's `retry_after` (seconds). */
const retryAfterOf = (
  headers: Record<string, string>,
  parsed: Parsed,
  now: number
): number | undefined => {
  const ms = headers["retry-after-ms"]
  if (ms !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return nonNegativeMillis(Number(ms))
  const after = headers["retry-after"]
  if (after !== undefined) {
    if (/^\s*\d+(\.\d+)?\s*$/.test(after)) return nonNegativeMillis(Number(after) * 1000)
    // Only an HTTP date: V8's Date.parse also reads garbage ("later 2099") as a date.
    const date = httpDate.test(after) ? Date.parse(after) : Number.NaN
    if (!Number.isNaN(date)) return nonNegativeMillis(date - now)
  }
  const body = parsed.root?.retry_after ?? parsed.error?.retry_after
  return typeof body === "number" ? nonNegativeMillis(body * 1000) : undefined
}

/**
 * The `x-should-retry` header as a boolean: `true`, `false`, or absent for anything else.
 *
 * @since 1.0.0
 * @category decoding
 * @internal
 */
export const shouldRetryOf = (headers: Record<string, string>): boolean | undefined => {
  const value = headers["x-should-retry"]?.trim().toLowerCase()
  return value === "true" ? true : value === "false" ? false : undefined
}


/** The body as decoding sees it. */
interface Body {
  /** The text kept as evidence (at least the limit's worth when there is that much). */
  readonly text: string
  /** Whether `text` is the whole body and small enough to give to `JSON.parse`. */
  readonly parseable: boolean
  /** What the incremental scanner found in a body too large to parse (or cut while read). */
  readonly facts: BoundedBody.JsonFacts | undefined
  /** Whether `text` is less than the whole body. */
  readonly truncated: boolean
  /** The bytes `text` was decoded from as UTF-8 by default (no BOM, no other charset), to keep when invalid. */
  readonly utf8Bytes: Uint8Array | undefined
}

const emptyBody: Body = { text: "", parseable: false, facts: undefined, truncated: false, utf8Bytes: undefined }

const bytesOf = (u: unknown): Uint8Array | undefined =>
  u instanceof Uint8Array
    ? u
    : u instanceof ArrayBuffer
    ? new Uint8Array(u)
    : ArrayBuffer.isView(u)
    ? new Uint8Array(u.buffer, u.byteOffset, u.byteLength)
    : undefined

/** Whether the scanner's facts (read as UTF-8) hold for this body: UTF-8 or undeclared, and no UTF-16 BOM. */
const scannable = (label: string | undefined): boolean => label === undefined || /^utf-?8$/i.test(label)

/** A body too large to parse (bytes or text), scanned in slices: the kept head and the facts. */
const scanWhole = (body: Uint8Array | string, keep: number): BoundedBody.CollectedBody => {
  const collector = BoundedBody.makeCollector({ keep })
  const slice = 1_048_576
  if (typeof body === "string") {
    const encoder = new TextEncoder()
    for (let i = 0; i < body.length; i += slice) {
      let end = Math.min(body.length, i + slice)
      // Never split a surrogate pair between two slices.
      const last = body.charCodeAt(end - 1)
      if (end < body.length && last >= 0xd800 && last <= 0xdbff) end += 1
      if (!collector.push(encoder.encode(body.slice(i, end)))) break
      i = end - slice
    }
  } else {
    for (let i = 0; i < body.length; i += slice) {
      if (!collector.push(body.subarray(i, i + slice))) break
    }
  }
  return collector.result()
}

const readBody = (body: unknown, contentType: string | undefined, limit: number): Body => {
  if (body === undefined || body === null) return emptyBody
  if (typeof body === "string") {
    const text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body
    if (text.length <= Evidence.maxParseBytes) {
      return { text, parseable: true, facts: undefined, truncated: false, utf8Bytes: undefined }
    }
    const scanned = scanWhole(text, 0)
    return { text, parseable: false, facts: scanned.facts, truncated: false, utf8Bytes: undefined }
  }
  if (BoundedBody.isCollectedBody(body)) {
    const whole = body.complete && body.seenBytes <= body.bytes.length
    if (whole) return readBody(body.bytes, contentType, limit)
    const label = Evidence.encodingOf(body.bytes, contentType)
    return {
      text: Evidence.bytesToText(body.bytes, contentType),
      parseable: false,
      facts: scannable(label) ? body.facts : undefined,
      truncated: true,
      utf8Bytes: scannable(label) ? body.bytes : undefined
    }
  }
  const bytes = bytesOf(body)
  if (bytes === undefined) {
    // Already-parsed JSON handed in by a caller: keep it as JSON text.
    try {
      const text = JSON.stringify(body)
      return typeof text === "string" ? readBody(text, contentType, limit) : emptyBody
    } catch {
      return emptyBody
    }
  }
  const label = Evidence.encodingOf(bytes, contentType)
  if (bytes.byteLength <= Evidence.maxParseBytes) {
    return {
      text: Evidence.bytesToText(bytes, contentType),
      parseable: true,
      facts: undefined,
      truncated: false,
      utf8Bytes: scannable(label) ? bytes : undefined
    }
  }
  // Too large to parse: the head as evidence (up to four bytes a character), the facts from a scan.
  const scanned = scanWhole(bytes, Math.min(bytes.byteLength, limit * 4 + 4))
  return {
    text: Evidence.bytesToText(scanned.bytes, contentType),
    parseable: false,
    facts: scannable(label) ? scanned.facts : undefined,
    truncated: true,
    utf8Bytes: scannable(label) ? scanned.bytes : undefined
  }
}

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true })

/**
 * The body's bytes as base64 when they are not valid UTF-8 (an undeclared charset such as GBK): the text kept in
 * `body` is then lossy, these bytes are not. At most `limit` bytes; secrets scrubbed in the bytes first (read one
 * character a byte) and in the result.
 */
const bodyBase64Of = (
  body: Body,
  limit: number,
  secrets: ReadonlyArray<string>
): string | undefined => {
  const bytes = body.utf8Bytes
  // Valid UTF-8 never decodes to U+FFFD unless it says U+FFFD: the cheap test first.
  if (bytes === undefined || limit === 0 || !body.text.includes("\uFFFD")) return undefined
  try {
    fatalUtf8.decode(bytes, { stream: body.truncated })
    if (body.truncated) fatalUtf8.decode()
    return undefined
  } catch {
    // Not UTF-8: keep the bytes.
  }
  const kept = bytes.subarray(0, limit)
  let latin1 = ""
  for (let i = 0; i < kept.length; i += 8_192) {
    latin1 += String.fromCharCode(...kept.subarray(i, i + 8_192))
  }
  return Evidence.scrub(btoa(Evidence.scrub(latin1, secrets)), secrets)
}

const scrubOptional = (text: string | undefined, max: number, secrets: ReadonlyArray<string>): string | undefined =>
  text === undefined ? undefined : scrubCut(text, max, secrets)

const scrubCode = (code: unknown, secrets: ReadonlyArray<string>): number | string | undefined =>
  typeof code === "string" ? scrubCut(code, fieldLimits.code, secrets) : typeof code === "number" ? code : undefined

const capUrl = (url: string): string =>
  url.length > fieldLimits.url + scrubMargin ? url.slice(0, fieldLimits.url + scrubMargin) : url

/**
 * Classifies an error response: by a table code (number or numeric string, in `error.code`, `code`,
 * `error.details[].code` or a problem `type`), then by this library's own mark, then by the fixed English message
 * of 2101-2106, then by a status that names exactly one code (401, 499, 500); anything else is
 * `UnknownGatewayError`. Texts are scrubbed of `secrets` and capped. Never throws on any well-formed input (a
 * hostile getter may throw: the line catches it).
 *
 * @since 1.0.0
 * @category decoding
 * @internal
 */
export const classifyError = <A = AttemptFields>(
  input: ErrorResponse,
  options: DecodeOptions<A> = {}
): Classified<A> => {
  const status = typeof input.status === "number" && Number.isFinite(input.status) ? Math.trunc(input.status) : 0
  const secrets = Evidence.secretTexts(options.secrets)
  const limit = bodyLimitOf(options.bodyLimit)
  const rawHeaders = Evidence.normalizeHeaders(input.headers)
  const body = readBody(input.body, rawHeaders["content-type"], limit)
  const text = body.text
  const parsed = parse(body)

  const codes = codeCandidates(parsed)
  let entry: CatalogueEntry | undefined
  for (const candidate of codes) {
    const numeric = numericCode(candidate)
    entry = numeric === undefined ? undefined : entryOfCode(numeric)
    if (entry !== undefined) break
  }
  // `error.tag` is this library's own mark (SkyWire.encodeError writes it for the kinds the table does not
  // cover) and decides. A kind named in `error.type` or in a problem's type URI counts only when no table code does.
  const marked = typeof parsed.error?.tag === "string" && markedTags.has(parsed.error.tag)
    ? parsed.error.tag as Tag
    : undefined
  const problemKind = typeof parsed.root?.type === "string" && parsed.root.type.startsWith(problemTypePrefix)
    ? parsed.root.type.slice(problemTypePrefix.length)
    : undefined
  const typed = firstWhere([parsed.error?.type, problemKind, parsed.root?.tag], isMarkedTag)
  const messages = messageCandidates(parsed)
  const errorType = nonEmptyString(parsed.error?.type)
  const tag: Tag = marked ?? entry?.tag ?? typed ??
    matchFixedMessage([...messages, errorType], status)?.tag ??
    statusOnly.get(status) ??
    "UnknownGatewayError"

  // Scrub before cutting (the snippet below, the body further down), so that a secret that straddles a cut
  // cannot survive in part.
  // A body cut short may end in the middle of an echoed key: that start of it goes too.
  const evidence = scrubCut(body.truncated ? Evidence.scrubTail(text, secrets) : text, limit, secrets)
  const serverMessage = firstWhere(messages, isDefined)
  const meta: CatalogueEntry = catalogue[tag]
  const described = text.trim().length === 0
    ? `${Evidence.statusLine(status)} (empty body)`
    : parsed.root === undefined
    ? `${Evidence.statusLine(status)}: ${Evidence.snippetOf(evidence)}`
    : undefined
  const message = serverMessage ?? meta.fixedMessage ?? described ??
    (meta.code !== undefined ? meta.meaning : `${Evidence.statusLine(status)}: ${meta.meaning}`)

  const rawCode = firstWhere(codes, isSentCode)
  // A body cut short: the string the cut fell in (marked `...`) may end in the middle of an echoed key.
  const cut: <A>(fact: A) => A = body.truncated ? (fact) => cutFact(fact, secrets) : identityFact
  const requestId = scrubOptional(cut(requestIdOf(parsed, rawHeaders)), fieldLimits.requestId, secrets)
  const code = tag === "UnknownGatewayError" ? scrubCode(cut(rawCode), secrets) : undefined
  // Only the fields that have a value, in this order (the error's own keys keep it), written one by one rather
  // than as a literal then compacted: one object, not two.
  const props: { -readonly [K in keyof ErrorFields<A>]: ErrorFields<A>[K] } = {
    status,
    message: scrubCut(cut(message), fieldLimits.message, secrets)
  }
  if (code !== undefined) props.code = code
  if (requestId !== undefined) props.requestId = requestId
  const errorTypeText = scrubOptional(cut(errorType), fieldLimits.errorType, secrets)
  if (errorTypeText !== undefined) props.errorType = errorTypeText
  const retryAfterMillis = retryAfterOf(rawHeaders, parsed, options.now ?? Date.now())
  if (retryAfterMillis !== undefined) props.retryAfterMillis = retryAfterMillis
  const shouldRetry = shouldRetryOf(rawHeaders)
  if (shouldRetry !== undefined) props.shouldRetry = shouldRetry
  if (evidence.length > 0 && limit > 0) props.body = evidence.length > limit ? evidence.slice(0, limit) : evidence
  if (evidence.length > limit || body.truncated) props.bodyTruncated = true
  const bodyBase64 = bodyBase64Of(body, limit, secrets)
  if (bodyBase64 !== undefined) props.bodyBase64 = bodyBase64
  props.headers = Evidence.redactHeaders(rawHeaders, secrets)
  if (options.method !== undefined) props.method = options.method
  if (options.url !== undefined) props.url = Evidence.redactUrl(capUrl(options.url), secrets)
  if (options.attempts !== undefined) {
    const last: { -readonly [K in keyof AttemptFields]: AttemptFields[K] } = {
      attempt: options.attempts.length + 1,
      tag,
      status
    }
    const attemptCode = tag === "UnknownGatewayError" ? code : meta.code
    if (attemptCode !== undefined) last.code = attemptCode
    if (requestId !== undefined) last.requestId = requestId
    props.attempts = [...options.attempts, last]
  }
  return { tag, fields: props }
}

const identityFact = <A>(fact: A): A => fact

/**
 * A fact read from a body cut short: a string that ends where the cut fell (the scanner marks it `...`) has that
 * end scrubbed as a text cut short (`Evidence.scrubTail`), its mark kept.
 */
const cutFact = <A>(fact: A, secrets: ReadonlyArray<string>): A => {
  if (typeof fact !== "string") return fact
  const marked = fact.endsWith("...")
  const head = marked ? fact.slice(0, -3) : fact
  const scrubbed = Evidence.scrubTail(head, secrets)
  return (scrubbed === head ? fact : marked ? `${scrubbed}...` : scrubbed) as A
}

const readStatus = (response: ErrorResponse): number => {
  try {
    return typeof response.status === "number" && Number.isFinite(response.status) ? Math.trunc(response.status) : 0
  } catch {
    return 0
  }
}

const describeThrown = (cause: unknown): string => {
  try {
    // `String` of the message too: a thrown Error's `message` can be anything (a number, an object).
    return String(cause instanceof Error ? cause.message : cause)
  } catch {
    return "an exception that could not be printed"
  }
}

/**
 * The error for a response `classifyError` could not read (a hostile input: a getter that throws): an
 * `UnknownGatewayError` with the status if it can be read and the thrown text, scrubbed and capped like every
 * other. Never throws.
 *
 * @since 1.0.0
 * @category decoding
 * @internal
 */
export const unreadableError = (
  response: ErrorResponse,
  cause: unknown,
  secrets: ReadonlyArray<string>
): Classified<never> => ({
  tag: "UnknownGatewayError",
  fields: {
    status: readStatus(response),
    message: scrubCut(`the error response could not be read: ${describeThrown(cause)}`, fieldLimits.message, secrets)
  }
})
