import { describe, expect, it } from "@effect/vitest"
import { vi } from "vitest"
import { Clock, Duration, Effect, Exit, Fiber, Layer, Metric, Redacted, Stream } from "effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as TestClock from "effect/testing/TestClock"
import { abortingDeadline, durationOr, movingDeadline } from "../src/internal/deadline.js"
import { transport } from "../src/internal/request.js"
import { SkyClient, SkyError } from "../src/index.js"

const timedOut = (): SkyError.SkyError => new SkyError.RequestTimeout({ message: "deadline passed" })

// ---------------------------------------------------------------------------
// The moving deadline (a stream's)
// ---------------------------------------------------------------------------

/** The clock in force (the `TestClock` under `it.effect`). */
const currentClock: Effect.Effect<Clock.Clock> = Effect.clockWith(Effect.succeed)

describe("movingDeadline (the deadlines of a stream)", () => {
  it("on the live clock a deadline beyond what setTimeout takes (2^31 - 1 ms) fires at its time, not at once", () => {
    vi.useFakeTimers()
    try {
      const clock = Clock.Clock.defaultValue()
      const start = clock.currentTimeMillisUnsafe()
      const days40 = 40 * 24 * 3600 * 1000
      let fired = 0
      movingDeadline(clock, () => start + days40, () => fired++)
      vi.advanceTimersByTime(1000)
      expect(fired).toBe(0)
      vi.advanceTimersByTime(days40 - 2000)
      expect(fired).toBe(0)
      vi.advanceTimersByTime(1000)
      expect(fired).toBe(1)
    } finally {
      vi.useRealTimers()
    }
  })

  it.effect("fires once its deadline passes, on the TestClock's time", () =>
    Effect.gen(function*() {
      const clock = yield* currentClock
      let fired = 0
      const timer = movingDeadline(clock, () => 1_000, () => fired++)
      yield* TestClock.adjust("999 millis")
      expect(fired).toBe(0)
      yield* TestClock.adjust("1 millis")
      expect(fired).toBe(1)
      yield* TestClock.adjust("10 seconds")
      expect(fired).toBe(1)
      timer.stop()
    }))

  it.effect("a deadline moved later is looked up again when the timer wakes: it fires at the new one", () =>
    Effect.gen(function*() {
      const clock = yield* currentClock
      let due = 1_000
      let fired = 0
      movingDeadline(clock, () => due, () => fired++)
      due = 2_500
      yield* TestClock.adjust("2499 millis")
      expect(fired).toBe(0)
      yield* TestClock.adjust("1 millis")
      expect(fired).toBe(1)
    }))

  it.effect("no deadline (Infinity) arms nothing until wake() finds one; an earlier one is taken up at once", () =>
    Effect.gen(function*() {
      const clock = yield* currentClock
      let due = Infinity
      let fired = 0
      const timer = movingDeadline(clock, () => due, () => fired++)
      yield* TestClock.adjust("1 hour")
      expect(fired).toBe(0)
      due = clock.currentTimeMillisUnsafe() + 300
      timer.wake()
      yield* TestClock.adjust("300 millis")
      expect(fired).toBe(1)
      // Moved earlier than the one armed: taken up by wake().
      const base = clock.currentTimeMillisUnsafe()
      let later = base + 10_000
      const moved = movingDeadline(clock, () => later, () => fired++)
      later = base + 100
      moved.wake()
      yield* TestClock.adjust("100 millis")
      expect(fired).toBe(2)
    }))

  it.effect("stop() cancels it for good", () =>
    Effect.gen(function*() {
      const clock = yield* currentClock
      let fired = 0
      const timer = movingDeadline(clock, () => 100, () => fired++)
      timer.stop()
      timer.wake()
      yield* TestClock.adjust("1 second")
      expect(fired).toBe(0)
    }))

  it.live("on the live clock it is a plain timer: it fires, and no fiber is forked", () =>
    Effect.gen(function*() {
      const { counted, counter } = forkCounter()
      const fired = yield* counted(
        Effect.flatMap(currentClock, (clock) =>
          Effect.callback<number>((resume) => {
            const start = clock.currentTimeMillisUnsafe()
            movingDeadline(clock, () => start + 20, () => resume(Effect.succeed(clock.currentTimeMillisUnsafe() - start)))
          }))
      )
      expect(fired).toBeGreaterThanOrEqual(20)
      expect(counter.count).toBe(0)
    }))
})

  it("durations of the options: an unreadable or negative one falls back", () => {
    expect(Duration.toMillis(durationOr("2 seconds", Duration.seconds(1)))).toBe(2_000)
    expect(Duration.toMillis(durationOr(undefined, Duration.seconds(1)))).toBe(1_000)
    expect(Duration.toMillis(durationOr("soon" as unknown as Duration.Input, Duration.seconds(1)))).toBe(1_000)
    expect(Duration.toMillis(durationOr(-5, Duration.seconds(1)))).toBe(1_000)
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
  it("on the live clock a deadline beyond what setTimeout takes (2^31 - 1 ms) fires at its time, not never", async () => {
    vi.useFakeTimers()
    try {
      const days40 = 40 * 24 * 3600 * 1000
      const { seen, client } = signalled()
      const fiber = Effect.runFork(sendWithin(client, Duration.millis(days40)))
      await vi.advanceTimersByTimeAsync(1000)
      expect(seen.signal?.aborted).toBe(false)
      await vi.advanceTimersByTimeAsync(days40 - 2000)
      expect(seen.signal?.aborted).toBe(false)
      await vi.advanceTimersByTimeAsync(2000)
      expect(seen.signal?.aborted).toBe(true)
      const error = await Effect.runPromise(Effect.flip(Fiber.join(fiber)))
      expect(error).toEqual(timedOut())
    } finally {
      vi.useRealTimers()
    }
  })

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
      // The counter sees a fork where there is one.
      yield* counted(Effect.flatMap(Effect.forkChild(Effect.void), Fiber.join))
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

// ---------------------------------------------------------------------------
// A stream's deadlines
// ---------------------------------------------------------------------------

/** A gateway whose stream body comes in `pieces` pieces, one chat event each, then `[DONE]`. */
const piecewise = (pieces: number) =>
  HttpClient.make((request) =>
    Effect.sync(() => {
      const event = `data: ${JSON.stringify({ id: "a", object: "chat.completion.chunk", created: 0, model: "m", choices: [] })}\n\n`
      let sent = 0
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          sent += 1
          if (sent > pieces) {
            controller.enqueue(new TextEncoder().encode("data: [DONE]\n\n"))
            controller.close()
          } else {
            controller.enqueue(new TextEncoder().encode(event))
          }
        }
      })
      return HttpClientResponse.fromWeb(request, new Response(body, { headers: { "content-type": "text/event-stream" } }))
    }))

describe("a stream's deadlines (live clock)", () => {
  it.live("fork no fiber per pull: a stream of 200 pieces starts as many fibers as one of 2", () =>
    Effect.gen(function*() {
      const forksFor = (pieces: number) =>
        Effect.gen(function*() {
          const sky = yield* SkyClient.make({ apiKey: Redacted.make("ak-deadline-test"), baseUrl: "http://gw.test" }).pipe(
            Effect.provide(Layer.succeed(HttpClient.HttpClient)(piecewise(pieces)))
          )
          const { counted, counter } = forkCounter()
          const count = yield* counted(Stream.runCount(sky.chatCompletionsStream({ model: "m", messages: [{ role: "user", content: "hi" }] })))
          expect(count).toBe(pieces)
          return counter.count
        })
      expect(yield* forksFor(200)).toBe(yield* forksFor(2))
    }))
})
