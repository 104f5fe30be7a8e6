/**
 * The retry policy: which errors are retried, and how long to wait before each
 * retry. The wait follows the server's hint (`retry-after-ms`, `retry-after`)
 * up to a cap, and otherwise backs off exponentially with jitter.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleInterval from "effect/ScheduleInterval"
import * as SkyError from "./SkyError.js"
import * as RetryMath from "../packages/core/src/retryPolicy.js"
import { durationOr } from "./internal/deadline.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface RetryPolicy {
  /** Retries after the first attempt; 0 turns retries off. Default 2. */
  readonly maxRetries: number
  /** The first backoff wait. Default 0.5 s. */
  readonly initialDelay: Duration.Duration
  /** The longest backoff wait. Default 8 s. */
  readonly maxDelay: Duration.Duration
  /** The share of a backoff wait that jitter may take off, 0..1. Default 0.25. */
  readonly jitter: number
  /**
   * The longest a server's `retry-after` may make the client wait. A longer
   * hint is cut to this cap. Default 60 s.
   */
  readonly maxRetryAfter: Duration.Duration
}

/**
 * The policy's settings as a caller writes them: any subset, durations in any
 * `DurationInput` form.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryOptions {
  readonly maxRetries?: number | undefined
  readonly initialDelay?: Duration.DurationInput | undefined
  readonly maxDelay?: Duration.DurationInput | undefined
  readonly jitter?: number | undefined
  readonly maxRetryAfter?: Duration.DurationInput | undefined
}

/**
 * The defaults of the official SDKs: 2 retries, 0.5 s doubling to 8 s, up to
 * 25 % jitter, server hints obeyed up to 60 s.
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaultPolicy: RetryPolicy = {
  maxRetries: RetryMath.defaults.maxRetries,
  initialDelay: Duration.millis(RetryMath.defaults.initialDelayMillis),
  maxDelay: Duration.millis(RetryMath.defaults.maxDelayMillis),
  jitter: RetryMath.defaults.jitter,
  maxRetryAfter: Duration.millis(RetryMath.defaults.maxRetryAfterMillis)
}

/**
 * A policy from options laid over a base (default: `defaultPolicy`). It is
 * total: a bad value (a negative, fractional, NaN or infinite `maxRetries`, a
 * `jitter` outside 0..1, a negative or unreadable duration) falls back to the
 * base's. The client does not let such a value reach it: `make`, `layer` and
 * `layerConfig` refuse it with a `ConfigError`, and a call's own with an
 * `InvalidRequest` (core's `retryOptionsProblem`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const policy = (options: RetryOptions | undefined, base: RetryPolicy = defaultPolicy): RetryPolicy => ({
  maxRetries: RetryMath.maxRetriesOr(options?.maxRetries, base.maxRetries),
  initialDelay: durationOr(options?.initialDelay, base.initialDelay),
  maxDelay: durationOr(options?.maxDelay, base.maxDelay),
  jitter: RetryMath.jitterOr(options?.jitter, base.jitter),
  maxRetryAfter: durationOr(options?.maxRetryAfter, base.maxRetryAfter)
})

/**
 * The wait before retry number `retry + 1` (so `retry` is 0 before the first
 * retry) after `error`: the server's hint capped at `maxRetryAfter`, else
 * `initialDelay * 2^retry` capped at `maxDelay`, less up to `jitter` of it.
 *
 * @since 0.1.0
 * @category waits
 */
export const delayFor = (
  policy: RetryPolicy,
  retry: number,
  error: SkyError.SkyError
): Effect.Effect<Duration.Duration> => {
  const waits: RetryMath.Waits = {
    initialDelayMillis: Duration.toMillis(policy.initialDelay),
    maxDelayMillis: Duration.toMillis(policy.maxDelay),
    jitter: policy.jitter,
    maxRetryAfterMillis: Duration.toMillis(policy.maxRetryAfter)
  }
  const hint = error.retryAfter === undefined ? undefined : Duration.toMillis(error.retryAfter)
  // Random is drawn only when the wait is jittered, so that a hint or a jitter of 0 gives the same wait every time.
  return hint === undefined && policy.jitter > 0
    ? Effect.map(Random.next, (r) => Duration.millis(RetryMath.waitMillis(waits, retry, undefined, () => r)))
    : Effect.succeed(Duration.millis(RetryMath.waitMillis(waits, retry, hint, () => 0)))
}

/**
 * The policy as a `Schedule` over the errors of a call: it continues while the
 * error is retryable (`SkyError.isRetryable`, so `x-should-retry` decides when
 * the server sent it) and retries remain, waits `delayFor`, and outputs the
 * wait it chose (`None` on the step where it stops).
 *
 * @since 0.1.0
 * @category schedules
 */
export const schedule = (
  policy: RetryPolicy
): Schedule.Schedule<Option.Option<Duration.Duration>, SkyError.SkyError> =>
  Schedule.makeWithState(0, (now: number, error: SkyError.SkyError, retries: number) =>
    retries >= policy.maxRetries || !SkyError.isRetryable(error)
      ? Effect.succeed([retries, Option.none(), ScheduleDecision.done] as const)
      : Effect.map(delayFor(policy, retries, error), (wait) =>
        [
          retries + 1,
          Option.some(wait),
          ScheduleDecision.continueWith(ScheduleInterval.after(now + Duration.toMillis(wait)))
        ] as const))
