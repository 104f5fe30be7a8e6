/**
 * The retry policy's arithmetic, in milliseconds: the defaults, how a caller's numbers are read, and the wait before
 * a retry. Each line wraps it in its own `Duration`, `Random` and `Schedule` (`SkyRetry`).
 *
 * @internal
 */

/** The defaults of the official SDKs: 2 retries, 0.5 s doubling to 8 s, up to 25 % jitter, hints obeyed up to 60 s. */
export const defaults = {
  maxRetries: 2,
  initialDelayMillis: 500,
  maxDelayMillis: 8_000,
  jitter: 0.25,
  maxRetryAfterMillis: 60_000
} as const

/** A caller's retry count: a finite number >= 0, floored; anything else is the fallback. */
export const maxRetriesOr = (n: number | undefined, fallback: number): number =>
  n !== undefined && Number.isFinite(n) && n >= 0 ? Math.floor(n) : fallback

/** A caller's jitter: a share in 0..1; anything else is the fallback. */
export const jitterOr = (jitter: number | undefined, fallback: number): number =>
  jitter !== undefined && jitter >= 0 && jitter <= 1 ? jitter : fallback

/**
 * A caller's retry options as the client receives them, before any reading: a duration in any form a line's
 * `Duration` takes.
 *
 * @since 1.0.0
 * @category checks
 * @internal
 */
export interface RetryInputs {
  readonly maxRetries?: number | undefined
  readonly initialDelay?: unknown
  readonly maxDelay?: unknown
  readonly jitter?: number | undefined
  readonly maxRetryAfter?: unknown
}

/**
 * A retry option refused: its name (`maxRetries`, `retry.jitter`, ...) and why, in words that name it.
 *
 * @since 1.0.0
 * @category checks
 * @internal
 */
export interface RetryProblem {
  readonly option: string
  readonly reason: string
}

/** A duration input that is negative or NaN as written (Effect 3's decoder reads such an input as zero). */
const negativeInput = (input: unknown): boolean =>
  typeof input === "number"
    ? !(input >= 0)
    : typeof input === "bigint"
    ? input < BigInt(0)
    : typeof input === "string"
    ? /^\s*-/.test(input)
    : Array.isArray(input) && input.some((n) => typeof n === "number" && !(n >= 0))

/**
 * Why a retry duration (`option`: `retry.initialDelay`, `retry.maxDelay`, `retry.maxRetryAfter`, or a
 * configuration variable) is refused, or undefined: `millis` is its length as the line decoded it (`Infinity` for
 * `Duration.infinity`, allowed), `undefined` when `input` is not a duration at all. Negative and NaN are refused,
 * whether as written or as decoded; zero is allowed (no wait).
 *
 * @since 1.0.0
 * @category checks
 * @internal
 */
export const retryDurationProblem = (option: string, input: unknown, millis: number | undefined): string | undefined =>
  millis === undefined
    ? `${option} is not a duration (a number of milliseconds, a Duration, or text such as "2 seconds")`
    : millis >= 0 && !negativeInput(input)
    ? undefined
    : `${option} must be 0 or more (negative and NaN are refused; Duration.infinity is allowed)`

const maxRetriesReason = (option: string): string =>
  `${option} must be a whole number, 0 or more (0 turns retries off)`

const jitterReason = (option: string): string =>
  `${option} must be a number from 0 to 1 (the share of a backoff wait that jitter may take off)`

const isCount = (n: unknown): boolean => typeof n === "number" && Number.isInteger(n) && n >= 0

const durationOption = (
  option: string,
  input: unknown,
  millisOf: (input: unknown) => number | undefined
): RetryProblem | undefined => {
  if (input === undefined) return undefined
  const reason = retryDurationProblem(option, input, millisOf(input))
  return reason === undefined ? undefined : { option, reason }
}

/**
 * The first of a caller's retry options that is refused, or undefined: `maxRetries` (the client's or a call's own)
 * and `retry.maxRetries` must be whole numbers, 0 or more (Infinity is refused); `retry.jitter` a number from 0 to
 * 1; the durations as `retryDurationProblem` (`millisOf` decodes one with the line's `Duration`). Absent options are
 * not checked. O(1): it runs per call only when a call sets retry options.
 *
 * @since 1.0.0
 * @category checks
 * @internal
 */
export const retryOptionsProblem = (
  maxRetries: unknown,
  retry: RetryInputs | undefined,
  millisOf: (input: unknown) => number | undefined
): RetryProblem | undefined => {
  if (maxRetries !== undefined && !isCount(maxRetries)) {
    return { option: "maxRetries", reason: maxRetriesReason("maxRetries") }
  }
  if (retry === undefined) return undefined
  if (retry.maxRetries !== undefined && !isCount(retry.maxRetries)) {
    return { option: "retry.maxRetries", reason: maxRetriesReason("retry.maxRetries") }
  }
  if (retry.jitter !== undefined && !(typeof retry.jitter === "number" && retry.jitter >= 0 && retry.jitter <= 1)) {
    return { option: "retry.jitter", reason: jitterReason("retry.jitter") }
  }
  return durationOption("retry.initialDelay", retry.initialDelay, millisOf) ??
    durationOption("retry.maxDelay", retry.maxDelay, millisOf) ??
    durationOption("retry.maxRetryAfter", retry.maxRetryAfter, millisOf)
}

/** The policy as `waitMillis` reads it. */
export interface Waits {
  readonly initialDelayMillis: number
  readonly maxDelayMillis: number
  readonly jitter: number
  readonly maxRetryAfterMillis: number
}

/**
 * The wait before retry number `retry + 1` (`retry` is 0 before the first retry): the server's hint capped at
 * `maxRetryAfterMillis`, else `initialDelayMillis * 2^retry` capped at `maxDelayMillis`, less up to `jitter` of it
 * (`random` in [0, 1) picks how much; unused without jitter).
 */
export const waitMillis = (
  waits: Waits,
  retry: number,
  retryAfterMillis: number | undefined,
  random: () => number
): number => {
  if (retryAfterMillis !== undefined) return Math.min(retryAfterMillis, waits.maxRetryAfterMillis)
  const backoff = Math.min(waits.initialDelayMillis * Math.pow(2, retry), waits.maxDelayMillis)
  return waits.jitter === 0 ? backoff : Math.round(backoff * (1 - waits.jitter * random()))
}
