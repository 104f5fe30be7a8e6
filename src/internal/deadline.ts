/**
 * Durations of the options, and the deadline of one attempt.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type * as SkyError from "../SkyError.js"

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
 * `Effect.timeoutFail` without its cost on the live clock: the work runs in one
 * forked fiber whose exit is taken as it is (no race of two fibers, no merge of
 * fiber refs), and the deadline is a timer of the clock's own scheduler (one
 * fiber forked per attempt instead of two). A caller's interruption interrupts
 * the work and stays an interruption; a passed deadline interrupts the work and
 * waits for it to stop before failing, as `Effect.timeoutFail` does. A clock
 * without a scheduler (the TestClock has none) gets `Effect.timeoutFail` itself,
 * so tests drive deadlines with virtual time.
 *
 * @internal
 */
export const deadline = <A, E = SkyError.SkyError>(
  self: Effect.Effect<A, E>,
  duration: Duration.Duration,
  onTimeout: () => E
): Effect.Effect<A, E> =>
  Effect.clockWith((clock) => {
    const scheduler = (clock as Partial<SchedulingClock>).scheduler
    if (typeof scheduler !== "function" || !Duration.isFinite(duration)) {
      return Effect.timeoutFail(self, { duration, onTimeout })
    }
    return Effect.flatMap(scheduler.call(clock), (timers) => withTimer(self, timers, duration, onTimeout))
  })

/** The live clock's `scheduler()`, which `Clock.Clock` does not declare. */
interface SchedulingClock {
  scheduler(): Effect.Effect<Clock.ClockScheduler>
}

const withTimer = <A, E>(
  self: Effect.Effect<A, E>,
  timers: Clock.ClockScheduler,
  duration: Duration.Duration,
  onTimeout: () => E
): Effect.Effect<A, E> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(Effect.fork(restore(self)), (fiber) =>
      Effect.onInterrupt(
        restore(Effect.async<A, E>((resume) => {
          let settled = false
          const cancel = timers.unsafeSchedule(() => {
            if (settled) return
            settled = true
            resume(Effect.zipRight(Fiber.interrupt(fiber), Effect.fail(onTimeout())))
          }, duration)
          fiber.addObserver((exit) => {
            if (settled) return
            settled = true
            cancel()
            resume(exit)
          })
          return Effect.sync(() => {
            settled = true
            cancel()
          })
        })),
        () => Fiber.interrupt(fiber)
      )))
