import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Fiber, Layer, Random, Redacted, Stream, TestClock } from "effect"
import { SkyClient, SkyError, SkyRetry } from "../src/index.js"

/** One scripted answer of the fake gateway. */
type Answer =
  | { readonly status: number; readonly body: string; readonly headers?: Record<string, string> }
  | { readonly transport: string }

interface Seen {
  readonly at: number
  readonly attempt: string | undefined
  readonly authorization: string | undefined
}

const okChat = JSON.stringify({
  id: "0123456789abcdef0123456789abcdef",
  object: "chat.completion",
  created: 0,
  model: "m",
  system_fingerprint: "",
  choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }
})

const rpm = (headers: Record<string, string> = {}): Answer => ({
  status: 429,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify({ error: { code: 2007, message: "rpm limit" } })
})

const ok: Answer = { status: 200, headers: { "content-type": "application/json" }, body: okChat }

/**
 * An in-memory gateway: answers from a script, records when (in TestClock
 * time) and with which attempt header each request came.
 */
const fakeGateway = (script: ReadonlyArray<Answer>) => {
  const seen: Array<Seen> = []
  let index = 0
  const client = HttpClient.make((request) =>
    Effect.gen(function*() {
      const at = yield* Clock.currentTimeMillis
      seen.push({
        at,
        attempt: request.headers["x-sky-attempt"],
        authorization: request.headers["authorization"]
      })
      const answer = script[Math.min(index, script.length - 1)]!
      index += 1
      if ("transport" in answer) {
        return yield* Effect.fail(
          new HttpClientError.RequestError({ request, reason: "Transport", cause: new Error(answer.transport) })
        )
      }
      return HttpClientResponse.fromWeb(
        request,
        new Response(answer.body, { status: answer.status, headers: answer.headers ?? {} })
      )
    })
  )
  return { seen, layer: Layer.succeed(HttpClient.HttpClient, client) }
}

const apiKey = Redacted.make("ak-abcdefghijklmnopqrstuvwxyz012345")

const clientLayer = (script: ReadonlyArray<Answer>, options: Partial<SkyClient.Options> = {}) => {
  const gateway = fakeGateway(script)
  return {
    seen: gateway.seen,
    layer: SkyClient.layer({ apiKey, baseUrl: "http://gateway.test", retry: { jitter: 0 }, ...options }).pipe(
      Layer.provide(gateway.layer)
    )
  }
}

const chat = (options?: SkyClient.CallOptions) =>
  Effect.flatMap(SkyClient.SkyClient, (client) =>
    client.chatCompletions({ model: "m", messages: [{ role: "user", content: "hi" }] }, options))

/** Runs the call in a fiber and moves the TestClock until it ends. */
const runWithClock = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    for (let i = 0; i < 200; i++) {
      yield* TestClock.adjust(Duration.millis(250))
      const done = yield* Fiber.poll(fiber)
      if (done._tag === "Some") break
    }
    return yield* Fiber.join(fiber)
  })

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
      const low = yield* SkyRetry.delayFor(policy, 1, error).pipe(Effect.withRandom(Random.fixed([0.999999])))
      const none = yield* SkyRetry.delayFor(policy, 1, error).pipe(Effect.withRandom(Random.fixed([0])))
      const half = yield* SkyRetry.delayFor(policy, 1, error).pipe(Effect.withRandom(Random.fixed([0.5])))
      expect(Duration.toMillis(none)).toBe(1000)
      expect(Duration.toMillis(half)).toBe(875)
      expect(Duration.toMillis(low)).toBe(750)
    }))

  it.effect("follows the server's hint, capped at maxRetryAfter", () =>
    Effect.gen(function*() {
      const policy = SkyRetry.policy({ maxRetryAfter: "5 seconds" })
      const hinted = new SkyError.RpmLimitExceeded({ retryAfter: Duration.seconds(3) })
      const long = new SkyError.RpmLimitExceeded({ retryAfter: Duration.seconds(300) })
      expect(Duration.toMillis(yield* SkyRetry.delayFor(policy, 0, hinted))).toBe(3000)
      expect(Duration.toMillis(yield* SkyRetry.delayFor(policy, 0, long))).toBe(5000)
    }))

  it("rejects invalid settings in favour of the defaults", () => {
    const p = SkyRetry.policy({ maxRetries: -1, jitter: 7 })
    expect(p.maxRetries).toBe(2)
    expect(p.jitter).toBe(0.25)
  })
})

describe("SkyClient retries (in-memory gateway, TestClock)", () => {
  it.effect("waits retry-after seconds, then succeeds; attempts are numbered", () => {
    const { layer, seen } = clientLayer([rpm({ "retry-after": "3" }), ok])
    return Effect.gen(function*() {
      const result = yield* runWithClock(chat())
      expect(result.choices[0]?.message.content).toBe("hi")
      expect(seen.map((s) => s.at)).toEqual([0, 3000])
      expect(seen.map((s) => s.attempt)).toEqual(["1", "2"])
      expect(seen[0]?.authorization).toBe(`Bearer ${Redacted.value(apiKey)}`)
    }).pipe(Effect.provide(layer))
  })

  it.effect("waits retry-after given as an HTTP date", () => {
    // TestClock starts at epoch 0: a date 4 s after it asks for a 4 s wait.
    const { layer, seen } = clientLayer([rpm({ "retry-after": new Date(4000).toUTCString() }), ok])
    return Effect.gen(function*() {
      yield* runWithClock(chat())
      expect(seen.map((s) => s.at)).toEqual([0, 4000])
    }).pipe(Effect.provide(layer))
  })

  it.effect("retry-after-ms wins over retry-after", () => {
    const { layer, seen } = clientLayer([rpm({ "retry-after-ms": "1500", "retry-after": "9" }), ok])
    return Effect.gen(function*() {
      yield* runWithClock(chat())
      expect(seen.map((s) => s.at)).toEqual([0, 1500])
    }).pipe(Effect.provide(layer))
  })

  it.effect("cuts a long hint to maxRetryAfter", () => {
    const { layer, seen } = clientLayer([rpm({ "retry-after": "600" }), ok], { retry: { jitter: 0, maxRetryAfter: "2 seconds" } })
    return Effect.gen(function*() {
      yield* runWithClock(chat())
      expect(seen.map((s) => s.at)).toEqual([0, 2000])
    }).pipe(Effect.provide(layer))
  })

  it.effect("backs off 0.5 s then 1 s without a hint, and gives up after maxRetries", () => {
    const { layer, seen } = clientLayer([rpm(), rpm(), rpm(), ok])
    return Effect.gen(function*() {
      const error = yield* Effect.flip(runWithClock(chat()))
      expect(error._tag).toBe("RpmLimitExceeded")
      expect(seen.map((s) => s.at)).toEqual([0, 500, 1500])
      expect(error.attempts?.map((a) => [a.attempt, a.tag, a.status, a.wait && Duration.toMillis(a.wait)])).toEqual([
        [1, "RpmLimitExceeded", 429, 500],
        [2, "RpmLimitExceeded", 429, 1000],
        [3, "RpmLimitExceeded", 429, undefined]
      ])
    }).pipe(Effect.provide(layer))
  })

  it.effect("x-should-retry: false stops a retryable error", () => {
    const { layer, seen } = clientLayer([rpm({ "x-should-retry": "false" }), ok])
    return Effect.gen(function*() {
      const error = yield* Effect.flip(runWithClock(chat()))
      expect(error._tag).toBe("RpmLimitExceeded")
      expect(error.shouldRetry).toBe(false)
      expect(seen).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("x-should-retry: true retries an error that is not retryable by default", () => {
    const denied: Answer = {
      status: 400,
      headers: { "x-should-retry": "true" },
      body: JSON.stringify({ error: { code: 2004, message: "bad temperature" } })
    }
    const { layer, seen } = clientLayer([denied, ok])
    return Effect.gen(function*() {
      const result = yield* runWithClock(chat())
      expect(result.id).toBe("0123456789abcdef0123456789abcdef")
      expect(seen.map((s) => s.at)).toEqual([0, 500])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a non-retryable error is tried once and lists one attempt", () => {
    const { layer, seen } = clientLayer([
      { status: 401, body: JSON.stringify({ error: { code: 2101, message: "bad key" } }) },
      ok
    ])
    return Effect.gen(function*() {
      const error = yield* Effect.flip(runWithClock(chat()))
      expect(error._tag).toBe("InvalidApiKey")
      expect(seen).toHaveLength(1)
      expect(error.attempts).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("transport failures are ConnectionError and are retried", () => {
    const { layer, seen } = clientLayer([{ transport: "ECONNRESET" }, { transport: "ECONNRESET" }, ok])
    return Effect.gen(function*() {
      const result = yield* runWithClock(chat())
      expect(result.object).toBe("chat.completion")
      expect(seen.map((s) => s.at)).toEqual([0, 500, 1500])
    }).pipe(Effect.provide(layer))
  })

  it.effect("maxRetries per call overrides the client's", () => {
    const { layer, seen } = clientLayer([rpm(), rpm(), ok])
    return Effect.gen(function*() {
      const error = yield* Effect.flip(runWithClock(chat({ maxRetries: 0 })))
      expect(error._tag).toBe("RpmLimitExceeded")
      expect(seen).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("an UnknownGatewayError is retried by status: 503 yes, 404 no", () => {
    const { layer, seen } = clientLayer([{ status: 503, body: "" }, { status: 404, body: "" }, ok])
    return Effect.gen(function*() {
      const error = yield* Effect.flip(runWithClock(chat()))
      expect(error._tag).toBe("UnknownGatewayError")
      expect(error.status).toBe(404)
      expect(error.attempts?.map((a) => a.status)).toEqual([503, 404])
      expect(seen).toHaveLength(2)
    }).pipe(Effect.provide(layer))
  })

  it.effect("the per-call timeout gives RequestTimeout, retried like a transport failure", () => {
    // Never answers, and gives up when its signal is aborted, as every platform client does.
    const hang = HttpClient.make((request, _url, signal) =>
      Effect.async<never, HttpClientError.RequestError>((resume) => {
        signal.addEventListener("abort", () =>
          resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: signal.reason }))))
      }))
    const layer = SkyClient.layer({ apiKey, baseUrl: "http://gateway.test", retry: { jitter: 0 }, maxRetries: 1 }).pipe(
      Layer.provide(Layer.succeed(HttpClient.HttpClient, hang))
    )
    return Effect.gen(function*() {
      const error = yield* Effect.flip(runWithClock(chat({ timeout: "2 seconds" })))
      expect(error._tag).toBe("RequestTimeout")
      expect(error.attempts?.map((a) => a.tag)).toEqual(["RequestTimeout", "RequestTimeout"])
      expect(yield* Clock.currentTimeMillis).toBeGreaterThanOrEqual(4500)
    }).pipe(Effect.provide(layer))
  })

  it.effect("streams are retried while nothing was emitted", () => {
    const sse = [
      `data: ${JSON.stringify({ id: "a", object: "chat.completion.chunk", created: 0, model: "m", choices: [] })}`,
      `data: ${JSON.stringify({ id: "a", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: { content: "hi" }, finish_reason: "stop" }] })}`,
      "data: [DONE]",
      ""
    ].join("\n\n")
    const { layer, seen } = clientLayer([rpm({ "retry-after": "1" }), { status: 200, headers: { "content-type": "text/event-stream" }, body: sse }])
    return Effect.gen(function*() {
      const stream = yield* Effect.map(SkyClient.SkyClient, (c) =>
        c.chatCompletionsStream({ model: "m", messages: [{ role: "user", content: "hi" }] }))
      const completion = yield* runWithClock(SkyClient.collect("chat")(stream))
      expect(completion.choices[0]?.message.content).toBe("hi")
      expect(seen.map((s) => s.at)).toEqual([0, 1000])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a stream error after the first element is not retried", () => {
    const sse = [
      `data: ${JSON.stringify({ id: "a", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: { content: "hi" } }] })}`,
      `data: ${JSON.stringify({ error: { code: 2003, message: "model timed out" } })}`,
      ""
    ].join("\n\n")
    const { layer, seen } = clientLayer([{ status: 200, body: sse }, ok])
    return Effect.gen(function*() {
      const received: Array<string> = []
      const stream = yield* Effect.map(SkyClient.SkyClient, (c) =>
        c.chatCompletionsStream({ model: "m", messages: [{ role: "user", content: "hi" }] }))
      const error = yield* Effect.flip(runWithClock(
        Stream.runForEach(stream, (chunk) => Effect.sync(() => received.push(chunk.choices[0]?.delta.content ?? "")))
      ))
      expect(received).toEqual(["hi"])
      expect(error._tag).toBe("UpstreamTimeout")
      expect(error.attempts).toHaveLength(1)
      expect(seen).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })
})
