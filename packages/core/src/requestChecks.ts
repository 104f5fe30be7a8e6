/**
 * What a request must be before it is sent: a base URL that is one, header names and values a transport can
 * write, and an API key that can go in a header. Plain TypeScript, no Effect: both lines check with these.
 *
 * @internal
 */
import { redactUrl } from "./evidence.js"

/**
 * The base URL checked once: its origin, or why it cannot be used.
 *
 * @internal
 */
export type BaseUrl =
  | { readonly _tag: "Valid"; readonly origin: string }
  | { readonly _tag: "Invalid"; readonly reason: string }

/**
 * The base URL checked once: an absolute http(s) URL, or why it cannot be used (the key scrubbed from it).
 *
 * @internal
 */
export const baseUrlOf = (baseUrl: string, secrets: ReadonlyArray<string>): BaseUrl => {
  const shown = redactUrl(baseUrl, secrets)
  let parsed: URL
  try {
    parsed = new URL(baseUrl)
  } catch {
    return { _tag: "Invalid", reason: `the base URL ${JSON.stringify(shown)} is not a valid URL` }
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return { _tag: "Invalid", reason: `the base URL ${JSON.stringify(shown)} is not an http or https URL` }
  }
  return { _tag: "Valid", origin: parsed.origin }
}

/** An HTTP token (RFC 9110): what a header name may be. */
const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** A line break or NUL ends a header on the wire; text beyond Latin-1 cannot be written as header bytes. */
const unsendableValue = /[\r\n\0]|[^\u0000-\u00ff]/

/**
 * Why one header cannot be sent, or undefined. Only the header's name is named (a value may hold the key); the
 * caller scrubs the name too.
 *
 * @since 1.0.0
 * @category checks
 * @internal
 */
export const headerProblem = (name: string, value: unknown): string | undefined => {
  if (!token.test(name)) return `the header name ${JSON.stringify(name)} is not an HTTP token`
  if (typeof value !== "string") return `the header ${name} has a value that is not a string`
  const bad = unsendableValue.exec(value)
  if (bad === null) return undefined
  return `the value of the header ${name} ${
    bad[0] === "\r" || bad[0] === "\n" ? "holds a line break" : bad[0] === "\0" ? "holds a NUL" : "holds text outside Latin-1"
  }`
}

/**
 * Why a header cannot be sent, or undefined: each own header (what a spread, and so the request, carries; an own
 * `__proto__` included) as `headerProblem` judges it.
 *
 * @internal
 */
export const headersProblem = (headers: Readonly<Record<string, string>>): string | undefined => {
  for (const name of Object.keys(headers)) {
    const problem = headerProblem(name, headers[name])
    if (problem !== undefined) return problem
  }
  return undefined
}

/** Control characters: C0, DEL and C1. */
const control = /[\u0000-\u001f\u007f-\u009f]/

/**
 * Why an API key is refused when the client is built, or undefined: empty, only whitespace, or holding a control
 * character (a line break would split the header). The reason never shows the key.
 *
 * @internal
 */
export const apiKeyProblem = (key: string): string | undefined => {
  if (key.length === 0) return "the API key is empty"
  if (key.trim().length === 0) return "the API key is only whitespace"
  const bad = control.exec(key)
  if (bad !== null) {
    return `the API key holds a control character (U+${
      bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")
    } at index ${bad.index})`
  }
  return undefined
}

/**
 * Why a timeout option (`name`: `timeout`, `streamTimeout`) is refused, or undefined: `millis` is its length (`Infinity`
 * for `Duration.infinity`, no deadline), `undefined` when the input is not a duration at all. Zero, negative and
 * NaN are refused: a timeout that has always passed is a mistake, not "no deadline". O(1): it runs per call when a
 * call sets its own timeout.
 *
 * @since 1.0.0
 * @category checks
 * @internal
 */
export const timeoutProblem = (name: string, millis: number | undefined): string | undefined =>
  millis === undefined
    ? `${name} is not a duration (a number of milliseconds, a Duration, or text such as "90 seconds"; Duration.infinity means no deadline)`
    : millis > 0
    ? undefined
    : `${name} must be positive (Duration.infinity means no deadline)`

/** An absolute URL (a scheme and `//`): a path that can leave the base URL's origin. */
const absolute = /^[a-z][a-z0-9+.-]*:\/\//i

/**
 * Whether a request path is an absolute URL rather than a path under the base URL.
 *
 * @internal
 */
export const isAbsolute = (path: string): boolean => absolute.test(path)

/**
 * A path joined to the base URL (an absolute URL is kept as it is: the caller checks its origin).
 *
 * @internal
 */
export const joinUrl = (base: string, path: string): string =>
  isAbsolute(path) ? path : `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`

/**
 * The origin of a URL, or undefined when it is not one.
 *
 * @internal
 */
export const originOfUrl = (url: string): string | undefined => {
  try {
    return new URL(url).origin
  } catch {
    return undefined
  }
}
