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
  if (u === null || u === undefined || u === "" || u === 0 || u === false) return false
  if (Array.isArray(u)) return u.some(isMeaningful)
  if (isRecord(u)) return Object.values(u).some(isMeaningful)
  return true
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
