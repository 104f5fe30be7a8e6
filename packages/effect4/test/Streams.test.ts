import { describe, expect, it } from "@effect/vitest"
import { Cause, Context, Duration, Effect, Exit, Fiber, Layer, Option, Stream } from "effect"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as TestClock from "effect/testing/TestClock"
import type * as Scope from "effect/Scope"
import type { ServerResponse } from "node:http"
import { maxJsonDepth } from "../../core/src/json.js"
import { SkyClient, SkyError } from "../src/index.js"
import { apiKey } from "./support/client.js"
import { answer, serve, transports } from "./support/loopback.js"

const chat = { model: "m", messages: [{ role: "user" as const, content: "hi" }] }

const chatChunk = (content: string) => ({
  id: "a",
  object: "chat.completion.chunk",
  created: 0,
  model: "m",
  choices: [{ index: 0, delta: { content }, finish_reason: null }]
})

/** `{"a":{"a":...1...}}`, `levels` objects deep. */
const deep = (levels: number): string => `${"{\"a\":".repeat(levels - 1)}{"a":1}${"}".repeat(levels - 1)}`

/** The failure a run ends with: a SkyError, never a defect. */
const failureOf = <A>(exit: Exit.Exit<A, SkyError.SkyError>): SkyError.SkyError => {
  expect(Exit.isFailure(exit)).toBe(true)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  expect(Cause.hasDies(exit.cause)).toBe(false)
  const failure = Cause.findErrorOption(exit.cause)
  expect(Option.isSome(failure)).toBe(true)
  return Option.getOrThrow(failure)
}

/** The client over a loopback server answering every request with `body`, alive for the test's scope. */
const over = (body: string, contentType = "text/event-stream", transport = transports[0]![1]) =>
  Effect.gen(function*() {
    const server = yield* serve(answer(200, body, { "content-type": contentType }))
    return Context.get(
      yield* Layer.build(
        SkyClient.layer({ apiKey, baseUrl: server.url, maxRetries: 0 }).pipe(
          Layer.provide(transport),
          Layer.orDie
        )
      ),
      SkyClient.SkyClient
    )
  })

const startMessage = {
  id: "msg_1",
  type: "message",
  role: "assistant",
  model: "claude",
  content: [],
  stop_reason: null,
  stop_sequence: null,
  usage: { input_tokens: 1, output_tokens: 1 }
}

/** The four routes by which a server's JSON reaches a walk in the client, each carrying `json`. */
type Route = (
  json: string,
  transport?: Layer.Layer<HttpClient.HttpClient>
) => Effect.Effect<unknown, SkyError.SkyError, Scope.Scope>

const routes: ReadonlyArray<readonly [string, Route]> = [
  ["an SSE data event with an error field", (json, transport) =>
    Effect.flatMap(over(`data: {"error":${json}}\n\n`, undefined, transport), (sky) => sky.chatCompletionsStream(chat).pipe(SkyClient.collect("chat")))],
  ["a JSON answer to a stream request", (json, transport) =>
    Effect.flatMap(
      over(`{"error":${json}}`, "application/json", transport),
      (sky) => sky.chatCompletionsStream(chat).pipe(SkyClient.collect("chat"))
    )],
  ["response.error of a failed response event", (json, transport) =>
    Effect.flatMap(
      over(
        `data: {"type":"response.failed","sequence_number":1,"response":{"id":"r","object":"response","created_at":0,"status":"failed","model":"m","output":[],"error":${json}}}\n\n`,
        undefined,
        transport
      ),
      (sky) => sky.responsesStream({ model: "m", input: "hi" }).pipe(SkyClient.collect("responses"))
    )],
  ["a usage field folded by collect(\"messages\")", (json, transport) =>
    Effect.flatMap(
      over([
        `event: message_start\ndata: ${
          JSON.stringify({ type: "message_start", message: startMessage }).replace(`"output_tokens":1`, `"output_tokens":1,"extra":${json}`)
        }\n\n`,
        `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":3,"extra":${json}}}\n\n`,
        `event: message_stop\ndata: {"type":"message_stop"}\n\n`
      ].join(""), undefined, transport),
      (sky) => sky.messagesStream({ model: "m", max_tokens: 10, messages: [] }).pipe(SkyClient.collect("messages"))
    )]
]

describe("Streams: JSON nested without bound", () => {
  for (const [name, run] of routes) {
    for (const [transportName, transport] of transports) {
      const levels = transportName === "undici" ? 100_000 : 5_000
      it.live(`${name}, ${levels} levels deep, is an InvalidResponse, not a defect (${transportName})`, () =>
        Effect.gen(function*() {
          const error = failureOf(yield* Effect.exit(run(deep(levels), transport)))
          expect(error._tag).toBe("InvalidResponse")
          expect(error.message).toContain(`nested deeper than ${maxJsonDepth} levels`)
          // The error renders without walking the deep value.
          expect(() => JSON.stringify(error.toJSON())).not.toThrow()
          expect(() => Cause.pretty(Cause.fail(error))).not.toThrow()
        }).pipe(Effect.scoped))
    }
  }

  it.live("an `event: error` whose data is too deep is still the error the gateway sent", () =>
    Effect.gen(function*() {
      const body = `event: error\ndata: {"error":{"code":2007,"message":"slow down","junk":${deep(100_000)}}}\n\n`
      const sky = yield* over(body)
      const exit = yield* Effect.exit(sky.chatCompletionsStream(chat).pipe(SkyClient.collect("chat")))
      expect(failureOf(exit)._tag).toBe("RpmLimitExceeded")
    }).pipe(Effect.scoped))

  it.live("a usage field nested just within the bound is folded", () =>
    Effect.gen(function*() {
      const [, fold] = routes[3]!
      const message = yield* fold(deep(maxJsonDepth - 3))
      expect((message as { usage: { output_tokens: number } }).usage.output_tokens).toBe(3)
    }).pipe(Effect.scoped))

  it.live("a plain call answered with JSON nested too deep is an InvalidResponse", () =>
    Effect.gen(function*() {
      const sky = yield* over(deep(100_000), "application/json")
      const error = failureOf(yield* Effect.exit(sky.request({ path: "/v1/anything" })))
      expect(error._tag).toBe("InvalidResponse")
      expect(error.message).toContain(`nested deeper than ${maxJsonDepth} levels`)
    }).pipe(Effect.scoped))

  it.live("each surface's terminator ends its stream; Gemini ends with its body after a finish reason", () =>
    Effect.gen(function*() {
      const responses = yield* over([
        `data: ${JSON.stringify({ type: "response.output_text.delta", sequence_number: 1, item_id: "i", output_index: 0, content_index: 0, delta: "he" })}\n\n`,
        `data: ${JSON.stringify({ type: "response.completed", sequence_number: 2, response: { id: "r", object: "response", created_at: 0, status: "completed", model: "m", output: [] } })}\n\n`,
        `data: ${JSON.stringify({ type: "response.output_text.delta", sequence_number: 3, item_id: "i", output_index: 0, content_index: 0, delta: "never" })}\n\n`
      ].join(""))
      const events = yield* Stream.runCollect(responses.responsesStream({ model: "m", input: "hi" }))
      expect(events.map((e) => e.type)).toEqual(["response.output_text.delta", "response.completed"])
      const gemini = yield* over([
        `data: ${JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text: "a" }] } }] })}\n\n`,
        `data: ${JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text: "b" }] }, finishReason: "STOP" }] })}\n\n`
      ].join(""))
      const merged = yield* gemini.streamGenerateContent({ model: "g", contents: [] }).pipe(SkyClient.collect("gemini"))
      expect(merged.candidates[0]?.content?.parts).toEqual([{ text: "ab" }])
      const unfinished = yield* over(`data: ${JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text: "a" }] } }] })}\n\n`)
      const error = yield* Effect.flip(Stream.runDrain(unfinished.streamGenerateContent({ model: "g", contents: [] })))
      expect(error.message).toContain("the stream ended before any chunk carried a finish reason")
    }).pipe(Effect.scoped))
})

// ---------------------------------------------------------------------------
// The body split at every byte, through the client (in memory: the bytes are the test's own)
// ---------------------------------------------------------------------------

/** Fails once `signal` is aborted, as a platform client's body or request does. */
const abortedBy = <E>(signal: AbortSignal, error: () => E): Effect.Effect<never, E> =>
  Effect.callback<never, E>((resume) => {
    const abort = () => resume(Effect.fail(error()))
    if (signal.aborted) return abort()
    signal.addEventListener("abort", abort, { once: true })
    return Effect.sync(() => signal.removeEventListener("abort", abort))
  })

/**
 * An in-memory gateway whose stream body is `body`: its timing is the body's own (virtual under the TestClock). As
 * every platform client's body does, it fails once the request's signal is aborted (or, `onAbort: "end"`, ends
 * there, as a client might; `"ignore"`: goes on, as a custom client that drops the signal would).
 */
const streaming = (body: Stream.Stream<Uint8Array>, headers: Record<string, string> = {}, onAbort: "fail" | "end" | "ignore" = "fail") =>
  Layer.succeed(HttpClient.HttpClient)(
    HttpClient.make((request, _url, signal) =>
      Effect.sync(() => {
        const response = HttpClientResponse.fromWeb(
          request,
          new Response("", { status: 200, headers: { "content-type": "text/event-stream", ...headers } })
        )
        const aborted = abortedBy(signal, () =>
          new HttpClientError.HttpClientError({
            reason: new HttpClientError.DecodeError({ request, response, cause: signal.reason })
          }))
        // The response as it is, but for the body's bytes.
        const cut = Stream.interruptWhen(body, onAbort === "fail" ? aborted : onAbort === "end" ? Effect.ignore(aborted) : Effect.never)
        return Object.create(response, { stream: { value: cut } }) as HttpClientResponse.HttpClientResponse
      })
    )
  )

/** A gateway that never answers, and gives up when the request's signal is aborted, as every platform client does. */
const silent = Layer.succeed(HttpClient.HttpClient)(
  HttpClient.make((request, _url, signal) =>
    abortedBy(signal, () =>
      new HttpClientError.HttpClientError({
        reason: new HttpClientError.TransportError({ request, cause: signal.reason, description: "aborted" })
      }))
  )
)

const endings: ReadonlyArray<readonly [string, string]> = [["\\n", "\n"], ["\\r", "\r"], ["\\r\\n", "\r\n"]]

describe("SSE line endings through the client", () => {
  for (const [name, eol] of endings) {
    it.effect(`${name}: the body split at every byte position gives the same chunks`, () =>
      Effect.gen(function*() {
        // Each chunk's JSON on two data lines, which the event joins with `\n` (JSON whitespace): a line ending
        // read twice (a `\r\n` split between chunks) would end the event half-way, and half a JSON is no JSON.
        const twoLines = (content: string) => {
          const json = JSON.stringify({ id: "a", created: 0, model: "m", choices: [{ index: 0, delta: { content } }] })
          const cut = json.indexOf(",") + 1
          return `data: ${json.slice(0, cut)}${eol}data: ${json.slice(cut)}${eol}${eol}`
        }
        const bytes = new TextEncoder().encode(`${twoLines("p1")}: ping${eol}${twoLines("ü✓")}data: [DONE]${eol}${eol}`)
        let at = 0
        const body = Stream.suspend(() => Stream.make(bytes.slice(0, at), bytes.slice(at)))
        const sky = yield* Effect.service(SkyClient.SkyClient).pipe(Effect.provide(timedClient(streaming(body))))
        for (; at <= bytes.length; at++) {
          const chunks = yield* Stream.runCollect(sky.chatCompletionsStream(chat))
          expect(chunks.map((c) => c.choices[0]?.delta.content), `split at ${at}`).toEqual(["p1", "ü✓"])
        }
      }), 120_000)
  }
})

// ---------------------------------------------------------------------------
// Deadlines: the idle timeout counts events; streamTimeout bounds the whole stream
// ---------------------------------------------------------------------------

const encoder = new TextEncoder()
const chatEvent = (content: string) => `data: ${JSON.stringify(chatChunk(content))}\n\n`

/** A body that repeats `piece` every `ms`, for ever (virtual time under the TestClock). */
const every = (ms: number, piece: string): Stream.Stream<Uint8Array> =>
  Stream.fromEffectRepeat(Effect.as(Effect.sleep(Duration.millis(ms)), encoder.encode(piece)))

/** A body that trickles `text`, one character every `ms`, for ever. */
const trickle = (ms: number, text: string): Stream.Stream<Uint8Array> =>
  Stream.forever(Stream.fromIterable([...text])).pipe(
    Stream.mapEffect((c) => Effect.as(Effect.sleep(Duration.millis(ms)), encoder.encode(c)))
  )

function timedClient(http: Layer.Layer<HttpClient.HttpClient>, options: Partial<SkyClient.Options> = {}) {
  return SkyClient.layer({ apiKey, baseUrl: "http://gw.test", maxRetries: 0, timeout: "300 millis", ...options })
    .pipe(Layer.provide(http), Layer.orDie)
}

/** The stream forked, its elements counted as they arrive. */
const forkChat = (options?: SkyClient.CallOptions) =>
  Effect.gen(function*() {
    const sky = yield* Effect.service(SkyClient.SkyClient)
    const seen = { count: 0 }
    const fiber = yield* Effect.forkChild(
      Stream.runForEach(sky.chatCompletionsStream(chat, options), () => Effect.sync(() => seen.count++))
    )
    return { fiber, seen }
  })

const expectTimeout = (exit: Exit.Exit<void, SkyError.SkyError> | undefined, timeoutMs: number, says: string) => {
  expect(exit).toBeDefined()
  const error = failureOf(exit!)
  expect(error._tag).toBe("RequestTimeout")
  expect(error.status).toBe(200)
  expect(error.requestId).toBe("req-stream-1")
  expect(error.headers?.["x-request-id"]).toBe("req-stream-1")
  expect(error._tag === "RequestTimeout" && error.timeout !== undefined && Duration.toMillis(error.timeout)).toBe(timeoutMs)
  expect(error.message).toContain(says)
}

const idHeader = { "x-request-id": "req-stream-1" }

describe("Stream deadlines (TestClock)", () => {
  it.effect("SSE comments alone do not reset the idle timeout", () =>
    Effect.gen(function*() {
      const { fiber } = yield* forkChat()
      yield* TestClock.adjust("250 millis")
      expect(fiber.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust("100 millis")
      expectTimeout(fiber.pollUnsafe(), 300, "no stream event")
    }).pipe(Effect.provide(timedClient(streaming(every(50, ": ping\n\n"), idHeader)))))

  it.effect("an event trickled a byte at a time does not reset the idle timeout", () =>
    Effect.gen(function*() {
      const { fiber, seen } = yield* forkChat()
      yield* TestClock.adjust("350 millis")
      expectTimeout(fiber.pollUnsafe(), 300, "no stream event")
      expect(seen.count).toBe(0)
    }).pipe(Effect.provide(timedClient(streaming(trickle(10, chatEvent("slow")), idHeader)))))

  it.effect("a silent body that ends once its request is aborted ends in the deadline's RequestTimeout, not a premature end", () =>
    Effect.gen(function*() {
      const { fiber, seen } = yield* forkChat()
      yield* TestClock.adjust("350 millis")
      expectTimeout(fiber.pollUnsafe(), 300, "no stream event")
      expect(seen.count).toBe(0)
    }).pipe(Effect.provide(timedClient(streaming(Stream.never, idHeader, "end")))))

  it.effect("bytes a client still gives after the deadline passed are not read: the next chunk fails with the deadline", () =>
    Effect.gen(function*() {
      const { fiber, seen } = yield* forkChat()
      yield* TestClock.adjust("450 millis")
      expectTimeout(fiber.pollUnsafe(), 300, "no stream event")
      expect(seen.count).toBe(0)
    }).pipe(Effect.provide(timedClient(streaming(every(400, chatEvent("late")), idHeader, "ignore")))))

  it.effect("the idle timeout runs only while the stream waits: a caller holding each element 1 s does not trip it", () =>
    Effect.gen(function*() {
      const sky = yield* Effect.service(SkyClient.SkyClient)
      const fiber = yield* Effect.forkChild(Stream.runCount(
        Stream.tap(Stream.take(sky.chatCompletionsStream(chat), 3), () => Effect.sleep("1 second"))
      ))
      yield* TestClock.adjust("5 seconds")
      expect(fiber.pollUnsafe()).toEqual(Exit.succeed(3))
    }).pipe(Effect.provide(timedClient(streaming(every(100, chatEvent("x")), idHeader)))))

  it.effect("each event resets the idle timeout: a steady stream runs on without streamTimeout", () =>
    Effect.gen(function*() {
      const { fiber, seen } = yield* forkChat()
      yield* TestClock.adjust("5 seconds")
      expect(fiber.pollUnsafe()).toBeUndefined()
      expect(seen.count).toBe(50)
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(timedClient(streaming(every(100, chatEvent("x")), idHeader)))))

  it.effect("streamTimeout ends a steady stream at its deadline, with status, headers and request id", () =>
    Effect.gen(function*() {
      const { fiber, seen } = yield* forkChat()
      yield* TestClock.adjust("950 millis")
      expect(fiber.pollUnsafe()).toBeUndefined()
      expect(seen.count).toBe(9)
      yield* TestClock.adjust("100 millis")
      expectTimeout(fiber.pollUnsafe(), 1000, "streamTimeout")
    }).pipe(Effect.provide(timedClient(streaming(every(100, chatEvent("x")), idHeader), { streamTimeout: "1 second" }))))

  it.effect("a call's streamTimeout is laid over the client's", () =>
    Effect.gen(function*() {
      const { fiber } = yield* forkChat({ streamTimeout: "600 millis" })
      yield* TestClock.adjust("650 millis")
      expectTimeout(fiber.pollUnsafe(), 600, "streamTimeout")
    }).pipe(Effect.provide(timedClient(streaming(every(100, chatEvent("x")), idHeader), { streamTimeout: "1 hour" }))))

  it.effect("a streamTimeout shorter than timeout bounds the wait for the headers too", () =>
    Effect.gen(function*() {
      const { fiber } = yield* forkChat({ streamTimeout: "100 millis" })
      yield* TestClock.adjust("150 millis")
      const error = failureOf(fiber.pollUnsafe()!)
      expect(error._tag).toBe("RequestTimeout")
      expect(error.status).toBeUndefined()
      expect(error.message).toContain("streamTimeout")
    }).pipe(Effect.provide(timedClient(silent))))
})

const repeatEvery = (ms: number, piece: () => string) => (response: ServerResponse) => {
  const timer = setInterval(() => response.write(piece()), ms)
  return () => clearInterval(timer)
}

/**
 * The platform's clients: a stream's deadlines abort its request, and each of them gives up on an aborted
 * request's body.
 */
const deadlineTransports: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ...transports,
  ["node:http", NodeHttpClient.layerNodeHttp]
]

/** Runs a chat stream against a loopback server, giving up after 10 s; `each` runs on every element. */
const liveRun = (
  write: (response: ServerResponse) => () => void,
  options: Partial<SkyClient.Options> = {},
  transport: Layer.Layer<HttpClient.HttpClient> = transports[0]![1],
  each: () => Effect.Effect<void> = () => Effect.void
) =>
  Effect.scoped(Effect.gen(function*() {
    const server = yield* serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream", ...idHeader })
      res.flushHeaders()
      const stop = write(res)
      res.on("close", stop)
    })
    const sky = Context.get(
      yield* Layer.build(
        SkyClient.layer({ apiKey, baseUrl: server.url, maxRetries: 0, timeout: "300 millis", ...options }).pipe(
          Layer.provide(transport),
          Layer.orDie
        )
      ),
      SkyClient.SkyClient
    )
    let count = 0
    const exit = yield* Stream.runForEach(sky.chatCompletionsStream(chat), () => Effect.andThen(each(), Effect.sync(() => count++))).pipe(
      Effect.timeoutOrElse({ duration: "10 seconds", orElse: () => Effect.die(new Error("the stream never ended")) }),
      Effect.exit
    )
    return { exit, count }
  }))

describe("Stream deadlines (loopback)", () => {
  for (const [transportName, transport] of deadlineTransports) {
    it.live(`a server sending \`: ping\` every 50 ms for ever ends in RequestTimeout after the idle timeout (${transportName})`, () =>
      Effect.gen(function*() {
        const { count, exit } = yield* liveRun(repeatEvery(50, () => ": ping\n\n"), {}, transport)
        expectTimeout(exit, 300, "no stream event")
        expect(count).toBe(0)
      }))

    it.live(`a server trickling an event a byte every 20 ms ends in RequestTimeout after the idle timeout (${transportName})`, () =>
      Effect.gen(function*() {
        const text = chatEvent("slow")
        let at = 0
        const { count, exit } = yield* liveRun(repeatEvery(20, () => text[at++ % text.length]!), {}, transport)
        expectTimeout(exit, 300, "no stream event")
        expect(count).toBe(0)
      }))

    it.live(`a server sending an event every 50 ms for ever ends in RequestTimeout at streamTimeout (${transportName})`, () =>
      Effect.gen(function*() {
        const { count, exit } = yield* liveRun(repeatEvery(50, () => chatEvent("x")), {
          // An idle timeout far above the gap between events: only streamTimeout can end this stream.
          timeout: "5 seconds",
          streamTimeout: "1 second"
        }, transport)
        expectTimeout(exit, 1000, "streamTimeout")
        expect(count).toBeGreaterThan(0)
      }))

    it.live(`a caller slower than the idle timeout does not trip it: the wait for an event starts when it asks for one (${transportName})`, () =>
      Effect.gen(function*() {
        let sent = 0
        const { count, exit } = yield* liveRun(
          // Each event within the idle timeout of the last, each taken by the caller well after it (400 ms).
          repeatEvery(200, () => (++sent <= 4 ? chatEvent("x") : sent === 5 ? "data: [DONE]\n\n" : "")),
          {},
          transport,
          () => Effect.sleep("400 millis")
        )
        expect(Exit.isSuccess(exit)).toBe(true)
        expect(count).toBe(4)
      }))
  }
})

describe("A body that ends in the middle of its last event", () => {
  const cutChat = `data: ${JSON.stringify(chatChunk("one"))}\n\ndata: {"id":"x","cho`
  const geminiChunk = (text: string, finishReason?: string) =>
    JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text }] }, ...(finishReason ? { finishReason } : {}) }] })
  const gemini = { model: "g", contents: [] }

  it.live("chat: an InvalidResponse that says the stream ended in the middle of an event, keeping its text", () =>
    Effect.gen(function*() {
      const sky = yield* over(cutChat)
      const error = failureOf(yield* Effect.exit(Stream.runDrain(sky.chatCompletionsStream(chat))))
      expect(error._tag).toBe("InvalidResponse")
      expect(error.message).toContain("the stream ended in the middle of an event")
      expect(error.message).not.toContain("not JSON")
      expect(error.body).toBe(`{"id":"x","cho`)
    }).pipe(Effect.scoped))

  it.live("Gemini: the same, even after a chunk whose finish reason let the body end", () =>
    Effect.gen(function*() {
      for (const first of [geminiChunk("a"), geminiChunk("a", "STOP")]) {
        const sky = yield* over(`data: ${first}\n\ndata: {"candidates":[{"content":{"ro`)
        const error = failureOf(yield* Effect.exit(Stream.runDrain(sky.streamGenerateContent(gemini))))
        expect(error._tag).toBe("InvalidResponse")
        expect(error.message).toContain("the stream ended in the middle of an event")
        expect(error.body).toBe(`{"candidates":[{"content":{"ro`)
      }
    }).pipe(Effect.scoped))

  it.live("a last event without its blank line that decodes counts as before; a malformed event that ended is not JSON", () =>
    Effect.gen(function*() {
      const run = (body: string) =>
        Effect.flatMap(over(body), (sky) => sky.streamGenerateContent(gemini).pipe(SkyClient.collect("gemini")))
      const merged = yield* run(`data: ${geminiChunk("a")}\n\ndata: ${geminiChunk("b", "STOP")}`)
      expect(merged.candidates[0]?.content?.parts).toEqual([{ text: "ab" }])
      const unfinished = failureOf(yield* Effect.exit(run(`data: ${geminiChunk("a")}`)))
      expect(unfinished.message).toContain("the stream ended before any chunk carried a finish reason")
      const malformed = failureOf(yield* Effect.exit(run(`data: {"candidates":[{"content":{"ro\n\n`)))
      expect(malformed.message).toContain("not JSON")
      const sky = yield* over(`data: ${JSON.stringify(chatChunk("one"))}`)
      const chatEnded = failureOf(yield* Effect.exit(Stream.runDrain(sky.chatCompletionsStream(chat))))
      expect(chatEnded.message).toContain("the stream ended before its terminator")
    }).pipe(Effect.scoped))
})
