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
