/**
 * The deadline of one attempt (or of one wait in a stream).
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"

/** The live clock's class: Effect 4's `Clock` has no scheduler to ask, so a timer is set only under it. */
const LiveClock = Clock.Clock.defaultValue().constructor

/** The longest delay `setTimeout` takes. */
const maxTimerMillis = 2 ** 31 - 1

/**
 * `Effect.timeoutOrElse` without its cost on the live clock: the work runs in one forked fiber whose exit is
 * taken as it is (no race of two fibers), and the deadline is one `setTimeout` (Effect 4's `Clock` has no
 * `unsafeSchedule`). A caller's interruption interrupts the work and stays an interruption; a passed deadline
 * interrupts the work and waits for it to stop before failing, as `Effect.timeoutOrElse` does. Any other clock
 * (the `TestClock`) gets `Effect.timeoutOrElse` itself, so tests drive deadlines with virtual time. An infinite
 * duration is no deadline.
 *
 * @internal
 */
export const deadline = <A, E, R = never>(
  self: Effect.Effect<A, E, R>,
  duration: Duration.Duration,
  onTimeout: () => E
): Effect.Effect<A, E, R> => {
  if (!Duration.isFinite(duration)) return self
  return Effect.clockWith((clock) => {
    const millis = Duration.toMillis(duration)
    if (clock.constructor !== LiveClock || millis > maxTimerMillis) {
      return Effect.timeoutOrElse(self, { duration, orElse: () => Effect.fail(onTimeout()) })
    }
    return withTimer(self, millis, onTimeout)
  })
}

const withTimer = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  millis: number,
  onTimeout: () => E
): Effect.Effect<A, E, R> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(Effect.forkChild(restore(self)), (fiber) =>
      Effect.onInterrupt(
        restore(Effect.callback<A, E>((resume) => {
          let settled = false
          const timer = setTimeout(() => {
            if (settled) return
            settled = true
            resume(Effect.andThen(Fiber.interrupt(fiber), Effect.fail(onTimeout())))
          }, millis)
          const unobserve = fiber.addObserver((exit) => {
            if (settled) return
            settled = true
            clearTimeout(timer)
            resume(exit)
          })
          return Effect.sync(() => {
            settled = true
            clearTimeout(timer)
            unobserve()
          })
        })),
        () => Fiber.interrupt(fiber)
      )))

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

/** Closes `scope` from outside any fiber: its finalizers (the request's abort) run at once. */
const closeNow = (scope: Scope.Closeable): void => {
  const finalizers = Scope.closeUnsafe(scope, Exit.void)
  if (finalizers !== undefined) Effect.runSync(finalizers)
}

const noTimer = (): void => {}

/**
 * Calls `fire` once `duration` has passed on `clock`; gives what cancels it. The live clock's is a plain timer;
 * any other clock's (the `TestClock`) a detached fiber sleeping on it.
 */
const startTimer = (clock: Clock.Clock, duration: Duration.Duration, fire: () => void): () => void => {
  if (!Duration.isFinite(duration)) return noTimer
  if (clock.constructor === LiveClock) {
    const millis = Duration.toMillis(duration)
    if (millis > maxTimerMillis) return noTimer
    const timer = setTimeout(fire, millis)
    return () => clearTimeout(timer)
  }
  const fiber = Effect.runFork(Effect.andThen(clock.sleep(duration), Effect.sync(fire)))
  return () => fiber.interruptUnsafe()
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
