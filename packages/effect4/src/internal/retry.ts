/**
 * The attempts of a call: the loop that retries a failed attempt as the policy says (the server's hints first,
 * through `SkyRetry.delayFor`), the log of the attempts that failed (every error of the call lists them), and the
 * call's span with the attributes it ends with.
 *
 * @internal
 */
import * as Channel from "effect/Channel"
import * as Clock from "effect/Clock"
import type * as Duration from "effect/Duration"
import * as Exit from "effect/Exit"
import * as Effect from "effect/Effect"
import * as References from "effect/References"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import * as Facts from "../../../core/src/callEvidence.js"
import * as SkyError from "../SkyError.js"
import * as SkyRetry from "../SkyRetry.js"
import type { Call } from "./request.js"

/**
 * Every failed attempt of a call and the wait after it.
 *
 * @internal
 */
export interface AttemptLog {
  readonly attempts: ReadonlyArray<SkyError.Attempt>
  readonly failed: (error: SkyError.SkyError) => void
  readonly waited: (wait: Duration.Duration) => void
}

/**
 * An empty attempt log. A class, so that a call makes no closures for it (one object per call).
 *
 * @internal
 */
export const makeLog = (): AttemptLog => new Log()

class Log implements AttemptLog {
  attempts: ReadonlyArray<SkyError.Attempt> = []
  // An error of an attempt lists the attempts so far, its own last: that list is the log from now on.
  failed(error: SkyError.SkyError): void {
    if (error.attempts !== undefined && error.attempts.length > this.attempts.length) this.attempts = error.attempts
  }
  waited(wait: Duration.Duration): void {
    const attempts = this.attempts
    const last = attempts[attempts.length - 1]
    if (last !== undefined) this.attempts = [...attempts.slice(0, -1), { ...last, wait }]
  }
}

/**
 * The attributes a failed call's span gets.
 *
 * @internal
 */
export const failureAttributes = (error: SkyError.SkyError, attempts: number): Record<string, unknown> =>
  Facts.failureAttributes(
    { _tag: error._tag, code: SkyError.codeOf(error), requestId: error.requestId, status: error.status },
    attempts
  )

/**
 * The options of a call's span: a client span whose attributes are scrubbed of the key.
 *
 * @internal
 */
export const spanOptions = (call: Call): Tracer.SpanOptions => ({
  kind: "client",
  // The name and attributes say where the span is; capturing a stack per call costs ~10 µs.
  captureStackTrace: false,
  attributes: Facts.spanAttributes(
    call.endpoint.operation,
    call.endpoint.method,
    call.endpoint.path,
    call.endpoint.model,
    call.secretTexts
  )
})

/**
 * A call of one value in its span `SkyClient.<operation>`: `once(attempt, span)` runs each attempt (numbered from
 * 1), and a failed attempt is retried while the policy allows it and the error is retryable. The span is held
 * directly: the status, the attempt count and a failure's attributes are set on it in place.
 *
 * @internal
 */
export const retried = <A>(
  call: Call,
  once: (attempt: number, span: Tracer.Span) => Effect.Effect<A, SkyError.SkyError>
): Effect.Effect<A, SkyError.SkyError> =>
  Effect.suspend(() => {
    // The span ends with the call's exit; a success ends it as `Exit.void`, never with the answer, which holds
    // whatever the server sent (a server may echo the key), and a tracer may render the exit.
    let answer: A
    return Effect.map(
      attempts(call, once, (value) => {
        answer = value
      }),
      () => answer
    )
  })

const attempts = <A>(
  call: Call,
  once: (attempt: number, span: Tracer.Span) => Effect.Effect<A, SkyError.SkyError>,
  keep: (value: A) => void
): Effect.Effect<void, SkyError.SkyError> =>
  Effect.useSpan(`SkyClient.${call.endpoint.operation}`, spanOptions(call), (span) => {
    const log = call.log
    const policy = call.policy
    let attempt = 0
    const next = Effect.suspend(() => {
      attempt += 1
      return once(attempt, span)
    })
    // The policy's decisions are made only when an attempt fails: a first attempt that succeeds pays nothing.
    const from = (retries: number): Effect.Effect<A, SkyError.SkyError> =>
      Effect.catch(next, (error) => {
        log.failed(error)
        if (retries >= policy.maxRetries || !SkyError.isRetryable(error)) {
          for (const [key, value] of Object.entries(failureAttributes(error, attempt))) span.attribute(key, value)
          return Effect.fail(error)
        }
        return Effect.flatMap(SkyRetry.delayFor(policy, retries, error), (wait) => {
          log.waited(wait)
          return Effect.andThen(Effect.sleep(wait), from(retries + 1))
        })
      })
    // The span as the parent of everything the attempts do, and nothing else: `Effect.withParentSpan` would also
    // set a stack frame, which makes the runtime annotate every failure inside the call (a copy of its
    // annotations each time it is re-raised: a 429 crosses ~6 such steps) and capture a stack per call.
    return Effect.provideService(
      Effect.map(from(0), (value) => {
        span.attribute("sky.attempts", attempt)
        keep(value)
      }),
      Tracer.ParentSpan,
      span
    )
  })

/**
 * A streamed call in its span `SkyClient.<operation>`: `once(attempt, span)` opens each attempt (numbered from 1);
 * a failed attempt is retried as the policy says, but only while nothing has reached the caller (`call.emitted`,
 * set by the attempt when it emits).
 *
 * One `Stream.catch` per attempt and the span held directly, not `Stream.withSpan` and a stage per attempt that
 * notes its first element: `Stream.withSpan` provides `ParentSpan` to the stream below it around every pull
 * (`Channel.provideService`), and each stage is paid per pull too (small against a chunk's decoding: see
 * `bench/findings.md`, the stream). The attempt gives the span to its opening request only. The span ends when the stream does (`Channel.acquireUseRelease`, as
 * `Stream.withSpan`).
 *
 * @internal
 */
export const retriedStream = <A>(
  call: Call,
  once: (attempt: number, span: Tracer.Span) => Stream.Stream<A, SkyError.SkyError>
): Stream.Stream<A, SkyError.SkyError> =>
  Stream.fromChannel(Channel.acquireUseRelease(
    Effect.makeSpan(`SkyClient.${call.endpoint.operation}`, spanOptions(call)),
    (span) => {
      const log = call.log
      const policy = call.policy
      let attempt = 0
      const from = (retries: number): Stream.Stream<A, SkyError.SkyError> =>
        // Only this attempt's failure is caught here: the retry's own failure goes out as it is.
        Stream.catch(
          Stream.suspend(() => {
            attempt += 1
            call.emitted = false
            return once(attempt, span)
          }),
          (error) => {
            log.failed(error)
            if (call.emitted === true || retries >= policy.maxRetries || !SkyError.isRetryable(error)) {
              for (const [key, value] of Object.entries(failureAttributes(error, attempt))) span.attribute(key, value)
              return Stream.fail(error)
            }
            return Stream.unwrap(Effect.map(SkyRetry.delayFor(policy, retries, error), (wait) => {
              log.waited(wait)
              return Stream.concat(Stream.drain(Stream.fromEffect(Effect.sleep(wait))), from(retries + 1))
            }))
          }
        )
      return from(0).channel
    },
    (span, exit) =>
      Clock.clockWith((clock) =>
        Effect.withFiber((fiber) => {
          if (span.status._tag !== "Ended") {
            const now = fiber.getRef(References.TracerTimingEnabled) ? clock.currentTimeNanosUnsafe() : BigInt(0)
            // A failure as it is; a success as `Exit.void`, never a value (a tracer may render the exit).
            span.end(now, Exit.isSuccess(exit) ? Exit.void : exit)
          }
          return Effect.void
        })
      )
  ))
