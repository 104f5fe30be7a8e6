/**
 * The deadline of one attempt (`abortingDeadline`), and the moving deadline of a stream (`movingDeadline`).
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Moving from "../../../core/src/movingDeadline.js"
import { timeoutProblem } from "../../../core/src/requestChecks.js"

/** The live clock's class: Effect 4's `Clock` has no scheduler to ask, so a timer is set only under it. */
const LiveClock = Clock.Clock.defaultValue().constructor


/**
 * The deadline of one attempt, kept by aborting its request rather than by a second fiber: the attempt runs in
 * a `Scope` of its own, to which the transport ties the request's `AbortSignal` (`Request.transport`, through
 * `HttpClient.withScope`). When `duration` passes, the scope closes: the request (or the read of its body) is
 * aborted and fails, and that failure becomes `onTimeout()`. Nothing is forked (a fiber per attempt costs more
 * CPU than the rest of the client's own work). Every `effect/http` client passes the signal on to its I/O
 * (fetch, undici, node:http); a custom `HttpClient.make` must do the same.
 *
 * The scope also closes when the attempt is interrupted (the caller's interruption aborts the socket and stays
 * an interruption); an attempt that ends otherwise has read its whole body, or released what it left unread. The
 * timer is a plain `setTimeout` on the live clock; under any other clock (the `TestClock`) it is a detached fiber
 * sleeping on that clock, so that tests move the deadline with virtual time. An infinite duration is no deadline.
 *
 * @internal
 */
export const abortingDeadline = <A, E>(
  self: Effect.Effect<A, E, Scope.Scope>,
  duration: Duration.Duration,
  onTimeout: () => E
): Effect.Effect<A, E> =>
  Effect.clockWith((clock) =>
    Effect.uninterruptibleMask((restore) => {
      const scope = Scope.makeUnsafe()
      let timedOut = false
      const cancel = startTimer(clock, duration, () => {
        timedOut = true
        closeNow(scope)
      })
      // `Scope.provide` puts the scope in the fiber's own context, put back when the attempt ends (no copy).
      return Effect.flatMap(Effect.exit(restore(Scope.provide(self, scope))), (exit) => {
        cancel()
        if (Exit.isSuccess(exit)) return exit
        if (timedOut) return Cause.hasInterruptsOnly(exit.cause) ? exit : Effect.fail(onTimeout())
        // An interrupted attempt may have a request in flight: aborted. A failed one has read what it meant to
        // read (a body cut short was released by its stream's end), and aborting costs an exception object.
        return Cause.hasInterrupts(exit.cause) ? Effect.andThen(Scope.close(scope, exit), exit) : exit
      })
    }))

/**
 * Closes `scope` from outside any fiber: its finalizers (the request's abort) run at once.
 *
 * @internal
 */
export const closeNow = (scope: Scope.Closeable): void => {
  const finalizers = Scope.closeUnsafe(scope, Exit.void)
  if (finalizers !== undefined) Effect.runSync(finalizers)
}

const noTimer = (): void => {}

/**
 * The moving deadline of a stream (core's `movingDeadline`) on `clock`: its time, and its timer (`startTimer`: a
 * plain timer on the live clock, a fiber on the TestClock).
 *
 * @internal
 */
export const movingDeadline = (clock: Clock.Clock, due: () => number, fire: () => void): Moving.MovingDeadline =>
  Moving.movingDeadline(
    { now: () => clock.currentTimeMillisUnsafe(), start: (millis, callback) => startTimer(clock, Duration.millis(millis), callback) },
    due,
    fire
  )

/**
 * Calls `fire` once `duration` has passed on `clock`; gives what cancels it. The live clock's is a plain timer;
 * any other clock's (the `TestClock`) a detached fiber sleeping on it.
 */
const startTimer = (clock: Clock.Clock, duration: Duration.Duration, fire: () => void): () => void => {
  if (!Duration.isFinite(duration)) return noTimer
  if (clock.constructor === LiveClock) {
    return Moving.plainTimer(Duration.toMillis(duration), fire)
  }
  const fiber = Effect.runFork(Effect.andThen(clock.sleep(duration), Effect.sync(fire)))
  return () => fiber.interruptUnsafe()
}

/**
 * The length in milliseconds of a duration option as this line reads it (`Infinity` for `Duration.infinity`), or
 * undefined when it is not a duration: what core's `retryOptionsProblem` checks.
 *
 * @since 2.0.0
 * @category deadlines
 * @internal
 */
export const optionMillis = (input: unknown): number | undefined => {
  const decoded = Duration.fromInput(input as Duration.Input)
  return decoded._tag === "None" ? undefined : Duration.toMillis(decoded.value)
}

/**
 * A timeout option (`name`: `timeout`, `streamTimeout`) read: the duration (`fallback` when absent), or why it is
 * refused (core's `timeoutProblem`: zero, negative, NaN, or not a duration; `Duration.infinity` is no deadline).
 * O(1): it runs per call when a call sets its own timeout.
 *
 * @since 2.0.0
 * @category deadlines
 * @internal
 */
export const timeoutOr = (
  input: Duration.Input | undefined,
  fallback: Duration.Duration,
  name: string
): Duration.Duration | string => {
  if (input === undefined) return fallback
  const decoded = Duration.fromInput(input)
  if (decoded._tag === "None") return timeoutProblem(name, undefined) ?? fallback
  return timeoutProblem(name, Duration.toMillis(decoded.value)) ?? decoded.value
}

/**
 * A duration from an option, or `fallback` when the option is absent, not a duration, or negative.
 *
 * @internal
 */
export const durationOr = (input: Duration.Input | undefined, fallback: Duration.Duration): Duration.Duration => {
  if (input === undefined) return fallback
  const decoded = Duration.fromInput(input)
  return decoded._tag === "Some" && !Duration.isNegative(decoded.value) ? decoded.value : fallback
}
