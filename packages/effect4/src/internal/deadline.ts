/**
 * The deadline of one attempt (or of one wait in a stream).
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"

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
export const deadline = <A, E>(
  self: Effect.Effect<A, E>,
  duration: Duration.Duration,
  onTimeout: () => E
): Effect.Effect<A, E> => {
  if (!Duration.isFinite(duration)) return self
  return Effect.clockWith((clock) => {
    const millis = Duration.toMillis(duration)
    if (clock.constructor !== LiveClock || millis > maxTimerMillis) {
      return Effect.timeoutOrElse(self, { duration, orElse: () => Effect.fail(onTimeout()) })
    }
    return withTimer(self, millis, onTimeout)
  })
}

const withTimer = <A, E>(
  self: Effect.Effect<A, E>,
  millis: number,
  onTimeout: () => E
): Effect.Effect<A, E> =>
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
 * A duration from an option, or `fallback` when the option is absent, not a duration, or negative.
 *
 * @internal
 */
export const durationOr = (input: Duration.Input | undefined, fallback: Duration.Duration): Duration.Duration => {
  if (input === undefined) return fallback
  const decoded = Duration.fromInput(input)
  return decoded._tag === "Some" && !Duration.isNegative(decoded.value) ? decoded.value : fallback
}
