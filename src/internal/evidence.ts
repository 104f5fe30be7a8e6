/**
 * Turning what came over the wire into evidence an error can carry: headers
 * normalised and redacted, bodies as capped text, secrets scrubbed.
 *
 * @internal
 */
import * as Redacted from "effect/Redacted"

/** Header names whose values never leave this module unredacted. */
const secretHeaderNames: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "api-key",
  "x-goog-api-key",
  "cookie",
  "set-cookie"
])

/** Query parameters that carry keys (Gemini's native `?key=` among them). */
const secretQueryNames: ReadonlySet<string> = new Set(["key", "api_key", "apikey", "access_token", "token"])

/** @internal */
export const redactedText = "<redacted>"

/** @internal */
export type HeadersInput =
  | Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  | { forEach(callback: (value: string, key: string) => void): void }
  | Iterable<readonly [string, string]>

const isIterable = (u: object): u is Iterable<readonly [string, string]> => Symbol.iterator in u

/** Lower-cased names, multi-valued headers joined with ", ". Never throws. */
export const normalizeHeaders = (input: HeadersInput | undefined): Record<string, string> => {
  const out: Record<string, string> = {}
  if (input === undefined || input === null || typeof input !== "object") return out
  const add = (key: unknown, value: unknown): void => {
    if (typeof key !== "string") return
    const name = key.toLowerCase()
    const text = Array.isArray(value)
      ? value.filter((v) => typeof v === "string").join(", ")
      : typeof value === "string"
      ? value
      : typeof value === "number"
      ? String(value)
      : undefined
    if (text === undefined) return
    out[name] = out[name] === undefined ? text : `${out[name]}, ${text}`
  }
  try {
    if ("forEach" in input && typeof input.forEach === "function" && !Array.isArray(input)) {
      ;(input as { forEach(cb: (value: string, key: string) => void): void }).forEach((value, key) => add(key, value))
    } else if (isIterable(input)) {
      for (const pair of input) {
        if (Array.isArray(pair)) add(pair[0], pair[1])
      }
    } else {
      for (const [key, value] of Object.entries(input)) add(key, value)
    }
  } catch {
    // A hostile headers object (a throwing getter) yields what was read so far.
  }
  return out
}

/** Secrets as plain strings, for scrubbing; short strings are ignored so that scrubbing cannot eat ordinary text. */
export const secretTexts = (
  secrets: ReadonlyArray<string | Redacted.Redacted<string>> | undefined
): ReadonlyArray<string> =>
  secrets === undefined
    ? []
    : secrets
      .map((s) => (Redacted.isRedacted(s) ? Redacted.value(s) : s))
      .filter((s): s is string => typeof s === "string" && s.length >= 8)

/** Replaces every occurrence of every secret. */
export const scrub = (text: string, secrets: ReadonlyArray<string>): string => {
  let out = text
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(redactedText)
  }
  return out
}

/** Headers with secret values replaced and secrets scrubbed from the rest. */
export const redactHeaders = (
  headers: Record<string, string>,
  secrets: ReadonlyArray<string>
): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    out[name] = secretHeaderNames.has(name) ? redactedText : scrub(value, secrets)
  }
  return out
}

/** A URL with secret query parameters replaced; text that is not a URL is only scrubbed. */
export const redactUrl = (url: string, secrets: ReadonlyArray<string>): string => {
  // Without a query there is no parameter to redact: no need to parse (this runs on every call).
  if (!url.includes("?")) return scrub(url, secrets)
  try {
    const parsed = new URL(url)
    let changed = false
    for (const name of [...parsed.searchParams.keys()]) {
      if (secretQueryNames.has(name.toLowerCase())) {
        parsed.searchParams.set(name, redactedText)
        changed = true
      }
    }
    return scrub(changed ? parsed.toString() : url, secrets)
  } catch {
    return scrub(url, secrets)
  }
}

/** Bodies larger than this are kept as evidence but not parsed as JSON. */
export const maxParseBytes = 1_048_576

const labelOfBom = (bytes: Uint8Array): string | undefined => {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return "utf-8"
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return "utf-16le"
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return "utf-16be"
  return undefined
}

const charsetOf = (contentType: string | undefined): string | undefined => {
  if (contentType === undefined) return undefined
  const match = /charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType)
  return match?.[1]
}

/** One decoder per label: a TextDecoder used without `stream` keeps no state between calls. */
const decoders = new Map<string, TextDecoder>()

const decoderFor = (label: string): TextDecoder => {
  const key = label.toLowerCase()
  let decoder = decoders.get(key)
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(key)
    } catch {
      // An unknown charset label: UTF-8, with replacement characters where it does not fit.
      decoder = decoderFor("utf-8")
    }
    // Bounded: labels come from servers, so only the few that name a real encoding are kept.
    if (decoders.size < 64) decoders.set(key, decoder)
  }
  return decoder
}

/** Bytes to text: BOM first, then the declared charset, else UTF-8; invalid sequences become U+FFFD. */
export const bytesToText = (bytes: Uint8Array, contentType: string | undefined): string => {
  const label = labelOfBom(bytes) ?? charsetOf(contentType) ?? "utf-8"
  return decoderFor(label).decode(bytes)
}

/** The body as text plus whether it is small enough to parse. */
export const bodyText = (
  body: unknown,
  contentType: string | undefined,
  limit: number
): { readonly text: string; readonly parseable: boolean } => {
  if (body === undefined || body === null) return { text: "", parseable: false }
  if (typeof body === "string") {
    const text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body
    return { text, parseable: text.length <= maxParseBytes }
  }
  const bytes = body instanceof Uint8Array
    ? body
    : body instanceof ArrayBuffer
    ? new Uint8Array(body)
    : ArrayBuffer.isView(body)
    ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
    : undefined
  if (bytes === undefined) {
    // Already-parsed JSON handed in by a caller: keep it as JSON text.
    try {
      const text = JSON.stringify(body)
      return typeof text === "string" ? { text, parseable: text.length <= maxParseBytes } : { text: "", parseable: false }
    } catch {
      return { text: "", parseable: false }
    }
  }
  if (bytes.byteLength > maxParseBytes) {
    // Too large to be an error envelope: keep the head as evidence only.
    return { text: bytesToText(bytes.subarray(0, Math.max(limit * 4, 4)), contentType), parseable: false }
  }
  return { text: bytesToText(bytes, contentType), parseable: true }
}

/** A short human-readable snippet of a non-JSON body (tags stripped, whitespace collapsed). */
export const snippetOf = (text: string, max = 200): string => {
  const plain = text.slice(0, 8 * max).replace(/<(?!redacted>)[^>]*>/g, " ").replace(/\s+/g, " ").trim()
  return plain.length > max ? `${plain.slice(0, max)}...` : plain
}

const statusTexts: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Entity",
  424: "Failed Dependency",
  429: "Too Many Requests",
  499: "Client Closed Request",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  529: "Overloaded"
}

/** `HTTP 502 Bad Gateway`. */
export const statusLine = (status: number): string => {
  const text = statusTexts[status]
  return text === undefined ? `HTTP ${status}` : `HTTP ${status} ${text}`
}

/** The request id a response's headers carry, under any of the common names. */
export const requestIdFromHeaders = (headers: Record<string, string>): string | undefined => {
  for (const name of ["x-request-id", "request-id", "x-trace-id", "trace-id"]) {
    const value = headers[name]
    if (value !== undefined && value.trim().length > 0) return value
  }
  return undefined
}
