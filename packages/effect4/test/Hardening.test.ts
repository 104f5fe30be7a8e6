import { describe, expect, it } from "@effect/vitest"
import { Cause, Duration, Effect, Exit, Layer, Metric, Redacted, Result, Schema, Stream } from "effect"
import type * as HttpClient from "effect/http/HttpClient"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { afterAll, beforeAll } from "vitest"
import { SkyClient, SkyError } from "../src/index.js"
import * as SkyMock from "../src/SkyMock.js"
import { transports } from "./support/loopback.js"

setFlagsFromString("--expose-gc")
const gc = runInNewContext("gc") as () => void

const unhandled: Array<unknown> = []
const onUnhandled = (reason: unknown) => {
  unhandled.push(reason)
}
beforeAll(() => {
  process.on("unhandledRejection", onUnhandled)
})
afterAll(() => {
  process.off("unhandledRejection", onUnhandled)
})

/** Open handles of the kinds a leak would leave: sockets, servers, timers. */
const openHandles = (): Record<string, number> => {
  const counts: Record<string, number> = {}
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind === "TCPSocketWrap" || kind === "TCPServerWrap" || kind === "Timeout") counts[kind] = (counts[kind] ?? 0) + 1
  }
  return counts
}

/** Lets closed sockets and cleared timers leave the event loop's books. */
const settle = Effect.promise(() => new Promise<void>((done) => setTimeout(done, 100)))

/**
 * Effect 4 has no `Supervisor`: its fiber runtime reports every child fiber's start and end to the
 * `Metric.FiberRuntimeMetrics` service, which this test provides to count the fibers still alive.
 */
const fiberBooks = () => {
  const books = { started: 0, ended: 0 }
  const service: Metric.FiberRuntimeMetricsService = {
    recordFiberStart: () => {
      books.started++
    },
    recordFiberEnd: () => {
      books.ended++
    }
  }
  return { books, track: Effect.provideService(Metric.FiberRuntimeMetrics, service) }
}

const request = (content: string) => ({ model: "m", messages: [{ role: "user" as const, content }] })

type Run = (sky: SkyClient.Service, spec: string) => Effect.Effect<unknown, SkyError.SkyError>

const plain: Run = (sky, spec) =>
  sky.chatCompletions(request("chaos"), { headers: { "x-sky-mock": spec }, timeout: "400 millis", maxRetries: 0 })
const streamed: Run = (sky, spec) =>
  Stream.runDrain(sky.chatCompletionsStream(request("chaos"), {
    headers: { "x-sky-mock": spec },
    timeout: "400 millis",
    maxRetries: 0
  }))
const messagesStream: Run = (sky, spec) =>
  Stream.runDrain(sky.messagesStream(
    { model: "m", max_tokens: 16, messages: [{ role: "user", content: "chaos" }] },
    { headers: { "x-sky-mock": spec }, timeout: "400 millis", maxRetries: 0 }
  ))

/** Every fault of the double, with the tag it must end in. */
const scenarios: ReadonlyArray<readonly [string, Run, SkyError.Tag]> = [
  ...SkyError.tags.flatMap((tag) => {
    const code = SkyError.catalogue[tag].code
    return code === undefined ? [] : [[`error:${code}`, plain, tag] as const, [`error:${code},shape=anthropic`, streamed, tag] as const]
  }),
  ["html502", plain, "UnknownGatewayError"],
  ["html502", streamed, "UnknownGatewayError"],
  ["reset-before-headers", plain, "ConnectionError"],
  ["reset-before-headers", streamed, "ConnectionError"],
  ["reset-mid-body", plain, "ConnectionError"],
  ["reset-mid-body", streamed, "ConnectionError"],
  ["stall", plain, "RequestTimeout"],
  ["stall", streamed, "RequestTimeout"],
  ["latency:1000", plain, "RequestTimeout"],
  ["truncated-json", plain, "InvalidResponse"],
  ["truncated-json", streamed, "InvalidResponse"],
  ["oversize:200000", plain, "InternalError"],
  ["mid-stream-error:2003", streamed, "UpstreamTimeout"],
  ["mid-stream-error:2008", messagesStream, "TpmLimitExceeded"],
  ["stream-cut", streamed, "InvalidResponse"],
  ["stream-cut", messagesStream, "InvalidResponse"]
]

/** The double and a client pointed at it over `transport` (`SkyMock.layerClient` always takes undici). */
const mockClientOver = (transport: Layer.Layer<HttpClient.HttpClient>): Layer.Layer<SkyMock.SkyMock | SkyClient.SkyClient, SkyMock.SkyMockListenError> =>
  Layer.unwrap(
    Effect.map(Effect.service(SkyMock.SkyMock), (mock) =>
      Layer.orDie(SkyClient.layer({ apiKey: Redacted.make(SkyMock.defaultApiKey), baseUrl: mock.url })))
  ).pipe(Layer.provide(transport), Layer.provideMerge(SkyMock.layer({})))

describe.each(transports)("chaos: every fault of the double (%s)", (_, transport) => {
  it.live("ends in its tag within its deadline, and leaves no fiber, socket, timer or unhandled rejection", () =>
    Effect.gen(function*() {
      yield* settle
      const before = openHandles()
      const { books, track } = fiberBooks()
      const outcomes = yield* Effect.scoped(
        Effect.gen(function*() {
          const sky = yield* SkyClient.SkyClient
          return yield* Effect.forEach(scenarios, ([spec, run, expected]) =>
            run(sky, spec).pipe(
              Effect.result,
              // The deadline: each call is over in far less (its own timeout is 400 ms).
              Effect.timeoutOrElse({ duration: "5 seconds", orElse: () => Effect.fail(`${spec} did not end`) }),
              Effect.map((result) => ({
                spec,
                expected,
                got: Result.isFailure(result) ? result.failure._tag : "success",
                error: Result.isFailure(result) ? result.failure : undefined
              }))
            ))
        }).pipe(Effect.provide(Layer.fresh(mockClientOver(transport))), track)
      )
      for (const outcome of outcomes) expect(outcome.got, outcome.spec).toBe(outcome.expected)
      // Every error of the chaos run, rendered every way a user can, is free of the key the client sent.
      for (const { error, spec } of outcomes) {
        if (error === undefined) continue
        const renderings = [
          error.message,
          String(error),
          JSON.stringify(error),
          JSON.stringify(error.toJSON()),
          Cause.pretty(Cause.fail(error)),
          JSON.stringify(Schema.encodeSync(SkyError.SkyError)(error))
        ]
        for (const text of renderings) expect(text.includes(SkyMock.defaultApiKey), spec).toBe(false)
      }
      expect(outcomes).toHaveLength(scenarios.length)

      yield* settle
      // Every fiber started under the run (the client's, the double's, the streams') has ended.
      expect(books.started).toBeGreaterThan(0)
      expect(books.ended).toBe(books.started)
      const after = openHandles()
      expect(after.TCPSocketWrap ?? 0).toBeLessThanOrEqual(before.TCPSocketWrap ?? 0)
      expect(after.TCPServerWrap ?? 0).toBeLessThanOrEqual(before.TCPServerWrap ?? 0)
      expect(after.Timeout ?? 0).toBeLessThanOrEqual(before.Timeout ?? 0)
      expect(unhandled).toEqual([])
    }), 60_000)
})

describe("load", () => {
  // Deterministic on any machine: a fixed concurrency (not 1,000 sockets at once, which a loaded machine answers
  // slower than a deadline), a deadline no machine reaches, and a timer tolerance of 2 ms on each honoured wait.
  it.live("1,000 calls, 64 at a time, 30 % answered 2007 with retry-after: all end, waits honoured, memory returns", () =>
    Effect.gen(function*() {
      const calls = 1000
      const limited = 300
      const waitMs = 200
      gc()
      const heapBefore = process.memoryUsage().heapUsed
      const results = yield* Effect.scoped(
        Effect.gen(function*() {
          const mock = yield* SkyMock.SkyMock
          const sky = yield* SkyClient.SkyClient
          const fault = SkyMock.parseFault(`error:2007,retry-after-ms=${waitMs}`)
          if (Result.isFailure(fault)) return yield* Effect.die(fault.failure)
          yield* mock.enqueue(fault.success, limited)
          const timed = yield* Effect.forEach(
            Array.from({ length: calls }, (_, i) => i),
            (i) =>
              sky.chatCompletions(request(`call-${i}`)).pipe(
                Effect.result,
                Effect.timed,
                Effect.map(([duration, result]) => ({ i, ms: Duration.toMillis(duration), result }))
              ),
            { concurrency: 64 }
          )
          const recorded = yield* mock.requests
          return { timed, recorded }
        }).pipe(Effect.provide(Layer.fresh(SkyMock.layerClient({
          maxRecords: calls + limited,
          client: { retry: { jitter: 0 }, timeout: "10 minutes" }
        }))))
      )
      // Every call ended, in success or in a typed error (a call whose retries also met queued 2007s runs out).
      expect(results.timed).toHaveLength(calls)
      for (const t of results.timed) {
        if (Result.isFailure(t.result)) {
          expect(t.result.failure._tag).toBe("RpmLimitExceeded")
          // Its attempt list shows the server's wait honoured before each retry.
          expect(t.result.failure.attempts?.map((a) => a.wait && Duration.toMillis(a.wait))).toEqual([waitMs, waitMs, undefined])
        }
      }
      // Exactly the 300 queued 2007s were served, each one followed by a retry.
      expect(results.recorded.filter((r) => r.fault !== undefined)).toHaveLength(limited)
      const finalFailures = results.timed.filter((t) => Result.isFailure(t.result)).length
      expect(results.recorded).toHaveLength(calls + limited - finalFailures)
      // A call tried n times took at least (n - 1) waits.
      const attemptsByCall = new Map<string, Array<number>>()
      for (const r of results.recorded) {
        const content = (r.body as { messages: Array<{ content: string }> }).messages[0]!.content
        attemptsByCall.set(content, [...(attemptsByCall.get(content) ?? []), r.attempt ?? 0])
      }
      expect(attemptsByCall.size).toBe(calls)
      for (const t of results.timed) {
        const attempts = attemptsByCall.get(`call-${t.i}`)!
        expect([...attempts].sort()).toEqual(attempts.map((_, n) => n + 1))
        // Timers may fire a millisecond early against the clock that measures them.
        expect(t.ms).toBeGreaterThanOrEqual((attempts.length - 1) * (waitMs - 2))
      }
      // Memory comes back once the results are dropped (a leak of 1,000 calls' responses would be megabytes).
      results.timed.length = 0
      yield* settle
      gc()
      const heapAfter = process.memoryUsage().heapUsed
      expect(heapAfter - heapBefore).toBeLessThan(16 * 1024 * 1024)
    }), 180_000)
})

describe.each(transports)("a failed call's error carries no defect (%s)", (_, transport) => {
  it.live("the causes of the chaos failures are plain failures, never defects", () =>
    Effect.gen(function*() {
      const sky = yield* SkyClient.SkyClient
      for (const spec of ["reset-mid-body", "truncated-json", "stream-cut", "oversize:3000000"]) {
        const exit = yield* Effect.exit(streamed(sky, spec))
        expect(Exit.isFailure(exit)).toBe(true)
        if (Exit.isFailure(exit)) {
          expect(exit.cause.reasons.length, spec).toBeGreaterThan(0)
          expect(exit.cause.reasons.every(Cause.isFailReason), spec).toBe(true)
          expect(Cause.hasDies(exit.cause), spec).toBe(false)
        }
      }
    }).pipe(Effect.provide(mockClientOver(transport))))
})
