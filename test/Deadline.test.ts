import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Exit, Fiber, Layer, Redacted, Supervisor, TestClock } from "effect"
import { abortingDeadline, deadline } from "../src/internal/deadline.js"
import { transport } from "../src/internal/request.js"
import { SkyClient, SkyError } from "../src/index.js"

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

/**
 * A client that answers after `answerAfter` (never when undefined) and, as every platform client does, gives up
 * when the request's signal is aborted. `seen` keeps the signal of its last request.
 */
const signalled = (answerAfter?: Duration.DurationInput) => {
  const seen: { signal?: AbortSignal } = {}
  const client = HttpClient.make((request, _url, signal) =>
    Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError>((resume) => {
      seen.signal = signal
      signal.addEventListener("abort", () =>
        resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: signal.reason }))))
      if (answerAfter !== undefined) {
        const timer = setTimeout(
          // Its length announced, as a server that knows it does: such a body is read in one piece.
          () => resume(Effect.succeed(HttpClientResponse.fromWeb(request, new Response("{}", { headers: { "content-length": "2" } })))),
          Duration.toMillis(Duration.decode(answerAfter))
        )
        signal.addEventListener("abort", () => clearTimeout(timer))
      }
    }))
  return { seen, client }
}

const notTheDeadline = () => new SkyError.ConnectionError({ message: "the transport failed" })

/** One request through `transport(client)` under `abortingDeadline`. */
const sendWithin = (client: HttpClient.HttpClient, duration: Duration.DurationInput) =>
  abortingDeadline(
    Effect.mapError(transport(client).execute(HttpClientRequest.get("http://gw.test/")), notTheDeadline),
    Duration.decode(duration),
    timedOut
  )

describe("abortingDeadline (the deadline of a call's attempt)", () => {
  it.live("a passed deadline aborts the request's signal and fails with the deadline's error; no fiber is forked", () =>
    Effect.gen(function*() {
      const { seen, client } = signalled()
      const counter = new ForkCounter()
      const error = yield* Effect.flip(Effect.supervised(sendWithin(client, "20 millis"), counter))
      expect(error._tag).toBe("RequestTimeout")
      expect(seen.signal?.aborted).toBe(true)
      expect(counter.count).toBe(0)
    }))

  it.live("an answer within the deadline is returned, its request not aborted; no fiber is forked", () =>
    Effect.gen(function*() {
      const { seen, client } = signalled("1 millis")
      const counter = new ForkCounter()
      const response = yield* Effect.supervised(sendWithin(client, "5 seconds"), counter)
      expect(response.status).toBe(200)
      expect(seen.signal?.aborted).toBe(false)
      expect(counter.count).toBe(0)
    }))

  it.live("a failure that is not the deadline's is returned as it is, and nothing is aborted", () =>
    Effect.gen(function*() {
      let signal: AbortSignal | undefined
      const failing = HttpClient.make((request, _url, s) => {
        signal = s
        return Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: "refused" }))
      })
      const error = yield* Effect.flip(sendWithin(failing, "5 seconds"))
      expect(error._tag).toBe("ConnectionError")
      expect(signal?.aborted).toBe(false)
    }))

  it.live("a caller's interruption aborts the request and stays an interruption", () =>
    Effect.gen(function*() {
      const { seen, client } = signalled()
      const fiber = yield* Effect.fork(sendWithin(client, "30 seconds"))
      for (let i = 0; seen.signal === undefined && i < 1_000; i++) yield* Effect.yieldNow()
      expect(seen.signal?.aborted).toBe(false)
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(seen.signal?.aborted).toBe(true)
    }))

  it.effect("under the TestClock the deadline moves with virtual time", () =>
    Effect.gen(function*() {
      const { seen, client } = signalled()
      const fiber = yield* Effect.fork(Effect.flip(sendWithin(client, "30 seconds")))
      yield* TestClock.adjust("29 seconds")
      expect(seen.signal?.aborted).toBe(false)
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("RequestTimeout")
      expect(seen.signal?.aborted).toBe(true)
    }))

  it.live("a whole SkyClient call on the live clock forks no fiber", () =>
    Effect.gen(function*() {
      const { client } = signalled("1 millis")
      const sky = yield* SkyClient.make({ apiKey: Redacted.make("sk-deadline-test"), baseUrl: "http://gw.test" }).pipe(
        Effect.provide(Layer.succeed(HttpClient.HttpClient, client))
      )
      const counter = new ForkCounter()
      const answer = yield* Effect.supervised(sky.request({ path: "/v1/anything", method: "GET" }), counter)
      expect(answer).toEqual({})
      expect(counter.count).toBe(0)
    }))
})
