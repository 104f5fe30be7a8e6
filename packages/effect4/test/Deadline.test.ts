import { describe, expect, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber, Layer, Metric, Redacted } from "effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as TestClock from "effect/testing/TestClock"
import { abortingDeadline, deadline, durationOr } from "../src/internal/deadline.js"
import { transport } from "../src/internal/request.js"
import { SkyClient, SkyError } from "../src/index.js"

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

// ---------------------------------------------------------------------------
// The aborting deadline (a plain call's attempt)
// ---------------------------------------------------------------------------

/**
 * Counts the fibers started by what it wraps (and by their children): Effect 4 has no `Supervisor`, but every fiber
 * started in a context that holds `Metric.FiberRuntimeMetrics` reports its start there.
 */
const forkCounter = () => {
  const counter = { count: 0 }
  const service: Metric.FiberRuntimeMetricsService = {
    recordFiberStart: () => {
      counter.count++
    },
    recordFiberEnd: () => {}
  }
  const counted = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.provideService(self, Metric.FiberRuntimeMetrics, service)
  return { counter, counted }
}

const aborted = (request: HttpClientRequest.HttpClientRequest, signal: AbortSignal) =>
  new HttpClientError.HttpClientError({
    reason: new HttpClientError.TransportError({ request, cause: signal.reason, description: "aborted" })
  })

/**
 * A client that answers after `answerAfter` (never when undefined) and, as every platform client does, gives up
 * when the request's signal is aborted. `seen` keeps the signal of its last request.
 */
const signalled = (answerAfter?: Duration.Input) => {
  const seen: { signal?: AbortSignal } = {}
  const client = HttpClient.make((request, _url, signal) =>
    Effect.callback<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((resume) => {
      seen.signal = signal
      signal.addEventListener("abort", () => resume(Effect.fail(aborted(request, signal))))
      if (answerAfter !== undefined) {
        const timer = setTimeout(
          // Its length announced, as a server that knows it does: such a body is read in one piece.
          () => resume(Effect.succeed(HttpClientResponse.fromWeb(request, new Response("{}", { headers: { "content-length": "2" } })))),
          Duration.toMillis(Duration.fromInputUnsafe(answerAfter))
        )
        signal.addEventListener("abort", () => clearTimeout(timer))
      }
    })
  )
  return { seen, client }
}

const notTheDeadline = () => new SkyError.ConnectionError({ message: "the transport failed" })

/** One request through `transport(client)` under `abortingDeadline`. */
const sendWithin = (client: HttpClient.HttpClient, duration: Duration.Input) =>
  abortingDeadline(
    Effect.mapError(transport(client).execute(HttpClientRequest.get("http://gw.test/")), notTheDeadline),
    Duration.fromInputUnsafe(duration),
    timedOut
  )

describe("abortingDeadline (the deadline of a call's attempt)", () => {
  it.live("a passed deadline aborts the request's signal and fails with the deadline's error; no fiber is forked", () =>
    Effect.gen(function*() {
      const { seen, client } = signalled()
      const { counted, counter } = forkCounter()
      const error = yield* Effect.flip(counted(sendWithin(client, "20 millis")))
      expect(error._tag).toBe("RequestTimeout")
      expect(seen.signal?.aborted).toBe(true)
      expect(counter.count).toBe(0)
    }))

  it.live("an answer within the deadline is returned, its request not aborted; no fiber is forked", () =>
    Effect.gen(function*() {
      const { seen, client } = signalled("1 millis")
      const { counted, counter } = forkCounter()
      const response = yield* counted(sendWithin(client, "5 seconds"))
      expect(response.status).toBe(200)
      expect(seen.signal?.aborted).toBe(false)
      expect(counter.count).toBe(0)
      // The counter sees a fork where there is one: the stream deadline's.
      yield* counted(deadline(Effect.void, Duration.seconds(5), () => "late"))
      expect(counter.count).toBe(1)
    }))

  it.live("a failure that is not the deadline's is returned as it is, and nothing is aborted", () =>
    Effect.gen(function*() {
      let signal: AbortSignal | undefined
      const failing = HttpClient.make((request, _url, s) => {
        signal = s
        return Effect.fail(
          new HttpClientError.HttpClientError({
            reason: new HttpClientError.TransportError({ request, cause: "refused", description: "refused" })
          })
        )
      })
      const error = yield* Effect.flip(sendWithin(failing, "5 seconds"))
      expect(error._tag).toBe("ConnectionError")
      expect(signal?.aborted).toBe(false)
    }))

  it.live("a caller's interruption aborts the request and stays an interruption", () =>
    Effect.gen(function*() {
      const { seen, client } = signalled()
      const fiber = yield* Effect.forkChild(sendWithin(client, "30 seconds"))
      for (let i = 0; seen.signal === undefined && i < 1_000; i++) yield* Effect.yieldNow
      expect(seen.signal?.aborted).toBe(false)
      yield* Fiber.interrupt(fiber)
      const exit = yield* Fiber.await(fiber)
      expect(Exit.hasInterrupts(exit)).toBe(true)
      expect(seen.signal?.aborted).toBe(true)
    }))

  it.effect("under the TestClock the deadline moves with virtual time", () =>
    Effect.gen(function*() {
      const { seen, client } = signalled()
      const fiber = yield* Effect.forkChild(Effect.flip(sendWithin(client, "30 seconds")))
      yield* TestClock.adjust("29 seconds")
      expect(seen.signal?.aborted).toBe(false)
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("RequestTimeout")
      expect(seen.signal?.aborted).toBe(true)
    }))

  it.live("a whole SkyClient call on the live clock forks no fiber of its own", () =>
    Effect.gen(function*() {
      const { client } = signalled("1 millis")
      const sky = yield* SkyClient.make({ apiKey: Redacted.make("ak-deadline-test"), baseUrl: "http://gw.test" }).pipe(
        Effect.provide(Layer.succeed(HttpClient.HttpClient)(client))
      )
      // `effect/http` reads a web `Response`'s body through `Effect.cached`, which starts a fiber; the client reads an
      // unread platform response from its `Response` itself (core's `sourceBody`), so the call starts none.
      const reading = forkCounter()
      yield* reading.counted(
        HttpClientResponse.fromWeb(HttpClientRequest.get("http://gw.test/"), new Response("{}", { headers: { "content-length": "2" } })).text
      )
      expect(reading.counter.count).toBeGreaterThan(0)
      const { counted, counter } = forkCounter()
      const answer = yield* counted(sky.request({ path: "/v1/anything", method: "GET" }))
      expect(answer).toEqual({})
      expect(counter.count).toBe(0)
    }))
})
