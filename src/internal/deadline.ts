/**
 * Durations of the options, and the deadline of one attempt.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Context from "effect/Context"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Moving from "../../packages/core/src/movingDeadline.js"
import { timeoutProblem } from "../../packages/core/src/requestChecks.js"

/**
 * A duration from any input, or the fallback when the input is absent or
 * unreadable (a string such as `"soon"` that slipped past the types): a bad
 * setting never becomes a defect.
 *
 * @internal
 */
export const durationOr = (input: Duration.DurationInput | undefined, fallback: Duration.Duration): Duration.Duration =>
  input === undefined ? fallback : Option.getOrElse(Duration.decodeUnknown(input), () => fallback)

/**
 * The length in milliseconds of a duration option as this line reads it (`Infinity` for `Duration.infinity`), or
 * undefined when it is not a duration: what core's `retryOptionsProblem` checks. Effect 3 reads a negative or NaN
 * input as zero; core looks at the input itself for those.
 *
 * @since 0.2.0
 * @category deadlines
 * @internal
 */
export const optionMillis = (input: unknown): number | undefined => {
  const decoded = Duration.decodeUnknown(input)
  return Option.isNone(decoded) ? undefined : Duration.toMillis(decoded.value)
}

/**
 * A timeout option (`name`: `timeout`, `streamTimeout`) read: the duration (`fallback` when absent), or why it is
 * refused (core's `timeoutProblem`: zero, negative, NaN, or not a duration; `Duration.infinity` is no deadline).
 * O(1): it runs per call when a call sets its own timeout.
 *
 * @since 0.2.0
 * @category deadlines
 * @internal
 */
export const timeoutOr = (
  input: Duration.DurationInput | undefined,
  fallback: Duration.Duration,
  name: string
): Duration.Duration | string => {
  if (input === undefined) return fallback
  const decoded = Duration.decodeUnknown(input)
  if (Option.isNone(decoded)) return timeoutProblem(name, undefined) ?? fallback
  return timeoutProblem(name, Duration.toMillis(decoded.value)) ?? decoded.value
}

/**
 * The deadline of one attempt, kept by aborting its request rather than by a second fiber: the attempt runs in
 * a `Scope` of its own, to which the transport ties the request's `AbortSignal` (`Request.transport`, through
 * `HttpClient.withScope`). When `duration` passes, the scope closes: the request (or the read of its body) is
 * aborted and fails, and that failure becomes `onTimeout()`. Nothing is forked: on Effect 3 a fiber per call
 * cost more CPU than the rest of the client's own work (bench/findings.md). Every `@effect/platform` client
 * passes the signal on to its I/O (fetch, undici, node:http); a custom `HttpClient.make` must do the same.
 *
 * The scope also closes when the attempt is interrupted (the caller's interruption aborts the socket and stays
 * an interruption); an attempt that ends otherwise has read its whole body, or released what it left unread.
 * The timer is the live clock's own; under any other clock (the TestClock) it is a fiber sleeping on that clock,
 * so that tests move the deadline with virtual time.
 *
 * @internal
 */
export const abortingDeadline = <A, E>(
  self: Effect.Effect<A, E, Scope.Scope>,
  duration: Duration.Duration,
  onTimeout: () => E
): Effect.Effect<A, E> =>
  Effect.clockWith((clock) =>
    Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(Scope.make(), (scope) =>
        Effect.withFiberRuntime<A, E>((runtime) => {
          // The attempt's scope goes in the fiber's context in place (one copy of its refs, not `provideService`'s
          // `locally`), and the context is put back when the attempt ends.
          const fiber = runtime as unknown as SettableFiber
          const context = fiber.getFiberRef(FiberRef.currentContext)
          fiber.setFiberRef(FiberRef.currentContext, Context.add(context, Scope.Scope, scope))
          let timedOut = false
          const cancel = startTimer(clock, duration, () => {
            timedOut = true
            Effect.runSync(Scope.close(scope, Exit.void))
          })
          return Effect.flatMap(Effect.exit(restore(self as Effect.Effect<A, E>)), (exit) => {
            fiber.setFiberRef(FiberRef.currentContext, context)
            cancel()
            if (Exit.isSuccess(exit)) return exit
            if (timedOut) return Cause.isInterruptedOnly(exit.cause) ? exit : Effect.fail(onTimeout())
            // An interrupted attempt may have a request in flight: aborted. A failed one has read what it meant to
            // read (a body cut short was released by its stream's end), and aborting costs an exception object.
            return Cause.isInterrupted(exit.cause) ? Effect.zipRight(Scope.close(scope, exit), exit) : exit
          })
        }))))

/**
 * The running fiber as Effect's runtime has it (`FiberRuntime`): it sets its own refs in place.
 *
 * @internal
 */
export interface SettableFiber {
  getFiberRef<A>(ref: FiberRef.FiberRef<A>): A
  setFiberRef<A>(ref: FiberRef.FiberRef<A>, value: A): void
}

const noTimer = (): void => {}

/** The live clock's `scheduler()`, which `Clock.Clock` does not declare: how a live clock is told from others. */
interface SchedulingClock {
  scheduler(): Effect.Effect<Clock.ClockScheduler>
}

/**
 * The moving deadline of a stream (core's `movingDeadline`) on `clock`: its time, and its timer (`startTimer`: a
 * plain timer on the live clock, a fiber on the TestClock).
 *
 * @internal
 */
export const movingDeadline = (clock: Clock.Clock, due: () => number, fire: () => void): Moving.MovingDeadline =>
  Moving.movingDeadline(
    { now: () => clock.unsafeCurrentTimeMillis(), start: (millis, callback) => startTimer(clock, Duration.millis(millis), callback) },
    due,
    fire
  )

/**
 * Calls `fire` once `duration` has passed on `clock`; gives what cancels it. The live clock's is a plain timer;
 * any other clock's (the TestClock) a fiber sleeping on it.
 */
const startTimer = (clock: Clock.Clock, duration: Duration.Duration, fire: () => void): () => void => {
  if (!Duration.isFinite(duration)) return noTimer
  if (typeof (clock as Partial<SchedulingClock>).scheduler === "function") {
    return Moving.plainTimer(Duration.toMillis(duration), fire)
  }
  const fiber = Effect.runFork(Effect.zipRight(clock.sleep(duration), Effect.sync(fire)))
  return () => fiber.unsafeInterruptAsFork(fiber.id())
}

