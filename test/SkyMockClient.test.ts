import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Layer, ManagedRuntime, Option, Redacted, Stream } from "effect"
import * as Chat from "../src/Chat.js"
import * as Embeddings from "../src/Embeddings.js"
import * as Gemini from "../src/Gemini.js"
import * as Messages from "../src/Messages.js"
import * as Responses from "../src/Responses.js"
import * as SkyClient from "../src/SkyClient.js"
import * as SkyError from "../src/SkyError.js"
import * as SkyMock from "../src/SkyMock.js"
import * as SkyWire from "../src/SkyWire.js"

const { Fault } = SkyMock

const text = "hello world"
const chatRequest = (content = text, model = "doubao-seed-1-6"): Chat.CreateChatCompletionRequest => ({
  model,
  messages: [{ role: "user", content }]
})
const responsesRequest: Responses.CreateResponseRequest = { model: "gpt-4.1", input: text }
const messagesRequest: Messages.CreateMessageRequest = {
  model: "claude-sonnet-4",
  max_tokens: 64,
  messages: [{ role: "user", content: text }]
}
const geminiRequest = (model = "gemini-2.5-flash"): Gemini.GenerateContentRequest => ({
  model,
  contents: [{ role: "user", parts: [{ text }] }]
})

/** Retries off. */
const once: SkyClient.CallOptions = { maxRetries: 0 }
/** Retries on, with short waits. */
const fast: SkyClient.CallOptions = { maxRetries: 2, retry: { initialDelay: "10 millis", maxDelay: "20 millis" } }

const mockHeader = (spec: string, call: SkyClient.CallOptions = once): SkyClient.CallOptions => ({
  ...call,
  headers: { "x-sky-mock": spec }
})

const codeOf = (error: SkyError.SkyError): number | string | undefined => ("code" in error ? error.code : undefined)

/** The four streaming methods, each over "hello world". */
const streams = (client: SkyClient.Service, call: SkyClient.CallOptions) => ({
  chat: client.chatCompletionsStream(chatRequest(), call) as Stream.Stream<unknown, SkyError.SkyError>,
  responses: client.responsesStream(responsesRequest, call) as Stream.Stream<unknown, SkyError.SkyError>,
  messages: client.messagesStream(messagesRequest, call) as Stream.Stream<unknown, SkyError.SkyError>,
  gemini: client.streamGenerateContent(geminiRequest(), call) as Stream.Stream<unknown, SkyError.SkyError>
})
const streamNames = ["chat", "responses", "messages", "gemini"] as const

/** Runs a stream, keeping what it yielded before it ended or failed. */
const drain = <A>(stream: Stream.Stream<A, SkyError.SkyError>) =>
  Effect.gen(function*() {
    const seen: Array<A> = []
    const result = yield* Effect.either(Stream.runForEach(stream, (a) => Effect.sync(() => void seen.push(a))))
    return { seen, result }
  })

const failure = <A>(result: Either.Either<A, SkyError.SkyError>): SkyError.SkyError =>
  Either.match(result, {
    onLeft: (error) => error,
    onRight: () => {
      throw new Error("expected a failure, got a success")
    }
  })

const services = Effect.all({ client: SkyClient.SkyClient, mock: SkyMock.SkyMock })

const tableTags = SkyError.tags.filter((tag) => SkyError.catalogue[tag].code !== undefined)

// ---------------------------------------------------------------------------

// One double for the whole table. Not @effect/vitest's `layer`: it assigns its methods onto vitest's shared `it`,
// which, when files share a worker's modules (--no-isolate), gives every later file's `it.effect` this double's
// runtime in place of the TestClock.
describe("every code in every shape, retries off", () => {
  const mockRuntime = ManagedRuntime.make(SkyMock.layerClient())
  afterAll(() => mockRuntime.dispose())
  for (const shape of SkyWire.shapes) {
    for (const tag of tableTags) {
      const entry: SkyError.CatalogueEntry = SkyError.catalogue[tag]
      it.live(`${entry.code} in the ${shape} shape is ${tag}`, () =>
        Effect.gen(function*() {
          const { client, mock } = yield* services
          const error = yield* Effect.flip(
            client.chatCompletions(chatRequest(), mockHeader(`error:${entry.code},shape=${shape},retry-after-ms=1500`))
          )
          const sent = (yield* mock.requests).at(-1)!
          expect(error._tag).toBe(tag)
          expect(codeOf(error)).toBe(entry.code)
          expect(error.status).toBe(entry.status)
          expect(error.requestId).toBe(sent.requestId)
          expect(error.retryAfter === undefined ? undefined : Duration.toMillis(error.retryAfter)).toBe(1500)
          expect(error.attempts).toEqual([{ attempt: 1, tag, status: entry.status, code: entry.code, requestId: sent.requestId }])
          expect(sent.fault).toBe(`error:${entry.code},shape=${shape},retry-after-ms=1500`)
        }).pipe(Effect.provide(mockRuntime)))
    }
  }
})

// ---------------------------------------------------------------------------

describe("retries", () => {
  it.live("retry-after is honoured: two 2007 with retry-after-ms=50, then success on the third attempt", () =>
    Effect.gen(function*() {
      const { client, mock } = yield* services
      const fault = SkyMock.parseFault("error:2007,retry-after-ms=50").pipe(Either.getOrThrow)
      yield* mock.enqueue(fault, 2)
      const start = Date.now()
      const completion = yield* client.chatCompletions(chatRequest())
      const elapsed = Date.now() - start
      expect(completion.choices[0]!.message.content).toBe("echo: hello world")
      const requests = yield* mock.requests
      expect(requests.map((r) => r.attempt)).toEqual([1, 2, 3])
      expect(requests.map((r) => r.fault)).toEqual(["error:2007,retry-after-ms=50", "error:2007,retry-after-ms=50", undefined])
      // the default backoff would have waited 0.5 s then 1 s; the hint says 50 ms each
      expect(elapsed).toBeGreaterThanOrEqual(95)
      expect(elapsed).toBeLessThan(1000)
    }).pipe(Effect.provide(SkyMock.layerClient())))

  it.live("2101 is not retried: tried once", () =>
    Effect.gen(function*() {
      const { client, mock } = yield* services
      yield* mock.enqueue(Fault.ErrorResponse({ code: 2101 }), 3)
      const error = yield* Effect.flip(client.chatCompletions(chatRequest(), fast))
      expect(error._tag).toBe("InvalidApiKey")
      expect(error.attempts).toHaveLength(1)
      expect((yield* mock.requests).map((r) => r.attempt)).toEqual([1])
    }).pipe(Effect.provide(SkyMock.layerClient())))

  it.live("a wrong key: InvalidApiKey, once; on /v1/messages from the Anthropic body", () =>
    Effect.gen(function*() {
      const { client, mock } = yield* services
      const chat = yield* Effect.flip(client.chatCompletions(chatRequest(), fast))
      expect(chat._tag).toBe("InvalidApiKey")
      expect(chat.status).toBe(401)
      expect(chat.errorType).toBe("Unauthorized")
      const messages = yield* Effect.flip(client.messages(messagesRequest, fast))
      expect(messages._tag).toBe("InvalidApiKey")
      expect(messages.errorType).toBe("The API key in the request is missing or invalid")
      expect(messages.message).toBe("The API key in the request is missing or invalid")
      const requests = yield* mock.requests
      expect(requests).toHaveLength(2)
      expect(requests.every((r) => !r.authorized)).toBe(true)
      expect(messages.requestId).toBe(requests[1]!.requestId)
    }).pipe(Effect.provide(SkyMock.layerClient({ client: { apiKey: Redacted.make("ak-wrong") } }))))

  it.live("retries exhausted: the final error lists every attempt", () =>
    Effect.gen(function*() {
      const { client, mock } = yield* services
      yield* mock.enqueue(Fault.ErrorResponse({ code: 2002, message: "upstream down" }), 5)
      const error = yield* Effect.flip(client.chatCompletions(chatRequest(), { ...fast, maxRetries: 3 }))
      const requests = yield* mock.requests
      expect(error._tag).toBe("UpstreamUnavailable")
      expect(error.message).toBe("upstream down")
      expect(requests.map((r) => r.attempt)).toEqual([1, 2, 3, 4])
      expect(error.requestId).toBe(requests[3]!.requestId)
      expect(error.attempts).toHaveLength(4)
      error.attempts!.forEach((attempt, i) => {
        expect(attempt).toMatchObject({
          attempt: i + 1,
          tag: "UpstreamUnavailable",
          status: 424,
          code: 2002,
          requestId: requests[i]!.requestId
        })
        if (i < 3) expect(Duration.toMillis(attempt.wait!)).toBeLessThanOrEqual(20)
        else expect(attempt.wait).toBeUndefined()
      })
    }).pipe(Effect.provide(SkyMock.layerClient())))

  it.live("x-should-retry decides: should-retry=false stops a retryable code, should-retry=true retries 2004", () =>
    Effect.gen(function*() {
      const { client, mock } = yield* services
      yield* mock.enqueue(Fault.ErrorResponse({ code: 2002, shouldRetry: false }))
      const stopped = yield* Effect.flip(client.chatCompletions(chatRequest(), fast))
      expect(stopped._tag).toBe("UpstreamUnavailable")
      expect(stopped.shouldRetry).toBe(false)
      expect(yield* mock.requests).toHaveLength(1)

      yield* mock.clear
      yield* mock.enqueue(Fault.ErrorResponse({ code: 2004, shouldRetry: true }))
      const completion = yield* client.chatCompletions(chatRequest(), fast)
      expect(completion.choices[0]!.message.content).toBe("echo: hello world")
      expect((yield* mock.requests).map((r) => r.attempt)).toEqual([1, 2])
    }).pipe(Effect.provide(SkyMock.layerClient())))

  it.live("a connection reset is retried, then the call succeeds", () =>
    Effect.gen(function*() {
      const { client, mock } = yield* services
      yield* mock.enqueue(Fault.ResetBeforeHeaders())
      const completion = yield* client.chatCompletions(chatRequest(), fast)
      expect(completion.choices[0]!.message.content).toBe("echo: hello world")
      expect((yield* mock.requests).map((r) => [r.attempt, r.fault])).toEqual([[1, "reset-before-headers"], [2, undefined]])
    }).pipe(Effect.provide(SkyMock.layerClient())))

  it.live("rpm: RpmLimitExceeded with the window's wait; the wait is capped by maxRetryAfter", () =>
    Effect.gen(function*() {
      const { client, mock } = yield* services
      yield* client.chatCompletions(chatRequest(), once)
      const limited = yield* Effect.flip(client.chatCompletions(chatRequest(), once))
      expect(limited._tag).toBe("RpmLimitExceeded")
      expect(limited.status).toBe(429)
      expect(Duration.toMillis(limited.retryAfter!)).toBeGreaterThan(58_000)
      expect(Duration.toMillis(limited.retryAfter!)).toBeLessThanOrEqual(60_000)

      const capped = yield* Effect.flip(client.chatCompletions(chatRequest(), {
        maxRetries: 1,
        retry: { maxRetryAfter: "20 millis" }
      }))
      expect(capped._tag).toBe("RpmLimitExceeded")
      expect(capped.attempts!.map((a) => a.wait === undefined ? undefined : Duration.toMillis(a.wait))).toEqual([20, undefined])
      expect((yield* mock.requests).map((r) => r.attempt)).toEqual([1, 1, 1, 2])
    }).pipe(Effect.provide(SkyMock.layerClient({ rpm: 1 }))))

  it.live("tpm: TpmLimitExceeded", () =>
    Effect.gen(function*() {
      const { client } = yield* services
      // "hello world" (2) + "echo: hello world" (3) = 5 tokens per call
      yield* client.chatCompletions(chatRequest(), once)
      const limited = yield* Effect.flip(client.chatCompletions(chatRequest(), once))
      expect(limited._tag).toBe("TpmLimitExceeded")
      expect(codeOf(limited)).toBe(2008)
      expect(limited.retryAfter).toBeDefined()
    }).pipe(Effect.provide(SkyMock.layerClient({ tpm: 8 }))))
})

// ---------------------------------------------------------------------------

describe("transport and body faults", () => {
  it.live("html502: UnknownGatewayError 502 with the request id from the header", () =>
    Effect.gen(function*() {
      const { client, mock } = yield* services
      const error = yield* Effect.flip(client.chatCompletions(chatRequest(), mockHeader("html502")))
      const sent = (yield* mock.requests)[0]!
      expect(error._tag).toBe("UnknownGatewayError")
      expect(error.status).toBe(502)
      expect(error.requestId).toBe(sent.requestId)
      expect(error.body).toContain("<center><h1>502 Bad Gateway</h1></center>")
      expect(error.message).toContain("502 Bad Gateway")
      expect(error.headers?.["x-request-id"]).toBe(sent.requestId)
    }).pipe(Effect.provide(SkyMock.layerClient())))

  it.live("reset-before-headers: ConnectionError", () =>
    Effect.gen(function*() {
      const { client } = yield* services
      const error = yield* Effect.flip(client.chatCompletions(chatRequest(), mockHeader("reset-before-headers")))
      expect(error._tag).toBe("ConnectionError")
      expect(error.status).toBeUndefined()
      expect(error.message).toContain("no response from http://127.0.0.1:")
      expect(error.attempts).toHaveLength(1)
    }).pipe(Effect.provide(SkyMock.layerClient())))

  it.live("reset-mid-body: ConnectionError for a plain call and for a stream (not retried after chunks)", () =>
    Effect.gen(function*() {
      const { client, mock } = yield* services
      const plain = yield* Effect.flip(client.chatCompletions(chatRequest(), mockHeader("reset-mid-body")))
      expect(plain._tag).toBe("ConnectionError")
      expect(plain.status).toBe(200)
      expect(plain.requestId).toBe((yield* mock.requests)[0]!.requestId)
      expect(plain.message).toContain("dropped while reading")

      yield* mock.clear
      yield* mock.enqueue(Fault.ResetMidBody(), 3)
      const { result, seen } = yield* drain(client.chatCompletionsStream(chatRequest(), fast))
      const streamed = failure(result)
      expect(streamed._tag).toBe("ConnectionError")
      // chunk0, "echo:", " hello" of [chunk0, echo:, hello, world, usage, DONE]
      expect(seen).toHaveLength(3)
      expect(streamed.attempts).toHaveLength(1)
      expect(yield* mock.requests).toHaveLength(1)
    }).pipe(Effect.provide(SkyMock.layerClient())))

  it.live("stall with a 300 ms timeout: RequestTimeout", () =>
    Effect.gen(function*() {
      const { client, mock } = yield* services
      const start = Date.now()
      const error = yield* Effect.flip(client.chatCompletions(chatRequest(), mockHeader("stall", {
        timeout: "300 millis",
        maxRetries: 0
      })))
      const elapsed = Date.now() - start
      expect(error._tag).toBe("RequestTimeout")
      expect(error._tag === "RequestTimeout" && Duration.toMillis(error.timeout!)).toBe(300)
      expect(elapsed).toBeGreaterThanOrEqual(290)
      expect(elapsed).toBeLessThan(2000)
      expect((yield* mock.requests).map((r) => r.fault)).toEqual(["stall"])
    }).pipe(Effect.provide(SkyMock.layerClient())))

  it.live("latency: a short one answers, a long one passes the deadline", () =>
    Effect.gen(function*() {
      const { client } = yield* services
      const completion = yield* client.chatCompletions(chatRequest(), mockHeader("latency:30"))
      expect(completion.choices[0]!.message.content).toBe("echo: hello world")
      const error = yield* Effect.flip(client.chatCompletions(chatRequest(), mockHeader("latency:2000", {
        timeout: "100 millis",
        maxRetries: 0
      })))
      expect(error._tag).toBe("RequestTimeout")
    }).pipe(Effect.provide(SkyMock.layerClient())))

  it.live("truncated-json: InvalidResponse with the raw body kept, not retried", () =>
    Effect.gen(function*() {
      const { client, mock } = yield* services
      const error = yield* Effect.flip(client.chatCompletions(chatRequest(), mockHeader("truncated-json", fast)))
      expect(error._tag).toBe("InvalidResponse")
      expect(error.status).toBe(200)
      expect(error.body?.startsWith("{\"id\":\"")).toBe(true)
      expect(() => JSON.parse(error.body!)).toThrow()
      expect(error._tag === "InvalidResponse" && error.issue).toContain("not JSON")
      expect(error.requestId).toBe((yield* mock.requests)[0]!.requestId)
      expect(yield* mock.requests).toHaveLength(1)
    }).pipe(Effect.provide(SkyMock.layerClient())))

  it.live("oversize: the body is kept up to SkyWire.bodyLimit with bodyTruncated", () =>
    Effect.gen(function*() {
      const { client } = yield* services
      const error = yield* Effect.flip(client.chatCompletions(chatRequest(), mockHeader("oversize:100000")))
      expect(error._tag).toBe("InternalError")
      expect(codeOf(error)).toBe(2105)
      expect(error.status).toBe(500)
      expect(error.body).toHaveLength(SkyWire.bodyLimit)
      expect(error.bodyTruncated).toBe(true)

      // over the parse cap (1 MiB): not parsed, still classified by its status, still capped
      const huge = yield* Effect.flip(client.chatCompletions(chatRequest(), mockHeader("oversize:2000000")))
      expect(huge._tag).toBe("InternalError")
      expect(huge.body).toHaveLength(SkyWire.bodyLimit)
      expect(huge.bodyTruncated).toBe(true)
    }).pipe(Effect.provide(SkyMock.layerClient())))

  it.live("unknown path: UnknownGatewayError 404; missing model: 2004; unknown model: 2104", () =>
    Effect.gen(function*() {
      const { client, mock } = yield* services
      const missing = yield* Effect.flip(client.request({ path: "/v1/images/unknown", body: { prompt: "x" } }, once))
      expect(missing._tag).toBe("UnknownGatewayError")
      expect(missing.status).toBe(404)
      expect(missing.errorType).toBe("NotFound")
      expect(missing.requestId).toBe((yield* mock.requests)[0]!.requestId)

      const noModel = yield* Effect.flip(client.request({ path: "/v1/chat/completions", body: { messages: [] } }, once))
      expect(noModel._tag).toBe("InvalidModelParameter")
      const unknown = yield* Effect.flip(client.chatCompletions(chatRequest(text, "unknown-model"), once))
      expect(unknown._tag).toBe("ModelNotFound")
      expect(unknown.status).toBe(400)
    }).pipe(Effect.provide(SkyMock.layerClient())))

  it.live("a fault in the model name, also in a Gemini path", () =>
    Effect.gen(function*() {
      const { client } = yield* services
      const tpm = yield* Effect.flip(client.chatCompletions(chatRequest(text, "sky-mock/error:2008"), once))
      expect(tpm._tag).toBe("TpmLimitExceeded")
      const gemini = yield* Effect.flip(client.generateContent(geminiRequest("sky-mock/error:2102,shape=problem"), once))
      expect(gemini._tag).toBe("ModelAccessDenied")
      expect(gemini.status).toBe(403)
    }).pipe(Effect.provide(SkyMock.layerClient())))
})

// ---------------------------------------------------------------------------

describe("stream faults", () => {
  for (const name of streamNames) {
    it.live(`${name}: mid-stream-error:2003 fails with UpstreamTimeout after 2 chunks, not retried`, () =>
      Effect.gen(function*() {
        const { client, mock } = yield* services
        yield* mock.enqueue(Fault.MidStreamError({ code: 2003, after: 2, message: "upstream timed out" }), 3)
        const { result, seen } = yield* drain(streams(client, fast)[name])
        const error = failure(result)
        expect(seen).toHaveLength(2)
        expect(error._tag).toBe("UpstreamTimeout")
        expect(codeOf(error)).toBe(2003)
        expect(error.message).toBe("upstream timed out")
        const requests = yield* mock.requests
        expect(requests).toHaveLength(1)
        expect(error.requestId).toBe(requests[0]!.requestId)
        expect(error.attempts).toHaveLength(1)
        expect(error.attempts![0]).toMatchObject({ attempt: 1, tag: "UpstreamTimeout", code: 2003, requestId: requests[0]!.requestId })
      }).pipe(Effect.provide(SkyMock.layerClient())))

    it.live(`${name}: stream-cut fails with InvalidResponse, not a quiet end`, () =>
      Effect.gen(function*() {
        const { client, mock } = yield* services
        const { result, seen } = yield* drain(streams(client, mockHeader("stream-cut", fast))[name])
        const error = failure(result)
        expect(seen).toHaveLength(2)
        expect(error._tag).toBe("InvalidResponse")
        expect(error.message).toContain(name === "gemini" ? "finish reason" : "terminator")
        expect(yield* mock.requests).toHaveLength(1)
      }).pipe(Effect.provide(SkyMock.layerClient())))

    it.live(`${name}: an error before the first chunk is retried, then the stream succeeds`, () =>
      Effect.gen(function*() {
        const { client, mock } = yield* services
        yield* mock.enqueue(Fault.ErrorResponse({ code: 2007, retryAfterMillis: 10 }))
        yield* mock.enqueue(Fault.MidStreamError({ code: 2003, after: 0 }))
        const { result, seen } = yield* drain(streams(client, fast)[name])
        expect(Either.isRight(result)).toBe(true)
        expect(seen.length).toBeGreaterThan(2)
        const requests = yield* mock.requests
        expect(requests.map((r) => [r.attempt, r.fault])).toEqual([
          [1, "error:2007,retry-after-ms=10"],
          [2, "mid-stream-error:2003,after=0"],
          [3, undefined]
        ])
      }).pipe(Effect.provide(SkyMock.layerClient())))
  }

  // Known failure, reported: the client decodes an in-stream error with the stream's HTTP status (200), so a
  // table error such as UpstreamTimeout says `status: 200` (and an in-stream UnknownGatewayError is never
  // retried, since 200 is not a retryable status). See src/internal/stream.ts, openStream.
  it.live("an in-stream 2003 carries the table's status 424, not the stream's 200", () =>
    Effect.gen(function*() {
      const { client } = yield* services
      const { result } = yield* drain(client.chatCompletionsStream(chatRequest(), mockHeader("mid-stream-error:2003")))
      const error = failure(result)
      expect(error._tag).toBe("UpstreamTimeout")
      expect(error.status).toBe(424)
      expect(error.attempts![0]!.status).toBe(424)
    }).pipe(Effect.provide(SkyMock.layerClient())))
})

// ---------------------------------------------------------------------------

describe("successes", () => {
  it.live("chat: plain, stream, and collectChatCompletion agree", () =>
    Effect.gen(function*() {
      const { client } = yield* services
      const plain = yield* client.chatCompletions(chatRequest())
      expect(plain.id).toMatch(/^[0-9a-f]{32}$/)
      expect(plain.system_fingerprint).toBe("")
      expect(plain.choices[0]!.message.content).toBe("echo: hello world")
      const chunks = yield* Stream.runCollect(client.chatCompletionsStream(chatRequest()))
      expect(chunks.pipe((c) => [...c]).map((c) => c.choices.length)).toEqual([0, 1, 1, 1, 0])
      const collected = yield* SkyClient.collect("chat")(client.chatCompletionsStream(chatRequest()))
      expect(collected.choices[0]!.message.content).toBe(plain.choices[0]!.message.content)
      expect(collected.choices[0]!.finish_reason).toBe("stop")
      expect(collected.usage).toEqual(plain.usage)
    }).pipe(Effect.provide(SkyMock.layerClient())))

  it.live("responses: plain, stream, and collectResponse agree", () =>
    Effect.gen(function*() {
      const { client } = yield* services
      const plain = yield* client.responses(responsesRequest)
      expect(Responses.outputText(plain)).toBe("echo: hello world")
      const events = [...(yield* Stream.runCollect(client.responsesStream(responsesRequest)))]
      expect(events.map((e) => e.type)).toEqual([
        "response.created",
        "response.output_item.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.completed"
      ])
      const collected = yield* SkyClient.collect("responses")(client.responsesStream(responsesRequest))
      expect(Responses.outputText(collected)).toBe(Responses.outputText(plain))
      expect(collected.status).toBe("completed")
      expect(collected.usage).toEqual(plain.usage)
    }).pipe(Effect.provide(SkyMock.layerClient())))

  it.live("messages: plain, stream, and collectMessage agree", () =>
    Effect.gen(function*() {
      const { client, mock } = yield* services
      const plain = yield* client.messages(messagesRequest)
      expect(Messages.textOf(plain)).toBe("echo: hello world")
      expect(plain.stop_sequence).toBe("")
      const events = [...(yield* Stream.runCollect(client.messagesStream(messagesRequest)))]
      expect(events[0]!.type).toBe("message_start")
      expect(events[events.length - 1]!.type).toBe("message_stop")
      const collected = yield* SkyClient.collect("messages")(client.messagesStream(messagesRequest))
      expect(Messages.textOf(collected)).toBe(Messages.textOf(plain))
      expect(collected.stop_reason).toBe("end_turn")
      expect(collected.stop_sequence).toBe("")
      expect(collected.usage.output_tokens).toBe(plain.usage.output_tokens)
      const sent = (yield* mock.requests)[0]!
      expect(sent.headers["anthropic-version"]).toBe("2023-06-01")
    }).pipe(Effect.provide(SkyMock.layerClient())))

  it.live("gemini: plain, stream, and collectGenerateContent agree", () =>
    Effect.gen(function*() {
      const { client, mock } = yield* services
      const plain = yield* client.generateContent(geminiRequest())
      expect(Gemini.textOf(plain)).toBe("echo: hello world")
      expect(plain.sdkHttpResponse).toBeDefined()
      const chunks = [...(yield* Stream.runCollect(client.streamGenerateContent(geminiRequest())))]
      expect(chunks).toHaveLength(3)
      expect(chunks[2]!.candidates[0]!.finishReason).toBe("STOP")
      const collected = yield* SkyClient.collect("gemini")(client.streamGenerateContent(geminiRequest()))
      expect(Gemini.textOf(collected)).toBe(Gemini.textOf(plain))
      expect(collected.usageMetadata).toMatchObject({ promptTokenCount: 2, candidatesTokenCount: 3 })
      const paths = (yield* mock.requests).map((r) => r.path)
      expect(paths[0]).toBe("/v1beta/models/gemini-2.5-flash:generateContent")
      expect(paths[1]).toBe("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse")
    }).pipe(Effect.provide(SkyMock.layerClient())))

  it.live("embeddings and a raw request", () =>
    Effect.gen(function*() {
      const { client } = yield* services
      const response = yield* client.embeddings({ model: "embed", input: ["a b", "c"] })
      expect(response.data.map((d) => d.index)).toEqual([0, 1])
      const vector = Option.getOrThrow(Embeddings.vectorOf(response.data[0]!.embedding))
      expect(vector).toHaveLength(8)
      expect(response.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 })
      const raw = yield* client.request({ path: "/v1/embeddings", body: { model: "embed", input: "a b" } })
      expect((raw as { data: Array<{ embedding: Array<number> }> }).data[0]!.embedding).toEqual(vector)
    }).pipe(Effect.provide(SkyMock.layerClient())))

  it.live("every request carries the bearer key and x-sky-attempt 1", () =>
    Effect.gen(function*() {
      const { client, mock } = yield* services
      yield* client.chatCompletions(chatRequest())
      yield* Stream.runDrain(client.messagesStream(messagesRequest))
      const requests = yield* mock.requests
      expect(requests.map((r) => r.attempt)).toEqual([1, 1])
      expect(requests.every((r) => r.authorized && r.headers["authorization"] === "<redacted>")).toBe(true)
      expect(requests[1]!.body).toMatchObject({ stream: true, model: "claude-sonnet-4" })
    }).pipe(Effect.provide(SkyMock.layerClient({ apiKeys: ["ak-" + "Q".repeat(32)] }))))
})

// ---------------------------------------------------------------------------

const fetchClient: Layer.Layer<SkyMock.SkyMock | SkyClient.SkyClient, SkyMock.SkyMockListenError> = Layer.unwrapEffect(
  Effect.map(SkyMock.SkyMock, (mock) =>
    SkyClient.layer({ apiKey: Redacted.make(SkyMock.defaultApiKey), baseUrl: mock.url }).pipe(Layer.orDie))
).pipe(Layer.provide(FetchHttpClient.layer), Layer.provideMerge(SkyMock.layer()))

describe("both transports behave the same", () => {
  const transports = [["undici", SkyMock.layerClient()], ["fetch", fetchClient]] as const
  for (const [name, transport] of transports) {
    it.live(`${name}: success, a 2007, a reset`, () =>
      Effect.gen(function*() {
        const { client, mock } = yield* services
        const plain = yield* client.chatCompletions(chatRequest())
        expect(plain.choices[0]!.message.content).toBe("echo: hello world")
        const collected = yield* SkyClient.collect("chat")(client.chatCompletionsStream(chatRequest()))
        expect(collected.choices[0]!.message.content).toBe("echo: hello world")

        const limited = yield* Effect.flip(client.chatCompletions(chatRequest(), mockHeader("error:2007,retry-after=1")))
        expect(limited._tag).toBe("RpmLimitExceeded")
        expect(limited.status).toBe(429)
        expect(Duration.toMillis(limited.retryAfter!)).toBe(1000)
        expect(limited.requestId).toBe((yield* mock.requests).at(-1)!.requestId)

        const reset = yield* Effect.flip(client.chatCompletions(chatRequest(), mockHeader("reset-before-headers")))
        expect(reset._tag).toBe("ConnectionError")
        expect(reset.status).toBeUndefined()

        const midBody = yield* Effect.flip(client.chatCompletions(chatRequest(), mockHeader("reset-mid-body")))
        expect(midBody._tag).toBe("ConnectionError")
      }).pipe(Effect.provide(transport)))
  }
})
