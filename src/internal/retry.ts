/**
 * The attempts of a call: the loop that retries a failed attempt as the policy says, the log of the attempts
 * that failed (every error of the call lists them), and the call's span with the attributes it ends with.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type * as Tracer from "effect/Tracer"
import * as Facts from "../../packages/core/src/callEvidence.js"
import * as SkyError from "../SkyError.js"
import * as SkyRetry from "../SkyRetry.js"
import { type Call, sendingAs } from "./request.js"

/** Every failed attempt of a call and the wait after it. */
export interface AttemptLog {
  readonly attempts: ReadonlyArray<SkyError.Attempt>
  readonly failed: (error: SkyError.SkyError) => void
  readonly waited: (wait: Option.Option<Duration.Duration>) => void
}

/** A class, not a closure per call: its methods are shared, so a call allocates one small object. */
class Log implements AttemptLog {
  attempts: ReadonlyArray<SkyError.Attempt> = []
  // An error of an attempt lists the attempts so far, its own last: that list is the log from now on.
  failed(error: SkyError.SkyError): void {
    if (error.attempts !== undefined && error.attempts.length > this.attempts.length) this.attempts = error.attempts
  }
  waited(wait: Option.Option<Duration.Duration>): void {
    const attempts = this.attempts
    const last = attempts[attempts.length - 1]
    if (last !== undefined && Option.isSome(wait)) this.attempts = [...attempts.slice(0, -1), { ...last, wait: wait.value }]
  }
}

export const makeLog = (): AttemptLog => new Log()

/** The attributes a failed call's span gets. */
const failureAttributes = (error: SkyError.SkyError, attempts: number): Record<string, unknown> =>
  Facts.failureAttributes(
    { _tag: error._tag, code: SkyError.codeOf(error), requestId: error.requestId, status: error.status },
    attempts
  )

export const spanOptions = (call: Call) => ({
  kind: "client" as const,
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
 * 1), and a failed attempt is retried while the policy allows it and the error is retryable.
 *
 * The span is held directly (what `Effect.withSpan` does, without looking it up again for every annotation): the
 * status, the attempt count and a failure's attributes are set on it in place.
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
    let attempt = 0
    const next = Effect.suspend(() => {
      attempt += 1
      return once(attempt, span)
    })
    // The policy's decisions (`SkyRetry.schedule`'s) are made only when an attempt fails: a call whose
    // first attempt succeeds builds no schedule driver.
    const policy = call.policy
    let retries = 0
    const attempts: Effect.Effect<A, SkyError.SkyError> = Effect.catchAll(next, (error) => {
      log.failed(error)
      if (retries >= policy.maxRetries || !SkyError.isRetryable(error)) {
        for (const [key, value] of Object.entries(failureAttributes(error, attempt))) span.attribute(key, value)
        return Effect.fail(error)
      }
      return Effect.flatMap(SkyRetry.delayFor(policy, retries, error), (wait) => {
        log.waited(Option.some(wait))
        retries += 1
        return Effect.zipRight(Effect.sleep(wait), attempts)
      })
    })
    return sendingAs(
      Effect.map(attempts, (value) => {
        span.attribute("sky.attempts", attempt)
        keep(value)
      }),
      span
    )
  })

/**
 * A streamed call in its span `SkyClient.<operation>`: `once(attempt, span)` opens each attempt (numbered from 1);
 * a failed attempt is retried as the policy says, but only while nothing has reached the caller
 * (`call.emitted`, set by the attempt when it emits).
 *
 * One `catchAll` per attempt and the span held directly, not `Stream.retry` and `Stream.withSpan`: each of those
 * provides a service to the whole stream below it, which its channel pays on every pull (together ~19 % of the
 * CPU per chunk of a 10,000-chunk stream, `bench/ab.ts stream`). The policy's decisions are `SkyRetry.delayFor`'s,
 * as for a call of one value.
 */
export const retriedStream = <A>(
  call: Call,
  once: (attempt: number, span: Tracer.Span) => Stream.Stream<A, SkyError.SkyError>
): Stream.Stream<A, SkyError.SkyError> =>
  Stream.unwrapScoped(Effect.map(
    Effect.makeSpanScoped(`SkyClient.${call.endpoint.operation}`, spanOptions(call)),
    (span) => {
      const log = call.log
      const policy = call.policy
      let attempt = 0
      let retries = 0
      const attempts = (): Stream.Stream<A, SkyError.SkyError> =>
        Stream.catchAll(
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
              log.waited(Option.some(wait))
              retries += 1
              return Stream.concat(Stream.drain(Stream.fromEffect(Effect.sleep(wait))), attempts())
            }))
          }
        )
      return attempts()
    }
  ))
