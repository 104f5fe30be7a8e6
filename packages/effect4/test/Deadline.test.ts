import { describe, expect, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber } from "effect"
import * as TestClock from "effect/testing/TestClock"
import { deadline, durationOr } from "../src/internal/deadline.js"
import { SkyError } from "../src/index.js"

const timedOut = (): SkyError.SkyError => new SkyError.RequestTimeout({ message: "deadline passed" })

// ---------------------------------------------------------------------------
// The deadline
// ---------------------------------------------------------------------------

describe("the deadline", () => {
  it.live("on the live clock: a passed deadline interrupts the work, waits for it, then fails", () =>
    Effect.gen(function*() {
      const events: Array<string> = []
      const error = yield* Effect.flip(deadline(
        Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => events.push("interrupted")))),
        Duration.millis(30),
        () => "late"
      ))
      expect(error).toBe("late")
      expect(events).toEqual(["interrupted"])
    }))

  it.live("on the live clock: work that ends in time gives its exit as it is", () =>
    Effect.gen(function*() {
      expect(yield* deadline(Effect.succeed(1), Duration.seconds(5), () => "late")).toBe(1)
      expect(yield* Effect.flip(deadline(Effect.fail("own"), Duration.seconds(5), () => "late"))).toBe("own")
      const slow = Effect.as(Effect.sleep("20 millis"), 2)
      expect(yield* deadline(slow, Duration.seconds(5), () => "late")).toBe(2)
      expect(yield* deadline(slow, Duration.infinity, () => "late")).toBe(2)
    }))

  it.live("on the live clock: the caller's interruption interrupts the work and stays an interruption", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const stopped = yield* Deferred.make<void>()
      const fiber = yield* Effect.forkChild(deadline(
        Deferred.succeed(started, void 0).pipe(
          Effect.andThen(Effect.never),
          Effect.onInterrupt(() => Deferred.succeed(stopped, void 0))
        ),
        Duration.seconds(30),
        () => "late"
      ))
      yield* Deferred.await(started)
      const exit = yield* Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber)))
      expect(Exit.hasInterrupts(exit)).toBe(true)
      expect(yield* Deferred.isDone(stopped)).toBe(true)
    }))

  it.live("on the live clock: a deadline that passes fails with its SkyError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(deadline(Effect.never, Duration.millis(20), timedOut))
      expect(error._tag).toBe("RequestTimeout")
    }))

  it("durations of the options: an unreadable or negative one falls back", () => {
    expect(Duration.toMillis(durationOr("2 seconds", Duration.seconds(1)))).toBe(2_000)
    expect(Duration.toMillis(durationOr(undefined, Duration.seconds(1)))).toBe(1_000)
    expect(Duration.toMillis(durationOr("soon" as unknown as Duration.Input, Duration.seconds(1)))).toBe(1_000)
    expect(Duration.toMillis(durationOr(-5, Duration.seconds(1)))).toBe(1_000)
  })

  it.effect("on the TestClock: virtual time drives it", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(
        Effect.flip(deadline(Effect.as(Effect.sleep("10 seconds"), 1), Duration.seconds(5), () => "late"))
      )
      yield* TestClock.adjust("5 seconds")
      expect(yield* Fiber.join(fiber)).toBe("late")
      const inTime = yield* Effect.forkChild(deadline(Effect.as(Effect.sleep("1 second"), 1), Duration.seconds(5), () => "late"))
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(inTime)).toBe(1)
    }))
})
