import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Cause, Chunk, Context, Duration, Effect, Exit, Fiber, Layer, Option, Redacted, Stream, TestClock } from "effect"
import { createServer, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { SkyClient, SkyError } from "../src/index.js"
import * as Messages from "../src/Messages.js"
import { isMeaningful, maxJsonDepth, parseJson } from "../packages/core/src/json.js"
import { makeEventDecoder, maxLineLength } from "../packages/core/src/sse.js"
import * as MessagesStream from "../src/internal/surfaces/messages.js"

const apiKey = Redacted.make("ak-streams-test-key-0123456789")

/** An in-memory gateway that answers every request with one body. */
const answering = (body: string, contentType = "text/event-stream") =>
  Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request) =>
      Effect.sync(() =>
        HttpClientResponse.fromWeb(request, new Response(body, { status: 200, headers: { "content-type": contentType } }))
      )
    )
  )

/** Fails once `signal` is aborted, as a platform client's body or request does. */
const abortedBy = <E>(signal: AbortSignal, error: () => E): Effect.Effect<never, E> =>
  Effect.async<never, E>((resume) => {
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
  Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request, _url, signal) =>
      Effect.sync(() => {
        const response = HttpClientResponse.fromWeb(
          request,
          new Response("", { status: 200, headers: { "content-type": "text/event-stream", ...headers } })
        )
        const aborted = abortedBy(signal, () =>
          new HttpClientError.ResponseError({ request, response, reason: "Decode", cause: signal.reason }))
        // The response as it is, but for the body's bytes.
        const cut = Stream.interruptWhen(body, onAbort === "fail" ? aborted : onAbort === "end" ? Effect.ignore(aborted) : Effect.never)
        return Object.create(response, { stream: { value: cut } }) as HttpClientResponse.HttpClientResponse
      })
    )
  )

/** A gateway that never answers, and gives up when the request's signal is aborted, as every platform client does. */
const silent = Layer.succeed(
  HttpClient.HttpClient,
  HttpClient.make((request, _url, signal) =>
    abortedBy(signal, () => new HttpClientError.RequestError({ request, reason: "Transport", cause: signal.reason }))
  )
)

const chatChunk = (content: string) => ({
  id: "a",
  object: "chat.completion.chunk",
  created: 0,
  model: "m",
  choices: [{ index: 0, delta: { content }, finish_reason: null }]
})

const clientOver = (http: Layer.Layer<HttpClient.HttpClient>) =>
  SkyClient.layer({ apiKey, baseUrl: "http://gw.test", maxRetries: 0 }).pipe(Layer.provide(http), Layer.orDie)

/** `{"a":{"a":...1...}}`, `levels` objects deep. */
const deep = (levels: number): string => `${"{\"a\":".repeat(levels - 1)}{"a":1}${"}".repeat(levels - 1)}`

/** The failure a run ends with: a SkyError, never a defect. */
const failureOf = <A>(exit: Exit.Exit<A, SkyError.SkyError>): SkyError.SkyError => {
  expect(Exit.isFailure(exit)).toBe(true)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  expect(Cause.isDie(exit.cause)).toBe(false)
  const failure = Cause.failureOption(exit.cause)
  expect(Option.isSome(failure)).toBe(true)
  return Option.getOrThrow(failure)
}

const chat = { model: "m", messages: [{ role: "user" as const, content: "hi" }] }

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
const routes: ReadonlyArray<readonly [string, (json: string) => Effect.Effect<unknown, SkyError.SkyError>]> = [
  ["an SSE data event with an error field", (json) =>
    Effect.flatMap(SkyClient.SkyClient, (sky) =>
      SkyClient.collect("chat")(sky.chatCompletionsStream(chat))).pipe(
        Effect.provide(clientOver(answering(`data: {"error":${json}}\n\n`)))
      )],
  ["a JSON answer to a stream request", (json) =>
    Effect.flatMap(SkyClient.SkyClient, (sky) =>
      SkyClient.collect("chat")(sky.chatCompletionsStream(chat))).pipe(
        Effect.provide(clientOver(answering(`{"error":${json}}`, "application/json")))
      )],
  ["response.error of a failed response event", (json) =>
    Effect.flatMap(SkyClient.SkyClient, (sky) =>
      SkyClient.collect("responses")(sky.responsesStream({ model: "m", input: "hi" }))).pipe(
        Effect.provide(clientOver(answering(
          `data: {"type":"response.failed","sequence_number":1,"response":{"id":"r","object":"response","created_at":0,"status":"failed","model":"m","output":[],"error":${json}}}\n\n`
        )))
      )],
  ["a usage field folded by collectMessage", (json) =>
    Effect.flatMap(SkyClient.SkyClient, (sky) =>
      SkyClient.collect("messages")(sky.messagesStream({ model: "m", max_tokens: 10, messages: [] }))).pipe(
        Effect.provide(clientOver(answering([
          `event: message_start\ndata: ${
            JSON.stringify({ type: "message_start", message: startMessage }).replace(`"output_tokens":1`, `"output_tokens":1,"extra":${json}`)
          }\n\n`,
          `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":3,"extra":${json}}}\n\n`,
          `event: message_stop\ndata: {"type":"message_stop"}\n\n`
        ].join(""))))
      )]
]

describe("Streams: JSON nested without bound", () => {
  for (const [name, run] of routes) {
    for (const levels of [5_000, 100_000]) {
      it.effect(`${name}, ${levels} levels deep, is an InvalidResponse, not a defect`, () =>
        Effect.gen(function*() {
          const error = failureOf(yield* Effect.exit(run(deep(levels))))
          expect(error._tag).toBe("InvalidResponse")
          expect(error.message).toContain(`nested deeper than ${maxJsonDepth} levels`)
          // The error renders without walking the deep value.
          expect(() => JSON.stringify(error.toJSON())).not.toThrow()
          expect(() => Cause.pretty(Cause.fail(error))).not.toThrow()
        }))
    }
  }

  it.effect("an `event: error` whose data is too deep is still the error the gateway sent", () =>
    Effect.gen(function*() {
      const body = `event: error\ndata: {"error":{"code":2007,"message":"slow down","junk":${deep(100_000)}}}\n\n`
      const exit = yield* Effect.exit(
        Effect.flatMap(SkyClient.SkyClient, (sky) => SkyClient.collect("chat")(sky.chatCompletionsStream(chat)))
          .pipe(Effect.provide(clientOver(answering(body))))
      )
      expect(failureOf(exit)._tag).toBe("RpmLimitExceeded")
    }))

  it.effect("a usage field nested just within the bound is folded", () =>
    Effect.gen(function*() {
      const [, fold] = routes[3]!
      const message = yield* fold(deep(maxJsonDepth - 3))
      expect((message as { usage: { output_tokens: number } }).usage.output_tokens).toBe(3)
    }))
})

describe("parseJson", () => {
  it("counts only brackets outside strings, and any escape inside them", () => {
    const inString = `{"s":"${"[{".repeat(2000)}\\"${"[".repeat(2000)}"}`
    expect(parseJson(inString)._tag).toBe("Right")
    expect(parseJson(deep(maxJsonDepth))._tag).toBe("Right")
    const over = parseJson(deep(maxJsonDepth + 1))
    expect(over._tag === "Left" && over.problem.message).toBe(`JSON nested deeper than ${maxJsonDepth} levels`)
    expect(parseJson(`[${"[".repeat(600)}`)._tag).toBe("Left")
    // The shortest texts at and past the bound: the scan may be skipped only below the second one's length.
    expect(parseJson(`${"[".repeat(maxJsonDepth)}${"]".repeat(maxJsonDepth)}`)._tag).toBe("Right")
    const shortest = parseJson(`${"[".repeat(maxJsonDepth + 1)}${"]".repeat(maxJsonDepth + 1)}`)
    expect(shortest._tag === "Left" && shortest.problem.message).toBe(`JSON nested deeper than ${maxJsonDepth} levels`)
    const broken = parseJson("{")
    expect(broken._tag === "Left" && broken.problem.message.startsWith("not JSON")).toBe(true)
  })

  it("isMeaningful walks a value of any depth without recursion", () => {
    let value: unknown = 0
    for (let i = 0; i < 200_000; i++) value = i % 2 === 0 ? { a: value } : [value]
    expect(isMeaningful(value)).toBe(false)
    let meaningful: unknown = "x"
    for (let i = 0; i < 200_000; i++) meaningful = { a: meaningful, b: 0 }
    expect(isMeaningful(meaningful)).toBe(true)
    expect(isMeaningful({ a: "", b: [0, null, { c: false }] })).toBe(false)
  })
})

describe("parseJson at every wire parse", () => {
  it.effect("a plain call answered with JSON nested too deep is an InvalidResponse", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Effect.flatMap(SkyClient.SkyClient, (sky) => sky.request({ path: "/v1/anything" })).pipe(
          Effect.provide(clientOver(answering(deep(100_000), "application/json")))
        )
      )
      const error = failureOf(exit)
      expect(error._tag).toBe("InvalidResponse")
      expect(error.message).toContain(`nested deeper than ${maxJsonDepth} levels`)
    }))

  it("collectMessage keeps a tool input nested too deep as its raw text", () => {
    const raw = deep(5_000)
    const message = MessagesStream.accumulate([
      { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "t", name: "f", input: {} } },
      { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: raw } }
    ] as unknown as ReadonlyArray<Messages.MessageStreamEvent>)
    expect((message.content[0] as { input: unknown }).input).toBe(raw)
  })
})

// ---------------------------------------------------------------------------
// Line endings: every ending, every split, linear
// ---------------------------------------------------------------------------

/** Events with every field the client reads, a comment, and data on two lines. */
const eventsText = (eol: string): string =>
  [
    `: comment${eol}`,
    `event: first${eol}data: {"n":1}${eol}${eol}`,
    `id: 7${eol}data: two${eol}data: lines ünïcode ✓${eol}${eol}`,
    `data:no-space${eol}${eol}`,
    `event: last${eol}data: end`
  ].join("")

const expectedEvents = [
  { event: "first", id: undefined, data: `{"n":1}` },
  { event: "message", id: "7", data: "two\nlines ünïcode ✓" },
  { event: "message", id: undefined, data: "no-space" },
  { event: "last", id: undefined, data: "end" }
]

const decodeAll = (pieces: ReadonlyArray<string>, parser?: Parameters<typeof makeEventDecoder>[0]) => {
  const decoder = makeEventDecoder(parser)
  const events: Array<{ event: string; id: string | undefined; data: string }> = []
  for (const piece of [...pieces.map((p) => decoder.push(p)), decoder.end()]) {
    if (!Array.isArray(piece)) throw new Error(piece.message)
    for (const e of piece) events.push({ event: e.event, id: e.id, data: e.data })
  }
  return events
}

const endings: ReadonlyArray<readonly [string, string]> = [["\\n", "\n"], ["\\r", "\r"], ["\\r\\n", "\r\n"]]

describe("SSE line endings", () => {
  for (const [name, eol] of endings) {
    it(`${name}: the same events whole, split in two at every position, and one character at a time`, () => {
      const text = eventsText(eol)
      expect(decodeAll([text])).toEqual(expectedEvents)
      for (let at = 0; at <= text.length; at++) {
        expect(decodeAll([text.slice(0, at), text.slice(at)]), `split at ${at}`).toEqual(expectedEvents)
      }
      expect(decodeAll([...text])).toEqual(expectedEvents)
    })

    it.effect(`${name}: through the client, the body split at every byte position`, () =>
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
        const sky = yield* Effect.provide(SkyClient.SkyClient, clientOver(streaming(body)))
        for (; at <= bytes.length; at++) {
          const chunks = yield* Stream.runCollect(sky.chatCompletionsStream(chat))
          expect(Chunk.toReadonlyArray(chunks).map((c) => c.choices[0]?.delta.content), `split at ${at}`)
            .toEqual(["p1", "ü✓"])
        }
      }), 120_000)
  }

  it("reads each character into one line once, one line per field, for every ending and chunking", () => {
    for (const [, eol] of endings) {
      const text = Array.from({ length: 20_000 }, (_, i) => `data: {"i":${i}}${eol}${eol}`).join("")
      for (const pieces of [[text], text.match(/[^]{1,7}/g)!]) {
        let read = 0
        let lines = 0
        let notOneLine = 0
        const counting = (line: string) => {
          read += line.length
          lines += 1
          // A line never holds a line ending: the decoder interprets each field once, in one pass.
          if (line.includes("\n") || line.includes("\r")) notOneLine += 1
        }
        expect(decodeAll(pieces, counting)).toHaveLength(20_000)
        expect(notOneLine).toBe(0)
        expect(read).toBeLessThanOrEqual(text.length)
        expect(lines).toBeLessThanOrEqual(40_001)
      }
    }
  })

  it("interprets fields per the SSE standard", () => {
    const text = [
      ": a comment: with a colon\n",
      "event:\n", // an empty type is "message"
      "data\n", // a field name alone: an empty data line
      "data:  two spaces\n", // only the first space after the colon is dropped
      "retry: 10\n", // read and ignored: the client does not reconnect
      "unknown: field\n",
      "\n",
      "id: 1\n", // no data line: no event, and its id and type are dropped with it
      "event: lost\n",
      "\n",
      "id: a\u0000b\n", // an id with NUL is ignored
      "data: x\n",
      "\n"
    ].join("")
    expect(decodeAll([`\uFEFF${text}`])).toEqual([
      { event: "message", id: undefined, data: "\n two spaces" },
      { event: "message", id: undefined, data: "x" }
    ])
  })

  it("refuses an event whose data lines together pass the limit", () => {
    const decoder = makeEventDecoder()
    const line = `data: ${"x".repeat(1024 * 1024)}\n`
    let result: ReturnType<typeof decoder.push> = []
    for (let i = 0; i < 11 && Array.isArray(result); i++) result = decoder.push(line)
    expect(Array.isArray(result)).toBe(false)
    if (!Array.isArray(result)) expect(result.message).toContain(`event exceeded the maximum size of ${maxLineLength}`)
  })

  it("refuses a line longer than the limit without buffering more of it", () => {
    const decoder = makeEventDecoder()
    const piece = "x".repeat(1024 * 1024)
    let result: ReturnType<typeof decoder.push> = []
    for (let i = 0; i < 11 && Array.isArray(result); i++) result = decoder.push(piece)
    expect(Array.isArray(result)).toBe(false)
    if (!Array.isArray(result)) expect(result.message).toContain(`${maxLineLength}`)
  })
})

// ---------------------------------------------------------------------------
// Deadlines: the idle timeout counts events; streamTimeout bounds the whole stream
// ---------------------------------------------------------------------------

const encoder = new TextEncoder()
const chatEvent = (content: string) => `data: ${JSON.stringify(chatChunk(content))}\n\n`

/** A body that repeats `piece` every `every`, for ever (virtual time under the TestClock). */
const every = (ms: number, piece: string): Stream.Stream<Uint8Array> =>
  Stream.repeatEffect(Effect.as(Effect.sleep(Duration.millis(ms)), encoder.encode(piece)))

/** A body that trickles `text`, one character every `ms`, for ever. */
const trickle = (ms: number, text: string): Stream.Stream<Uint8Array> =>
  Stream.forever(Stream.fromIterable([...text])).pipe(
    Stream.mapEffect((c) => Effect.as(Effect.sleep(Duration.millis(ms)), encoder.encode(c)))
  )

const timedClient = (http: Layer.Layer<HttpClient.HttpClient>, options: Partial<SkyClient.Options> = {}) =>
  SkyClient.layer({ apiKey, baseUrl: "http://gw.test", maxRetries: 0, timeout: "300 millis", ...options })
    .pipe(Layer.provide(http), Layer.orDie)

/** The stream forked, its elements counted as they arrive. */
const forkChat = (options?: SkyClient.CallOptions) =>
  Effect.gen(function*() {
    const sky = yield* SkyClient.SkyClient
    const seen = { count: 0 }
    const fiber = yield* Effect.fork(
      Stream.runForEach(sky.chatCompletionsStream(chat, options), () => Effect.sync(() => seen.count++))
    )
    return { fiber, seen }
  })

const expectTimeout = (exit: Option.Option<Exit.Exit<void, SkyError.SkyError>>, timeoutMs: number, says: string) => {
  expect(Option.isSome(exit)).toBe(true)
  const error = failureOf(Option.getOrThrow(exit))
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
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      yield* TestClock.adjust("100 millis")
      expectTimeout(yield* Fiber.poll(fiber), 300, "no stream event")
    }).pipe(Effect.provide(timedClient(streaming(every(50, ": ping\n\n"), idHeader)))))

  it.effect("an event trickled a byte at a time does not reset the idle timeout", () =>
    Effect.gen(function*() {
      const { fiber, seen } = yield* forkChat()
      yield* TestClock.adjust("350 millis")
      expectTimeout(yield* Fiber.poll(fiber), 300, "no stream event")
      expect(seen.count).toBe(0)
    }).pipe(Effect.provide(timedClient(streaming(trickle(10, chatEvent("slow")), idHeader)))))

  it.effect("a silent body that ends once its request is aborted ends in the deadline's RequestTimeout, not a premature end", () =>
    Effect.gen(function*() {
      const { fiber, seen } = yield* forkChat()
      yield* TestClock.adjust("350 millis")
      expectTimeout(yield* Fiber.poll(fiber), 300, "no stream event")
      expect(seen.count).toBe(0)
    }).pipe(Effect.provide(timedClient(streaming(Stream.never, idHeader, "end")))))

  it.effect("bytes a client still gives after the deadline passed are not read: the next chunk fails with the deadline", () =>
    Effect.gen(function*() {
      const { fiber, seen } = yield* forkChat()
      yield* TestClock.adjust("450 millis")
      expectTimeout(yield* Fiber.poll(fiber), 300, "no stream event")
      expect(seen.count).toBe(0)
    }).pipe(Effect.provide(timedClient(streaming(every(400, chatEvent("late")), idHeader, "ignore")))))

  it.effect("the idle timeout runs only while the stream waits: a caller holding each element 1 s does not trip it", () =>
    Effect.gen(function*() {
      const sky = yield* SkyClient.SkyClient
      const fiber = yield* Effect.fork(Stream.runCount(
        Stream.tap(Stream.take(sky.chatCompletionsStream(chat), 3), () => Effect.sleep("1 second"))
      ))
      yield* TestClock.adjust("5 seconds")
      expect(yield* Fiber.poll(fiber)).toEqual(Option.some(Exit.succeed(3)))
    }).pipe(Effect.provide(timedClient(streaming(every(100, chatEvent("x")), idHeader)))))

  it.effect("each event resets the idle timeout: a steady stream runs on without streamTimeout", () =>
    Effect.gen(function*() {
      const { fiber, seen } = yield* forkChat()
      yield* TestClock.adjust("5 seconds")
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      expect(seen.count).toBe(50)
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(timedClient(streaming(every(100, chatEvent("x")), idHeader)))))

  it.effect("streamTimeout ends a steady stream at its deadline, with status, headers and request id", () =>
    Effect.gen(function*() {
      const { fiber, seen } = yield* forkChat()
      yield* TestClock.adjust("950 millis")
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      expect(seen.count).toBe(9)
      yield* TestClock.adjust("100 millis")
      expectTimeout(yield* Fiber.poll(fiber), 1000, "streamTimeout")
    }).pipe(Effect.provide(timedClient(streaming(every(100, chatEvent("x")), idHeader), { streamTimeout: "1 second" }))))

  it.effect("a call's streamTimeout is laid over the client's", () =>
    Effect.gen(function*() {
      const { fiber } = yield* forkChat({ streamTimeout: "600 millis" })
      yield* TestClock.adjust("650 millis")
      expectTimeout(yield* Fiber.poll(fiber), 600, "streamTimeout")
    }).pipe(Effect.provide(timedClient(streaming(every(100, chatEvent("x")), idHeader), { streamTimeout: "1 hour" }))))

  it.effect("a streamTimeout shorter than timeout bounds the wait for the headers too", () =>
    Effect.gen(function*() {
      const { fiber } = yield* forkChat({ streamTimeout: "100 millis" })
      yield* TestClock.adjust("150 millis")
      const exit = yield* Fiber.poll(fiber)
      const error = failureOf(Option.getOrThrow(exit))
      expect(error._tag).toBe("RequestTimeout")
      expect(error.status).toBeUndefined()
      expect(error.message).toContain("streamTimeout")
    }).pipe(Effect.provide(timedClient(silent))))
})

/** A loopback SSE server: `write` starts writing to each response and returns how to stop. */
const serve = (write: (response: ServerResponse) => () => void) =>
  Effect.acquireRelease(
    Effect.async<Server>((resume) => {
      const server = createServer((request, response) => {
        request.resume()
        response.writeHead(200, { "content-type": "text/event-stream", ...idHeader })
        response.flushHeaders()
        const stop = write(response)
        response.on("close", stop)
      })
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map((server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`))

const repeatEvery = (ms: number, piece: () => string) => (response: ServerResponse) => {
  const timer = setInterval(() => response.write(piece()), ms)
  return () => clearInterval(timer)
}

/**
 * The platform's clients: a stream's deadlines abort its request, and each of them gives up on an aborted
 * request's body.
 */
const transports = [
  ["undici", NodeHttpClient.layerUndici],
  ["node:http", NodeHttpClient.layer],
  ["fetch", FetchHttpClient.layer]
] as const

/** Runs a chat stream against a loopback server, giving up after 10 s (the old client never ended). */
const liveRun = (
  write: (response: ServerResponse) => () => void,
  options: Partial<SkyClient.Options> = {},
  transport: Layer.Layer<HttpClient.HttpClient> = NodeHttpClient.layerUndici,
  each: () => Effect.Effect<void> = () => Effect.void
) =>
  Effect.scoped(Effect.gen(function*() {
    const baseUrl = yield* serve(write)
    // Built in this scope: the transport lives until the server is stopped.
    const sky = Context.get(
      yield* Layer.build(
        SkyClient.layer({ apiKey, baseUrl, maxRetries: 0, timeout: "300 millis", ...options }).pipe(
          Layer.provide(transport),
          Layer.orDie
        )
      ),
      SkyClient.SkyClient
    )
    let count = 0
    const exit = yield* Stream.runForEach(sky.chatCompletionsStream(chat), () => Effect.zipRight(each(), Effect.sync(() => count++))).pipe(
      Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error("the stream never ended") }),
      Effect.exit
    )
    return { exit, count }
  }))

describe.each(transports)("Stream deadlines (loopback, %s)", (_name, transport) => {
  it.live("a server sending `: ping` every 50 ms for ever ends in RequestTimeout after the idle timeout", () =>
    Effect.gen(function*() {
      const { count, exit } = yield* liveRun(repeatEvery(50, () => ": ping\n\n"), {}, transport)
      expectTimeout(Option.some(exit as Exit.Exit<void, SkyError.SkyError>), 300, "no stream event")
      expect(count).toBe(0)
    }))

  it.live("a server trickling an event a byte every 20 ms ends in RequestTimeout after the idle timeout", () =>
    Effect.gen(function*() {
      const text = chatEvent("slow")
      let at = 0
      const { count, exit } = yield* liveRun(repeatEvery(20, () => text[at++ % text.length]!), {}, transport)
      expectTimeout(Option.some(exit as Exit.Exit<void, SkyError.SkyError>), 300, "no stream event")
      expect(count).toBe(0)
    }))

  it.live("a server sending an event every 50 ms for ever ends in RequestTimeout at streamTimeout", () =>
    Effect.gen(function*() {
      const { count, exit } = yield* liveRun(repeatEvery(50, () => chatEvent("x")), {
        // An idle timeout far above the gap between events: only streamTimeout can end this stream.
        timeout: "5 seconds",
        streamTimeout: "1 second"
      }, transport)
      expectTimeout(Option.some(exit as Exit.Exit<void, SkyError.SkyError>), 1000, "streamTimeout")
      expect(count).toBeGreaterThan(0)
    }))

  it.live("a caller that stops early (take 3, or an interruption) closes the connection at once", () =>
    Effect.scoped(Effect.gen(function*() {
      let closed = 0
      const baseUrl = yield* serve((response) => {
        const timer = setInterval(() => response.write(chatEvent("x")), 20)
        return () => {
          clearInterval(timer)
          closed += 1
        }
      })
      const sky = Context.get(
        yield* Layer.build(
          SkyClient.layer({ apiKey, baseUrl, maxRetries: 0, timeout: "300 millis", streamTimeout: "5 seconds" }).pipe(
            Layer.provide(transport),
            Layer.orDie
          )
        ),
        SkyClient.SkyClient
      )
      const taken = yield* Stream.runCollect(Stream.take(sky.chatCompletionsStream(chat), 3))
      expect(Chunk.size(taken)).toBe(3)
      const fiber = yield* Effect.fork(Stream.runDrain(sky.chatCompletionsStream(chat)))
      yield* Effect.sleep("100 millis")
      yield* Fiber.interrupt(fiber)
      // The server sees both responses closed, long before either deadline could have passed.
      for (let i = 0; i < 100 && closed < 2; i++) yield* Effect.sleep("10 millis")
      expect(closed).toBe(2)
    })))

  it.live("a caller slower than the idle timeout does not trip it: the wait for an event starts when it asks for one", () =>
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
})

describe("A body that ends in the middle of its last event", () => {
  const cutChat = `data: ${JSON.stringify(chatChunk("one"))}\n\ndata: {"id":"x","cho`
  const geminiChunk = (text: string, finishReason?: string) =>
    JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text }] }, ...(finishReason ? { finishReason } : {}) }] })
  const cutGemini = `data: ${geminiChunk("a")}\n\ndata: {"candidates":[{"content":{"ro`
  const gemini = { model: "g", contents: [] }

  it.effect("chat: an InvalidResponse that says the stream ended in the middle of an event, keeping its text", () =>
    Effect.gen(function*() {
      const sky = yield* SkyClient.SkyClient
      const error = failureOf(yield* Effect.exit(Stream.runDrain(sky.chatCompletionsStream(chat))))
      expect(error._tag).toBe("InvalidResponse")
      expect(error.message).toContain("the stream ended in the middle of an event")
      expect(error.message).not.toContain("not JSON")
      expect(error.body).toBe(`{"id":"x","cho`)
    }).pipe(Effect.provide(clientOver(answering(cutChat)))))

  it.effect("Gemini: the same, even after a chunk whose finish reason let the body end", () =>
    Effect.gen(function*() {
      for (const body of [cutGemini, `data: ${geminiChunk("a", "STOP")}\n\ndata: {"candidates":[{"content":{"ro`]) {
        const error = failureOf(
          yield* Effect.exit(Stream.runDrain(
            Effect.flatMap(SkyClient.SkyClient, (sky) => Effect.succeed(sky.streamGenerateContent(gemini))).pipe(
              Stream.unwrap,
              Stream.provideLayer(clientOver(answering(body)))
            )
          ))
        )
        expect(error._tag).toBe("InvalidResponse")
        expect(error.message).toContain("the stream ended in the middle of an event")
        expect(error.body).toBe(`{"candidates":[{"content":{"ro`)
      }
    }))

  it.effect("a last event without its blank line that decodes counts as before; a malformed event that ended is not JSON", () =>
    Effect.gen(function*() {
      const run = (body: string) =>
        Effect.flatMap(SkyClient.SkyClient, (sky) => SkyClient.collect("gemini")(sky.streamGenerateContent(gemini))).pipe(
          Effect.provide(clientOver(answering(body)))
        )
      const merged = yield* run(`data: ${geminiChunk("a")}\n\ndata: ${geminiChunk("b", "STOP")}`)
      expect(merged.candidates[0]?.content?.parts).toEqual([{ text: "ab" }])
      const unfinished = failureOf(yield* Effect.exit(run(`data: ${geminiChunk("a")}`)))
      expect(unfinished.message).toContain("the stream ended before any chunk carried a finish reason")
      const malformed = failureOf(yield* Effect.exit(run(`data: {"candidates":[{"content":{"ro\n\n`)))
      expect(malformed.message).toContain("not JSON")
      const chatEnded = failureOf(
        yield* Effect.exit(
          Effect.flatMap(SkyClient.SkyClient, (sky) => Stream.runDrain(sky.chatCompletionsStream(chat))).pipe(
            Effect.provide(clientOver(answering(`data: ${JSON.stringify(chatChunk("one"))}`)))
          )
        )
      )
      expect(chatEnded.message).toContain("the stream ended before its terminator")
    }))
})
