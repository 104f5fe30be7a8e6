import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Exit, Fiber, Supervisor, TestClock } from "effect"
import { deadline } from "../src/internal/deadline.js"
import { SkyError } from "../src/index.js"

const timedOut = (): SkyError.SkyError => new SkyError.RequestTimeout({ message: "deadline passed" })

/** Counts every fiber started under it. */
class ForkCounter extends Supervisor.AbstractSupervisor<number> {
  count = 0
  get value(): Effect.Effect<number> {
    return Effect.sync(() => this.count)
  }
  override onStart(): void {
    this.count += 1
  }
}

/** A live clock whose scheduler records what the deadline asks of it; `fire` runs the pending task now. */
const recordingClock = Effect.map(Effect.clock, (live) => {
  const record = { scheduled: 0, cancelled: 0, pending: undefined as (() => void) | undefined }
  const timers: Clock.ClockScheduler = {
    unsafeSchedule: (task) => {
      record.scheduled += 1
      record.pending = task
      return () => {
        record.cancelled += 1
        record.pending = undefined
        return true
      }
    }
  }
  const clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    currentTimeMillis: live.currentTimeMillis,
    currentTimeNanos: live.currentTimeNanos,
    unsafeCurrentTimeMillis: () => live.unsafeCurrentTimeMillis(),
    unsafeCurrentTimeNanos: () => live.unsafeCurrentTimeNanos(),
    sleep: (d: Duration.Duration) => live.sleep(d),
    scheduler: () => Effect.succeed(timers)
  } satisfies Clock.Clock & { scheduler: () => Effect.Effect<Clock.ClockScheduler> }
  return { clock: clock as Clock.Clock, record }
})

describe("deadline", () => {
  it.live("on the live clock forks one fiber per deadline (Effect.timeoutFail forks two)", () =>
    Effect.gen(function*() {
      const counter = new ForkCounter()
      const value = yield* Effect.supervised(deadline(Effect.succeed(1), Duration.seconds(5), timedOut), counter)
      expect(value).toBe(1)
      expect(counter.count).toBe(1)
      const fallback = new ForkCounter()
      yield* Effect.supervised(Effect.timeoutFail(Effect.succeed(1), { duration: Duration.seconds(5), onTimeout: timedOut }), fallback)
      expect(fallback.count).toBe(2)
    }))

  it.live("uses the clock's scheduler: one timer per attempt, cancelled when the work ends first", () =>
    Effect.gen(function*() {
      const { clock, record } = yield* recordingClock
      const value = yield* Effect.withClock(deadline(Effect.succeed("done"), Duration.seconds(5), timedOut), clock)
      expect(value).toBe("done")
      expect(record).toMatchObject({ scheduled: 1, cancelled: 1, pending: undefined })
      const failure = yield* Effect.withClock(
        Effect.flip(deadline(Effect.fail(timedOut()), Duration.seconds(5), () => new SkyError.ConnectionError({ message: "wrong" }))),
        clock
      )
      expect(failure.message).toBe("deadline passed")
      expect(record).toMatchObject({ scheduled: 2, cancelled: 2 })
    }))

  it.live("when the timer fires, the work is interrupted and has stopped before the deadline's error is returned", () =>
    Effect.gen(function*() {
      const { clock, record } = yield* recordingClock
      let stopped = false
      const work = Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => {
        stopped = true
      })))
      const fiber = yield* Effect.fork(Effect.withClock(deadline(work, Duration.seconds(5), timedOut), clock))
      for (let i = 0; record.pending === undefined && i < 1_000; i++) yield* Effect.yieldNow()
      expect(record.pending).toBeDefined()
      yield* Effect.sync(() => record.pending!())
      const exit = yield* Fiber.await(fiber)
      expect(stopped).toBe(true)
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error._tag : exit).toBe("RequestTimeout")
    }))

  it.live("a caller's interruption interrupts the work, cancels the timer and stays an interruption", () =>
    Effect.gen(function*() {
      const { clock, record } = yield* recordingClock
      let stopped = false
      const work = Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => {
        stopped = true
      })))
      const fiber = yield* Effect.fork(Effect.withClock(deadline(work, Duration.seconds(5), timedOut), clock))
      for (let i = 0; record.pending === undefined && i < 1_000; i++) yield* Effect.yieldNow()
      expect(record.pending).toBeDefined()
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(stopped).toBe(true)
      expect(record.cancelled).toBe(1)
    }))

  it.live("on the live clock a deadline that passes fails with its error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(deadline(Effect.never, Duration.millis(20), timedOut))
      expect(error._tag).toBe("RequestTimeout")
    }))

  it.effect("the TestClock (no scheduler) gets Effect.timeoutFail, driven by virtual time", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(deadline(Effect.never, Duration.seconds(30), timedOut)))
      yield* TestClock.adjust(Duration.seconds(31))
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("RequestTimeout")
    }))
})
