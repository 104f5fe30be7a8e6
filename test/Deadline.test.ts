import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it, vi } from "@effect/vitest"
import { Clock, Duration, Effect, Exit, Fiber, Layer, Redacted, Stream, Supervisor, TestClock } from "effect"
import { abortingDeadline, movingDeadline } from "../src/internal/deadline.js"
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

describe("movingDeadline (the deadlines of a stream)", () => {
  it.effect("fires once its deadline passes, on the TestClock's time", () =>
    Effect.gen(function*() {
      const clock = yield* Effect.clock
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
      const clock = yield* Effect.clock
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
      const clock = yield* Effect.clock
      let due = Infinity
      let fired = 0
      const timer = movingDeadline(clock, () => due, () => fired++)
      yield* TestClock.adjust("1 hour")
      expect(fired).toBe(0)
      due = (yield* Clock.currentTimeMillis) + 300
      timer.wake()
      yield* TestClock.adjust("300 millis")
      expect(fired).toBe(1)
    }))

  it.effect("stop() cancels it for good", () =>
    Effect.gen(function*() {
      const clock = yield* Effect.clock
      let fired = 0
      const timer = movingDeadline(clock, () => 100, () => fired++)
      timer.stop()
      timer.wake()
      yield* TestClock.adjust("1 second")
      expect(fired).toBe(0)
    }))

  it("on the live clock a deadline beyond what setTimeout takes (2^31 - 1 ms) fires at its time, not at once", () => {
    vi.useFakeTimers()
    try {
      const clock = Clock.make()
      const start = clock.unsafeCurrentTimeMillis()
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

  it.live("on the live clock it is a plain timer: it fires, and no fiber is forked", () =>
    Effect.gen(function*() {
      const counter = new ForkCounter()
      const fired = yield* Effect.supervised(
        Effect.flatMap(Effect.clock, (clock) =>
          Effect.async<number>((resume) => {
            const start = clock.unsafeCurrentTimeMillis()
            movingDeadline(clock, () => start + 20, () => resume(Effect.succeed(clock.unsafeCurrentTimeMillis() - start)))
          })),
        counter
      )
      expect(fired).toBeGreaterThanOrEqual(20)
      expect(counter.count).toBe(0)
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
      const exit = await Effect.runPromise(Fiber.await(fiber))
      expect(exit).toEqual(Exit.fail(timedOut()))
    } finally {
      vi.useRealTimers()
    }
  })

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
          const sky = yield* SkyClient.make({ apiKey: Redacted.make("sk-deadline-test"), baseUrl: "http://gw.test" }).pipe(
            Effect.provide(Layer.succeed(HttpClient.HttpClient, piecewise(pieces)))
          )
          const counter = new ForkCounter()
          const count = yield* Effect.supervised(
            Stream.runCount(sky.chatCompletionsStream({ model: "m", messages: [{ role: "user", content: "hi" }] })),
            counter
          )
          expect(count).toBe(pieces)
          return counter.count
        })
      expect(yield* forksFor(200)).toBe(yield* forksFor(2))
    }))
})
