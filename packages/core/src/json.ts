/**
 * Small predicates over parsed JSON, shared by the surfaces, the wire codec and the double.
 *
 * @internal
 */

/** A JSON object (not an array, not null). */
export const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * Whether a value carries anything: the gateway fills every union field with Go zero values (`""`, `0`,
 * `null`, objects of those), which mean "absent".
 */
export const isMeaningful = (u: unknown): boolean => {
  // An explicit stack, not recursion: a value built elsewhere than `parseJson` may be nested without bound.
  const pending: Array<unknown> = [u]
  while (pending.length > 0) {
    const value = pending.pop()
    if (value === null || value === undefined || value === "" || value === 0 || value === false) continue
    if (Array.isArray(value)) {
      for (const item of value) pending.push(item)
    } else if (isRecord(value)) {
      for (const key in value) pending.push(value[key])
    } else {
      return true
    }
  }
  return false
}

/** A non-empty string. */
export const nonEmpty = (u: unknown): u is string => typeof u === "string" && u.length > 0

/** The object without its undefined members, so that optional fields are absent rather than undefined. */
export const compact = <A extends Record<string, unknown>>(a: A): A => {
  const out: Record<string, unknown> = {}
  for (const key in a) if (a[key] !== undefined) out[key] = a[key]
  return out as A
}

/** An in-stream error payload: an object whose `error` is a non-empty string or a meaningful object. */
export const hasErrorField = (value: unknown): boolean =>
  isRecord(value) && (nonEmpty(value.error) || (isRecord(value.error) && isMeaningful(value.error)))

/**
 * The deepest nesting of arrays and objects the client accepts in JSON from the wire. Real answers nest a few
 * dozen levels; the bound keeps every walk over a parsed value (decoding, folding, printing an error, a caller's
 * own `JSON.stringify`) far from the stack's limit.
 */
export const maxJsonDepth = 512

/**
 * Whether a JSON text nests arrays and objects at most `limit` deep, by one iterative scan that stops as soon as
 * it passes the limit (brackets inside strings do not count).
 */
const depthWithin = (text: string, limit: number): boolean => {
  // JSON that nests deeper than `limit` opens and closes `limit + 1` brackets: at least `2 * limit + 2`
  // characters. A shorter text is within the limit or is not JSON, which JSON.parse refuses; so an event of
  // ordinary size (a chat chunk is a few hundred characters) is never scanned.
  if (text.length < 2 * limit + 2) return true
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // a backslash escapes the next character
      else if (c === 34) inString = false
    } else if (c === 34) {
      inString = true
    } else if (c === 91 || c === 123) {
      if (++depth > limit) return false
    } else if (c === 93 || c === 125) {
      depth--
    }
  }
  return true
}

/** Why a wire text was not taken as JSON. */
export interface JsonProblem {
  readonly message: string
}

/** The result of `parseJson`: the value, or why there is none. */
export type ParsedJson =
  | { readonly _tag: "Right"; readonly value: unknown }
  | { readonly _tag: "Left"; readonly problem: JsonProblem }

/**
 * Why `parseJsonValue` found no JSON value. A class, so that it is told from any parsed value by `instanceof`
 * (`JSON.parse` never makes an instance of a class).
 */
export class NotJson implements JsonProblem {
  constructor(readonly message: string) {}
}

/**
 * The one way the client parses JSON from the wire: `JSON.parse`, after an iterative scan that rejects nesting
 * deeper than `maxJsonDepth`. It never throws. The value itself, or a `NotJson`: nothing is allocated around a
 * value, as this runs once per stream event.
 */
export const parseJsonValue = (text: string): unknown => {
  if (!depthWithin(text, maxJsonDepth)) return new NotJson(`JSON nested deeper than ${maxJsonDepth} levels`)
  try {
    return JSON.parse(text) as unknown
  } catch (cause) {
    return new NotJson(`not JSON: ${cause instanceof Error ? cause.message : String(cause)}`)
  }
}

/** `parseJsonValue` as a tagged result. */
export const parseJson = (text: string): ParsedJson => {
  const value = parseJsonValue(text)
  return value instanceof NotJson ? { _tag: "Left", problem: value } : { _tag: "Right", value }
}
