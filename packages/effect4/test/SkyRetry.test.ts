import { describe, expect, it } from "@effect/vitest"
import { Cause, Clock, Duration, Effect, Fiber, Option, Random, Schedule } from "effect"
import { TestClock } from "effect/testing"
import { SkyError, SkyRetry } from "../src/index.js"

/** A Random whose doubles are always `r`. */
const fixedRandom = (r: number) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, Random.Random, { nextDoubleUnsafe: () => r, nextIntUnsafe: () => 0 })

/**
 * A call that fails with the scripted errors in turn (the last one forever once the script runs out, or succeeds
 * after it when `ok`), retried by the policy's schedule, with the TestClock moved until it ends. Gives the
 * TestClock times of the attempts and the call's result.
 */
const retried = (script: ReadonlyArray<SkyError.SkyError>, options: SkyRetry.RetryOptions = {}, ok = true) =>
  Effect.gen(function*() {
    const at: Array<number> = []
    const call = Effect.gen(function*() {
      at.push(yield* Clock.currentTimeMillis)
      const error = script[at.length - 1]
      if (error !== undefined) return yield* Effect.fail(error)
      if (ok) return "ok"
      return yield* Effect.fail(script[script.length - 1]!)
    })
    const policy = SkyRetry.policy({ jitter: 0, ...options })
    const fiber = yield* Effect.forkChild(Effect.result(Effect.retry(call, SkyRetry.schedule(policy))))
    yield* TestClock.adjust(Duration.minutes(10))
    const result = yield* Fiber.join(fiber)
    return { at, result }
  })

const rpm = (props: ConstructorParameters<typeof SkyError.RpmLimitExceeded>[0] = {}) =>
  new SkyError.RpmLimitExceeded(props)

describe("SkyRetry.delayFor", () => {
  it.effect("doubles from the initial delay and stops at the max", () =>
    Effect.gen(function*() {
      const policy = SkyRetry.policy({ jitter: 0 })
      const error = new SkyError.UpstreamUnavailable()
      const waits = yield* Effect.forEach([0, 1, 2, 3, 4, 5], (n) => SkyRetry.delayFor(policy, n, error))
      expect(waits.map(Duration.toMillis)).toEqual([500, 1000, 2000, 4000, 8000, 8000])
    }))

  it.effect("takes up to the jitter share off a backoff wait", () =>
    Effect.gen(function*() {
      const policy = SkyRetry.policy({})
      const error = new SkyError.UpstreamUnavailable()
      const low = yield* SkyRetry.delayFor(policy, 1, error).pipe(fixedRandom(0.999999))
      const none = yield* SkyRetry.delayFor(policy, 1, error).pipe(fixedRandom(0))
      const half = yield* SkyRetry.delayFor(policy, 1, error).pipe(fixedRandom(0.5))
      expect(Duration.toMillis(none)).toBe(1000)
      expect(Duration.toMillis(half)).toBe(875)
      expect(Duration.toMillis(low)).toBe(750)
    }))

  it.effect("follows the server's hint, capped at maxRetryAfter", () =>
    Effect.gen(function*() {
      const policy = SkyRetry.policy({ maxRetryAfter: "5 seconds" })
      const hinted = rpm({ retryAfter: Duration.seconds(3) })
      const long = rpm({ retryAfter: Duration.seconds(300) })
      expect(Duration.toMillis(yield* SkyRetry.delayFor(policy, 0, hinted))).toBe(3000)
      expect(Duration.toMillis(yield* SkyRetry.delayFor(policy, 0, long))).toBe(5000)
    }))

  it("rejects invalid settings in favour of the defaults", () => {
    const p = SkyRetry.policy({ maxRetries: -1, jitter: 7, initialDelay: "soon" as Duration.Input })
    expect(p.maxRetries).toBe(2)
    expect(p.jitter).toBe(0.25)
    expect(Duration.toMillis(p.initialDelay)).toBe(500)
    expect(SkyRetry.defaultPolicy).toEqual(SkyRetry.policy(undefined))
  })

  it("a policy over a base keeps the base's settings it does not override", () => {
    const base = SkyRetry.policy({ maxRetries: 5, maxDelay: "2 seconds" })
    const p = SkyRetry.policy({ jitter: 0 }, base)
    expect(p.maxRetries).toBe(5)
    expect(Duration.toMillis(p.maxDelay)).toBe(2000)
    expect(p.jitter).toBe(0)
  })
})

describe("SkyRetry.schedule (Effect.retry, TestClock)", () => {
  it.effect("waits the server's retry-after, then succeeds", () =>
    Effect.gen(function*() {
      const { at, result } = yield* retried([rpm({ retryAfter: Duration.seconds(3) })])
      expect(result._tag).toBe("Success")
      expect(at).toEqual([0, 3000])
    }))

  it.effect("cuts a long hint to maxRetryAfter", () =>
    Effect.gen(function*() {
      const { at } = yield* retried([rpm({ retryAfter: Duration.seconds(600) })], { maxRetryAfter: "2 seconds" })
      expect(at).toEqual([0, 2000])
    }))

  it.effect("backs off 0.5 s then 1 s without a hint, and gives up after maxRetries", () =>
    Effect.gen(function*() {
      const { at, result } = yield* retried([rpm(), rpm(), rpm()], {}, false)
      expect(at).toEqual([0, 500, 1500])
      expect(result._tag === "Failure" && result.failure._tag).toBe("RpmLimitExceeded")
    }))

  it.effect("shouldRetry: false stops a retryable error", () =>
    Effect.gen(function*() {
      const { at, result } = yield* retried([rpm({ shouldRetry: false })])
      expect(at).toEqual([0])
      expect(result._tag === "Failure" && result.failure.shouldRetry).toBe(false)
    }))

  it.effect("shouldRetry: true retries an error that is not retryable by default", () =>
    Effect.gen(function*() {
      const { at, result } = yield* retried([new SkyError.InvalidModelParameter({ shouldRetry: true })])
      expect(result._tag).toBe("Success")
      expect(at).toEqual([0, 500])
    }))

  it.effect("a non-retryable error is tried once", () =>
    Effect.gen(function*() {
      const { at, result } = yield* retried([new SkyError.InvalidApiKey()])
      expect(at).toEqual([0])
      expect(result._tag === "Failure" && result.failure._tag).toBe("InvalidApiKey")
    }))

  it.effect("transport failures and deadlines are retried", () =>
    Effect.gen(function*() {
      const { at, result } = yield* retried([new SkyError.ConnectionError(), new SkyError.RequestTimeout()])
      expect(result._tag).toBe("Success")
      expect(at).toEqual([0, 500, 1500])
    }))

  it.effect("maxRetries 0 turns retries off", () =>
    Effect.gen(function*() {
      const { at } = yield* retried([rpm()], { maxRetries: 0 })
      expect(at).toEqual([0])
    }))

  it.effect("an UnknownGatewayError is retried by status: 503 yes, 404 no", () =>
    Effect.gen(function*() {
      const { at, result } = yield* retried([
        new SkyError.UnknownGatewayError({ status: 503 }),
        new SkyError.UnknownGatewayError({ status: 404 })
      ])
      expect(at).toEqual([0, 500])
      expect(result._tag === "Failure" && result.failure.status).toBe(404)
    }))

  it.effect("outputs the wait it chose, and None where it stops", () =>
    Effect.gen(function*() {
      const step = yield* Schedule.toStep(SkyRetry.schedule(SkyRetry.policy({ jitter: 0, maxRetries: 2 })))
      const error = rpm({ retryAfter: Duration.millis(250) })
      const [first, firstDelay] = yield* step(0, error)
      const [second] = yield* step(250, new SkyError.UpstreamTimeout())
      expect(Option.map(first, Duration.toMillis)).toEqual(Option.some(250))
      expect(Duration.toMillis(firstDelay)).toBe(250)
      expect(Option.map(second, Duration.toMillis)).toEqual(Option.some(1000))
      const done = yield* Effect.flip(step(1250, error))
      expect(Cause.isDone(done) && Option.isNone(done.value as Option.Option<Duration.Duration>)).toBe(true)
    }))
})
