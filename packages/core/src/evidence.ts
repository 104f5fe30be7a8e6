/**
 * Turning what came over the wire into evidence an error can carry: headers
 * normalised and redacted, bodies as capped text, secrets scrubbed.
 *
 * @internal
 */

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

/** One header into `out`: its name lower-cased, a multi-valued one joined with ", ", a repeated one appended. */
const addHeader = (out: Record<string, string>, key: unknown, value: unknown): void => {
  if (typeof key !== "string") return
  const text = typeof value === "string"
    ? value
    : Array.isArray(value)
    ? value.filter((v) => typeof v === "string").join(", ")
    : typeof value === "number"
    ? String(value)
    : undefined
  if (text === undefined) return
  const name = key.toLowerCase()
  const seen = out[name]
  out[name] = seen === undefined ? text : `${seen}, ${text}`
}

/** Lower-cased names, multi-valued headers joined with ", ". Never throws. */
export const normalizeHeaders = (input: HeadersInput | undefined): Record<string, string> => {
  const out: Record<string, string> = {}
  if (input === undefined || input === null || typeof input !== "object") return out
  try {
    if ("forEach" in input && typeof input.forEach === "function" && !Array.isArray(input)) {
      ;(input as { forEach(cb: (value: string, key: string) => void): void }).forEach((value, key) =>
        addHeader(out, key, value)
      )
    } else if (isIterable(input)) {
      for (const pair of input) {
        if (Array.isArray(pair)) addHeader(out, pair[0], pair[1])
      }
    } else {
      // A record (a platform's `Headers` is one, without a prototype): its own enumerable string keys, as
      // `Object.entries` gives them, without the array of pairs.
      const record = input as Readonly<Record<string, unknown>>
      for (const key in record) if (Object.hasOwn(record, key)) addHeader(out, key, record[key])
    }
  } catch {
    // A hostile headers object (a throwing getter) yields what was read so far.
  }
  return out
}

/** Whether a secret can be scrubbed: an empty or whitespace-only string would match between every letter. */
const isScrubbable = (s: unknown): s is string => typeof s === "string" && s.trim().length > 0

/** Secrets as plain strings, for scrubbing; empty and whitespace-only strings are dropped (they cannot be keys). */
export const secretTexts = (
  secrets: ReadonlyArray<string> | undefined
): ReadonlyArray<string> => secrets === undefined ? [] : secrets.filter(isScrubbable)

const regexEscape = (text: string): string => text.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&")

const hexCaseless = (hex: string): string =>
  hex.replace(/[a-f]/gi, (h) => `[${h.toLowerCase()}${h.toUpperCase()}]`)

const utf8Encoder = new TextEncoder()

/**
 * Every way one character of a secret may be written in an echo: itself in either case, percent-encoded (its
 * UTF-8 bytes, any hex case), a JSON escape (`\u0061`, `\/`, `\"`, `\\`), an HTML character reference, `+` for a
 * space. Case is spelled out rather than left to the `i` flag, so that the base64 forms stay case-sensitive in the
 * same expression.
 */
const characterForms = (char: string): string => {
  const variants = new Set([char, char.toLowerCase(), char.toUpperCase()].filter((c) => c.length === char.length))
  const forms: Array<string> = [...variants].map(regexEscape)
  for (const variant of variants) {
    const bytes = utf8Encoder.encode(variant)
    forms.push(Array.from(bytes, (b) => "%" + hexCaseless(b.toString(16).padStart(2, "0"))).join(""))
    let escaped = ""
    for (let i = 0; i < variant.length; i++) {
      const unit = variant.charCodeAt(i)
      escaped += "\\\\[uU]" + hexCaseless(unit.toString(16).padStart(4, "0"))
    }
    forms.push(escaped)
    const point = variant.codePointAt(0)!
    forms.push(`&#0*${point};`, `&#[xX]0*${hexCaseless(point.toString(16))};`)
  }
  if (char === "/" || char === "\"" || char === "\\") forms.push(regexEscape("\\" + char))
  if (char === " ") forms.push("\\+")
  return forms.length === 1 ? forms[0]! : `(?:${forms.join("|")})`
}

/**
 * The secret's characters in any of their forms, a NUL allowed between two of them: UTF-16 (LE or BE) without a BOM
 * decoded as UTF-8 interleaves NULs with ASCII.
 */
const textForms = (secret: string): string => Array.from(secret, characterForms).join("\\x00?")

const base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

const base64 = (bytes: Uint8Array): string => {
  let out = ""
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    out += base64Alphabet[(n >> 18) & 63]! + base64Alphabet[(n >> 12) & 63]! + base64Alphabet[(n >> 6) & 63]! +
      base64Alphabet[n & 63]!
  }
  return out
}

/** The shortest base64 run recognised: shorter runs of a short key would match ordinary text by chance. */
export const minBase64Run = 6

/**
 * The base64 runs that any base64 text holding the secret's UTF-8 bytes must contain, whatever came before and
 * after it: one per alignment (0, 1 or 2 bytes before it in its group of three), standard and url-safe. Only the
 * characters that depend on the secret's bytes alone are kept; the one or two at each edge, which mix in the
 * neighbours' bits, are left (they carry at most 4 bits of the secret each).
 */
const base64Forms = (secret: string): ReadonlyArray<string> => {
  const bytes = utf8Encoder.encode(secret)
  const runs = new Set<string>()
  for (let offset = 0; offset < 3; offset++) {
    const padded = new Uint8Array(offset + bytes.length)
    padded.set(bytes, offset)
    const encoded = base64(padded)
    const run = encoded.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + bytes.length) * 8) / 6))
    if (run.length >= minBase64Run) {
      runs.add(run)
      runs.add(run.replace(/\+/g, "-").replace(/\//g, "_"))
    }
  }
  return [...runs]
}

/**
 * One expression per set of secrets, longest alternatives first, compiled once and kept, with the length of the
 * shortest text it can match: every text form of a secret has at least one code unit per character of it, and
 * the base64 forms are fixed runs, so a shorter text (most header values, a request id) is returned without
 * running the expression.
 */
interface Scrubber {
  readonly regex: RegExp
  readonly shortest: number
}

const scrubbers = new Map<string, Scrubber | undefined>()

const scrubberFor = (secrets: ReadonlyArray<string>): Scrubber | undefined => {
  const cacheKey = secrets.length === 1 ? secrets[0]! : JSON.stringify(secrets)
  const cached = scrubbers.get(cacheKey)
  if (cached !== undefined || scrubbers.has(cacheKey)) return cached
  const usable = [...new Set(secrets.filter(isScrubbable))].sort((a, b) => b.length - a.length)
  let shortest = Number.MAX_SAFE_INTEGER
  const alternatives = usable.flatMap((secret) => {
    const runs = base64Forms(secret)
    shortest = Math.min(shortest, Array.from(secret).length, ...runs.map((run) => run.length))
    return [...runs.map(regexEscape), textForms(secret)]
  })
  const scrubber = alternatives.length === 0
    ? undefined
    : { regex: new RegExp(alternatives.join("|"), "g"), shortest }
  // Bounded: one entry per key in use; a process that rotates through many keys starts over.
  if (scrubbers.size >= 64) scrubbers.clear()
  scrubbers.set(cacheKey, scrubber)
  return scrubber
}

/**
 * Replaces every occurrence of every secret, in every form a server plausibly echoes it (see `textForms`,
 * `base64Forms`), in one pass over the text. Empty and whitespace-only secrets are ignored.
 */
export const scrub = (text: string, secrets: ReadonlyArray<string>): string => {
  if (secrets.length === 0 || text.length === 0) return text
  const scrubber = scrubberFor(secrets)
  return scrubber === undefined || text.length < scrubber.shortest ? text : text.replace(scrubber.regex, redactedText)
}

/**
 * The shortest end of a text cut short that `scrubTail` takes for the start of a secret (a shorter one is as
 * likely ordinary text, and says little of a key beyond its public prefix).
 *
 * @since 1.0.0
 * @category scrubbing
 * @internal
 */
export const minSecretTail = 4

/**
 * A text cut short (what came of a body before its read failed, or of an event before the body ended) with its
 * end redacted when that end is the start of a secret: a server that echoes the key, cut in the middle of it,
 * would otherwise show most of it, which `scrub` (whole secrets only) does not catch. Run only on a text cut
 * short, before `scrub`.
 *
 * @since 1.0.0
 * @category scrubbing
 * @internal
 */
export const scrubTail = (text: string, secrets: ReadonlyArray<string>): string => {
  let cut = text.length
  for (const secret of secrets) {
    if (!isScrubbable(secret)) continue
    for (let n = Math.min(secret.length - 1, text.length); n >= Math.min(minSecretTail, secret.length - 1) && n > 0; n--) {
      if (text.endsWith(secret.slice(0, n))) {
        cut = Math.min(cut, text.length - n)
        break
      }
    }
  }
  return cut === text.length ? text : text.slice(0, cut) + redactedText
}

/**
 * Text is cut to its limit plus this margin before it is scrubbed, and to its limit after (by `construct`):
 * scrubbing stays bounded by the limit, and a secret that straddles the first cut is cut away by the second.
 */
export const scrubMargin = 16_384

/** The text cut to `max` plus `scrubMargin`, then scrubbed: for any field `construct` then caps to `max`. */
export const scrubCut = (text: string, max: number, secrets: ReadonlyArray<string>): string =>
  scrub(text.length > max + scrubMargin ? text.slice(0, max + scrubMargin) : text, secrets)

/** Headers with secret values replaced and secrets scrubbed from the rest. */
export const redactHeaders = (
  headers: Record<string, string>,
  secrets: ReadonlyArray<string>
): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const name in headers) {
    if (!Object.hasOwn(headers, name)) continue
    // A header's name can echo the key as well as its value.
    out[scrub(name, secrets)] = secretHeaderNames.has(name) ? redactedText : scrub(headers[name]!, secrets)
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

/** Bodies larger than this are not given to `JSON.parse`: they are scanned (`boundedBody.ts`). */
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

/** The encoding a body declares: its BOM, else the content type's charset; undefined when neither says. */
export const encodingOf = (bytes: Uint8Array, contentType: string | undefined): string | undefined =>
  labelOfBom(bytes) ?? charsetOf(contentType)

/** Bytes to text: BOM first, then the declared charset, else UTF-8; invalid sequences become U+FFFD. */
export const bytesToText = (bytes: Uint8Array, contentType: string | undefined): string => {
  return decoderFor(encodingOf(bytes, contentType) ?? "utf-8").decode(bytes)
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
