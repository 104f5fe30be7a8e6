import { describe, expect, it } from "@effect/vitest"
import { type Config, ConfigProvider, Duration, Effect, Exit, Layer, Redacted, Result, Stream } from "effect"
import type * as HttpClient from "effect/http/HttpClient"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import { SkyClient } from "../src/index.js"
import { chatRequest, chunk, clientFor, key, okChat } from "./support/client.js"
import { answer, inTurn, serve, sseHandler, transports } from "./support/loopback.js"

const configLayer = (env: Record<string, string>) =>
  ConfigProvider.layer(ConfigProvider.fromEnv({ env, preserveEmptyStrings: true }))

for (const [name, transport] of transports) {
  describe(`SkyClient requests (${name})`, () => {
    it.live("sends the bearer key, the body, stream: false, and keeps unknown response fields", () =>
      Effect.gen(function*() {
        const server = yield* serve(answer(200, okChat))
        const sky = yield* clientFor(server.url, transport)
        const completion = yield* sky.chatCompletions(chatRequest)
        expect((completion as unknown as { vendor_extension: unknown }).vendor_extension).toEqual({ kept: true })
        expect(server.seen).toHaveLength(1)
        const sent = server.seen[0]!
        expect(sent.method).toBe("POST")
        expect(sent.url).toBe("/v1/chat/completions")
        expect(sent.headers.authorization).toBe(`Bearer ${key}`)
        expect(sent.headers["x-sky-attempt"]).toBe("1")
        expect(sent.headers["content-type"]).toBe("application/json")
        expect(JSON.parse(sent.body)).toEqual({ ...chatRequest, stream: false })
      }).pipe(Effect.scoped))

    it.live("messages carry anthropic-version; per-call headers are added; the base URL's slashes are joined", () =>
      Effect.gen(function*() {
        const server = yield* serve(answer(200, "{}"))
        const sky = yield* clientFor(`${server.url}/base/`, transport, { headers: { "x-team": "blue" } })
        yield* Effect.result(
          sky.messages({ model: "m", max_tokens: 8, messages: [{ role: "user", content: "hi" }] }, {
            headers: { "x-trace": "t-1" }
          })
        )
        const sent = server.seen[0]!
        expect(sent.url).toBe("/base/v1/messages")
        expect(sent.headers["anthropic-version"]).toBe("2023-06-01")
        expect(sent.headers["x-trace"]).toBe("t-1")
        expect(sent.headers["x-team"]).toBe("blue")
      }).pipe(Effect.scoped))

    it.live("Gemini puts the model in the path and not in the body", () =>
      Effect.gen(function*() {
        const server = yield* serve(answer(200, JSON.stringify({ candidates: [] })))
        const sky = yield* clientFor(server.url, transport)
        yield* sky.generateContent({ model: "gemini-2.5-pro", contents: [{ role: "user", parts: [{ text: "hi" }] }] })
        const sent = server.seen[0]!
        expect(sent.url).toBe("/v1beta/models/gemini-2.5-pro:generateContent")
        expect(JSON.parse(sent.body)).toEqual({ contents: [{ role: "user", parts: [{ text: "hi" }] }] })
      }).pipe(Effect.scoped))

    it.live("request reaches any path and returns the JSON body; without a body it is a GET", () =>
      Effect.gen(function*() {
        const server = yield* serve(answer(200, JSON.stringify({ data: [{ url: "https://img" }] })))
        const sky = yield* clientFor(server.url, transport)
        const body = yield* sky.request({ path: "/v1/images/generations", body: { model: "img", prompt: "a cat" } })
        expect(body).toEqual({ data: [{ url: "https://img" }] })
        expect(server.seen[0]!.url).toBe("/v1/images/generations")
        const get = yield* sky.request({ path: "/v1/whatever" })
        expect(get).toEqual({ data: [{ url: "https://img" }] })
        expect(server.seen[1]!.method).toBe("GET")
      }).pipe(Effect.scoped))

    it.live("a body that cannot be encoded fails with InvalidRequest before anything is sent", () =>
      Effect.gen(function*() {
        const server = yield* serve(answer(200, okChat))
        const sky = yield* clientFor(server.url, transport, { maxRetries: 2 })
        const cyclic: Record<string, unknown> = { model: "m" }
        cyclic.self = cyclic
        const errors = yield* Effect.all([
          Effect.flip(sky.request({ path: "/v1/x", body: { n: 10n } })),
          Effect.flip(sky.request({ path: "/v1/x", body: cyclic }))
        ])
        for (const error of errors) {
          expect(error._tag).toBe("InvalidRequest")
          expect(error.message).toContain("request not sent")
          expect(error.status).toBeUndefined()
          expect(error.requestId).toBeUndefined()
        }
        expect(server.seen).toHaveLength(0)
      }).pipe(Effect.scoped))

    it.live("a 2xx body that does not decode is InvalidResponse with the raw body and the complaint", () =>
      Effect.gen(function*() {
        const bad = JSON.stringify({ id: "x", model: "m", choices: "not a list" })
        const server = yield* serve(inTurn(answer(200, bad), answer(200, "<html>", { "content-type": "text/html" })))
        const sky = yield* clientFor(server.url, transport)
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
        expect(error._tag).toBe("InvalidResponse")
        expect(error.status).toBe(200)
        expect(error.body).toBe(bad)
        expect(error.message).toMatch(/^the chatCompletions response could not be decoded: choices: /)
        if (error._tag === "InvalidResponse") expect(error.issue).toContain("choices")
        const notJson = yield* Effect.flip(sky.embeddings({ model: "e", input: "x" }))
        expect(notJson._tag).toBe("InvalidResponse")
        expect(notJson.body).toBe("<html>")
      }).pipe(Effect.scoped))

    it.live("a 429 with retry-after is retried after the server's wait, and the attempts are listed", () =>
      Effect.gen(function*() {
        const limited = answer(429, JSON.stringify({ error: { code: 2007, message: "slow down" } }), {
          "retry-after-ms": "20",
          "x-request-id": "r-1"
        })
        const server = yield* serve(inTurn(limited, limited, answer(200, okChat)))
        const sky = yield* clientFor(server.url, transport, { maxRetries: 2 })
        const completion = yield* sky.chatCompletions(chatRequest)
        expect(completion.id).toBe("0123456789abcdef0123456789abcdef")
        expect(server.seen.map((s) => s.headers["x-sky-attempt"])).toEqual(["1", "2", "3"])
        const server2 = yield* serve(limited)
        const sky2 = yield* clientFor(server2.url, transport, { maxRetries: 1 })
        const error = yield* Effect.flip(sky2.chatCompletions(chatRequest))
        expect(error._tag).toBe("RpmLimitExceeded")
        expect(error.attempts?.map((a) => [a.attempt, a.tag, a.status])).toEqual([
          [1, "RpmLimitExceeded", 429],
          [2, "RpmLimitExceeded", 429]
        ])
        expect(Duration.toMillis(error.attempts![0]!.wait!)).toBe(20)
      }).pipe(Effect.scoped))

    it.live("a deadline passed while reading the body keeps the status and request id", () =>
      Effect.gen(function*() {
        const server = yield* serve((_req, res) => {
          res.writeHead(200, { "content-type": "application/json", "x-request-id": "slow-1" })
          res.write("{")
        })
        const sky = yield* clientFor(server.url, transport)
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest, { timeout: "100 millis" }))
        expect(error._tag).toBe("RequestTimeout")
        expect(error.status).toBe(200)
        expect(error.requestId).toBe("slow-1")
      }).pipe(Effect.scoped))

    it.live("the key is never sent to another origin", () =>
      Effect.gen(function*() {
        const server = yield* serve(answer(200, "{}"))
        const sky = yield* clientFor(server.url, transport)
        const error = yield* Effect.flip(sky.request({ path: "https://elsewhere.example/collect", body: {} }))
        expect(error._tag).toBe("InvalidRequest")
        expect(error.status).toBeUndefined()
        expect(error.message).toContain("not on the base URL's origin")
        expect(server.seen).toHaveLength(0)
        yield* sky.request({ path: `${server.url}/v1/same-origin` })
        expect(server.seen[0]!.url).toBe("/v1/same-origin")
      }).pipe(Effect.scoped))

    it.live("an unreadable retry duration is refused, never a defect: a ConfigError at build, an InvalidRequest per call", () =>
      Effect.gen(function*() {
        const server = yield* serve(answer(200, okChat))
        const bad = "soon" as unknown as Duration.Input
        const built = yield* Effect.exit(clientFor(server.url, transport, { retry: { maxRetryAfter: bad } }))
        expect(Exit.isFailure(built) && String(built.cause)).toMatch(/retry\.maxRetryAfter is not a duration/)
        const sky = yield* clientFor(server.url, transport)
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest, { retry: { maxRetryAfter: bad } }))
        expect(error._tag).toBe("InvalidRequest")
        expect(server.seen).toHaveLength(0)
      }).pipe(Effect.scoped))
  })

  describe(`SkyClient streams, edge cases (${name})`, () => {
    const collected = (url: string, options?: SkyClient.CallOptions) =>
      Effect.flatMap(
        Effect.orDie(clientFor(url, transport, { retry: { jitter: 0 } })),
        (sky) => sky.chatCompletionsStream(chatRequest, options).pipe(SkyClient.collect("chat"))
      )

    it.live("asks for an event stream, with usage, and collects the chunks", () =>
      Effect.gen(function*() {
        const server = yield* serve(sseHandler(chunk("a"), chunk("b"), "data: [DONE]\n\n"))
        const completion = yield* collected(server.url)
        expect(completion.choices[0]?.message.content).toBe("ab")
        expect(server.seen[0]!.headers.accept).toBe("text/event-stream")
        expect(JSON.parse(server.seen[0]!.body)).toMatchObject({ stream: true, stream_options: { include_usage: true } })
      }).pipe(Effect.scoped))

    it.live("an error event whose data is plain text fails the stream with that text", () =>
      Effect.gen(function*() {
        const server = yield* serve(sseHandler(chunk("a"), "event: error\ndata: upstream overloaded, try later\n\n"))
        const error = yield* Effect.flip(collected(server.url))
        expect(error._tag).toBe("UnknownGatewayError")
        expect(error.message).toContain("upstream overloaded, try later")
      }).pipe(Effect.scoped))

    it.live("a JSON error answered with 200 instead of a stream is that error, with the table's status", () =>
      Effect.gen(function*() {
        const server = yield* serve(
          answer(200, JSON.stringify({ error: { code: 2007, message: "slow down" } }), { "x-request-id": "r-9" })
        )
        const error = yield* Effect.flip(collected(server.url, { maxRetries: 0 }))
        expect(error._tag).toBe("RpmLimitExceeded")
        expect(error.status).toBe(429)
        expect(error.requestId).toBe("r-9")
      }).pipe(Effect.scoped))

    it.live("a JSON success answered instead of a stream is InvalidResponse with the body", () =>
      Effect.gen(function*() {
        const server = yield* serve(answer(200, JSON.stringify({ id: "x" })))
        const error = yield* Effect.flip(collected(server.url))
        expect(error._tag).toBe("InvalidResponse")
        expect(error.body).toBe(JSON.stringify({ id: "x" }))
      }).pipe(Effect.scoped))

    it.live("a last event without its blank line still counts; a stream without its terminator fails", () =>
      Effect.gen(function*() {
        const server = yield* serve(inTurn(sseHandler(chunk("a"), chunk("b"), "data: [DONE]"), sseHandler(chunk("a"))))
        const completion = yield* collected(server.url)
        expect(completion.choices[0]?.message.content).toBe("ab")
        const error = yield* Effect.flip(collected(server.url))
        expect(error._tag).toBe("InvalidResponse")
        expect(error.message).toContain("the stream ended before its terminator")
      }).pipe(Effect.scoped))

    it.live("an overloaded_error before the first element is retried like a 529; after one, never", () =>
      Effect.gen(function*() {
        const overloaded = `event: error\ndata: ${
          JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } })
        }\n\n`
        const server = yield* serve(inTurn(sseHandler(overloaded), sseHandler(chunk("ok"), "data: [DONE]\n\n")))
        const completion = yield* collected(server.url, { maxRetries: 2, retry: { initialDelay: "1 millis" } })
        expect(completion.choices[0]?.message.content).toBe("ok")
        expect(server.seen).toHaveLength(2)
        const late = yield* serve(sseHandler(chunk("a"), overloaded))
        const error = yield* Effect.flip(collected(late.url, { maxRetries: 2, retry: { initialDelay: "1 millis" } }))
        expect(error.status).toBe(529)
        expect(late.seen).toHaveLength(1)
      }).pipe(Effect.scoped))
  })
}

describe("SkyClient.layerConfig", () => {
  it.live("reads the key, base URL, timeout and retries; overrides merge with the configuration", () =>
    Effect.gen(function*() {
      const server = yield* serve(answer(429, JSON.stringify({ error: { code: 2007 } })))
      const layer = SkyClient.layerConfig({ baseUrl: undefined, retry: { jitter: 0 } }).pipe(
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(configLayer({
          SKYENGINE_API_KEY: "ak-fromconfigfromconfigfromconfig12",
          SKYENGINE_BASE_URL: server.url,
          SKYENGINE_TIMEOUT: "90 seconds",
          SKYENGINE_MAX_RETRIES: "0"
        }))
      )
      const error = yield* Effect.flip(
        Effect.flatMap(Effect.service(SkyClient.SkyClient), (sky) => sky.chatCompletions(chatRequest)).pipe(
          Effect.provide(Layer.orDie(layer))
        )
      )
      expect(server.seen[0]!.headers.authorization).toBe("Bearer ak-fromconfigfromconfigfromconfig12")
      // SKYENGINE_MAX_RETRIES=0 survives `retry: { jitter }`.
      expect(error.attempts).toHaveLength(1)
    }).pipe(Effect.scoped))

  it.effect("parses the settings into options", () =>
    Effect.gen(function*() {
      const options = yield* SkyClient.config.parse(ConfigProvider.fromEnv({
        env: {
          SKYENGINE_API_KEY: "ak-x",
          SKYENGINE_TIMEOUT: "90 seconds",
          SKYENGINE_MAX_RETRIES: "5",
          SKYENGINE_MAX_RETRY_AFTER: "30 seconds"
        }
      }))
      expect(Redacted.value(options.apiKey)).toBe("ak-x")
      expect(options.baseUrl).toBe("https://model-api.skyengine.com.cn")
      expect(Duration.toMillis(Duration.fromInputUnsafe(options.timeout!))).toBe(90_000)
      expect(options.maxRetries).toBe(5)
      expect(Duration.toMillis(Duration.fromInputUnsafe(options.retry!.maxRetryAfter!))).toBe(30_000)
      expect(String(options.apiKey)).not.toContain("ak-x")
    }))

  it.effect("a missing key or a negative retry count is a ConfigError", () =>
    Effect.gen(function*() {
      const missing = yield* Effect.result(SkyClient.config.parse(ConfigProvider.fromEnv({ env: {} })))
      expect(Result.isFailure(missing)).toBe(true)
      if (Result.isFailure(missing)) expect(String(missing.failure)).toContain("SKYENGINE_API_KEY")
      const negative = yield* Effect.result(SkyClient.config.parse(ConfigProvider.fromEnv({
        env: { SKYENGINE_API_KEY: "ak-x", SKYENGINE_MAX_RETRIES: "-1" }
      })))
      expect(Result.isFailure(negative)).toBe(true)
      if (Result.isFailure(negative)) expect(String(negative.failure)).toContain("must be 0 or more")
    }))

  it.effect("an API key that is empty, only whitespace or holds a control character is a ConfigError that hides it", () =>
    Effect.gen(function*() {
      const bad = ["", "   ", `${key}\r\n`, `ak-\u0000${key}`, `${key}\u007f`]
      for (const apiKey of bad) {
        for (const layer of [
          SkyClient.layer({ apiKey: Redacted.make(apiKey) }),
          SkyClient.layerConfig().pipe(Layer.provide(configLayer({ SKYENGINE_API_KEY: apiKey })))
        ]) {
          const exit = yield* Effect.exit(Layer.build(layer.pipe(Layer.provide(FetchHttpClient.layer))).pipe(Effect.scoped))
          expect(Exit.isFailure(exit)).toBe(true)
          if (Exit.isFailure(exit)) {
            const text = String(exit.cause) + JSON.stringify(exit.cause)
            expect(text).toMatch(/API key (is empty|is only whitespace|holds a control character)/)
            if (apiKey.trim().length > 0) expect(text).not.toContain(key)
          }
        }
      }
      // Every other key is taken as it is.
      yield* Layer.build(SkyClient.layer({ apiKey: Redacted.make(" k é ") }).pipe(Layer.provide(FetchHttpClient.layer))).pipe(
        Effect.scoped
      )
    }))
})

describe("SkyClient.collect", () => {
  it.effect("folds each surface's stream into what its plain call returns", () =>
    Effect.gen(function*() {
      const chat = yield* Stream.make(
        { id: "a", object: "chat.completion.chunk" as const, created: 1, model: "m", choices: [{ index: 0, delta: { role: "assistant", content: "x" }, finish_reason: null }] },
        { id: "a", object: "chat.completion.chunk" as const, created: 1, model: "m", choices: [{ index: 0, delta: { content: "y" }, finish_reason: "stop" }] }
      ).pipe(SkyClient.collect("chat"))
      expect(chat.choices[0]?.message.content).toBe("xy")
      expect(chat.choices[0]?.finish_reason).toBe("stop")
      const gemini = yield* Stream.make(
        { candidates: [{ content: { role: "model", parts: [{ text: "a" }] } }] },
        { candidates: [{ content: { role: "model", parts: [{ text: "b" }] }, finishReason: "STOP" }] }
      ).pipe(SkyClient.collect("gemini"))
      expect(gemini.candidates[0]?.content?.parts).toEqual([{ text: "ab" }])
    }))
})

describe("timeouts: zero, negative or unreadable is a mistake; Duration.infinity is no deadline", () => {
  const apiKey = Redacted.make("ak-timeouts-timeouts-timeouts-0123")
  const bad: ReadonlyArray<readonly [string, Duration.Input, RegExp]> = [
    ["0", 0, /must be positive/],
    ["Duration.zero", Duration.zero, /must be positive/],
    ["-5", -5, /must be positive/],
    ["NaN", NaN, /must be positive/],
    ["Duration.negativeInfinity", Duration.negativeInfinity, /must be positive/],
    ["\"-1 seconds\"", "-1 seconds" as Duration.Input, /must be positive/],
    ["\"soon\"", "soon" as Duration.Input, /is not a duration/]
  ]
  const transport = transports[0]![1]

  it.live("at layer build (make, layer, layerConfig): a ConfigError at the option that says so", () =>
    Effect.gen(function*() {
      for (const [what, input, problem] of bad) {
        for (const name of ["timeout", "streamTimeout"] as const) {
          for (const layer of [
            SkyClient.layer({ apiKey, [name]: input }),
            Layer.effect(SkyClient.SkyClient)(SkyClient.make({ apiKey, [name]: input })),
            SkyClient.layerConfig({ [name]: input }).pipe(Layer.provide(configLayer({ SKYENGINE_API_KEY: "ak-x" })))
          ]) {
            const exit = yield* Effect.exit(Layer.build(layer.pipe(Layer.provide(FetchHttpClient.layer))).pipe(Effect.scoped))
            expect(Exit.isFailure(exit), `${name} ${what}`).toBe(true)
            if (Exit.isFailure(exit)) {
              const text = String(exit.cause)
              expect(text, `${name} ${what}`).toMatch(problem)
              expect(text).toContain(name)
              expect(text).toContain("Duration.infinity means no deadline")
            }
          }
        }
      }
    }))

  it.live("SKYENGINE_TIMEOUT of 0, a negative or an unreadable duration is a ConfigError at SKYENGINE_TIMEOUT", () =>
    Effect.gen(function*() {
      for (const value of ["0 seconds", "-5 seconds", "soon"]) {
        const exit = yield* Effect.exit(Layer.build(SkyClient.layerConfig().pipe(
          Layer.provide(configLayer({ SKYENGINE_API_KEY: "ak-x", SKYENGINE_TIMEOUT: value })),
          Layer.provide(FetchHttpClient.layer)
        )).pipe(Effect.scoped))
        expect(Exit.isFailure(exit), value).toBe(true)
        if (Exit.isFailure(exit)) expect(String(exit.cause), value).toContain("SKYENGINE_TIMEOUT")
      }
    }))

  it.live("SKYENGINE_TIMEOUT=Infinity, as Effect 4's Duration reads it, is no deadline and builds the client", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Layer.build(SkyClient.layerConfig().pipe(
        Layer.provide(configLayer({ SKYENGINE_API_KEY: "ak-x", SKYENGINE_TIMEOUT: "Infinity" })),
        Layer.provide(FetchHttpClient.layer)
      )).pipe(Effect.scoped))
      expect(Exit.isSuccess(exit)).toBe(true)
    }))

  it.live("per call: an InvalidRequest, never sent, that says the timeout must be positive", () =>
    Effect.gen(function*() {
      const server = yield* serve(answer(200, okChat))
      const sky = yield* clientFor(server.url, transport)
      for (const [what, input, problem] of bad) {
        const plain = yield* Effect.flip(sky.chatCompletions(chatRequest, { timeout: input }))
        expect(plain._tag, what).toBe("InvalidRequest")
        expect(plain.message, what).toMatch(problem)
        expect(plain.message).toContain("Duration.infinity means no deadline")
        for (const call of [{ timeout: input }, { streamTimeout: input }]) {
          const streamed = yield* Effect.flip(Stream.runDrain(sky.chatCompletionsStream(chatRequest, call)))
          expect(streamed._tag, what).toBe("InvalidRequest")
          expect(streamed.message, what).toMatch(problem)
        }
      }
      expect(server.seen).toHaveLength(0)
    }).pipe(Effect.scoped))

  it.live("Duration.infinity means no deadline: the client's, a call's, and a stream's", () =>
    Effect.gen(function*() {
      const server = yield* serve(sseHandler(chunk("a"), "data: [DONE]\n\n"))
      const sky = yield* clientFor(server.url, transport, { timeout: Duration.infinity, streamTimeout: Duration.infinity })
      const completion = yield* sky.chatCompletionsStream(chatRequest, { timeout: Duration.infinity, streamTimeout: Duration.infinity })
        .pipe(SkyClient.collect("chat"))
      expect(completion.choices[0]?.message.content).toBe("a")
      const plain = yield* serve(answer(200, okChat))
      const other = yield* clientFor(plain.url, transport, { timeout: Duration.infinity })
      expect((yield* other.chatCompletions(chatRequest, { timeout: Duration.infinity })).id).toBe("0123456789abcdef0123456789abcdef")
    }).pipe(Effect.scoped))
})

describe("retry options: a bad one is a mistake, refused where it enters the client", () => {
  const apiKey = Redacted.make("ak-retries-retries-retries-012345")
  const count = /must be a whole number, 0 or more/
  const share = /must be a number from 0 to 1/
  const negative = /must be 0 or more/
  const unreadable = /is not a duration/
  const bad: ReadonlyArray<readonly [string, SkyClient.CallOptions, RegExp]> = [
    ...[-1, 1.5, NaN, Infinity].map((n) => ["maxRetries", { maxRetries: n }, count] as const),
    ["retry.maxRetries", { retry: { maxRetries: -1 } }, count],
    ...[-0.1, 1.5, NaN].map((j) => ["retry.jitter", { retry: { jitter: j } }, share] as const),
    ...(["initialDelay", "maxDelay", "maxRetryAfter"] as const).flatMap((name) => [
      ...[-5, NaN, Duration.negativeInfinity, "-1 seconds"].map((d) =>
        [`retry.${name}`, { retry: { [name]: d as Duration.Input } }, negative] as const
      ),
      [`retry.${name}`, { retry: { [name]: "soon" as Duration.Input } }, unreadable] as const
    ])
  ]
  const transport = transports[0]![1]
  const build = (layer: Layer.Layer<SkyClient.SkyClient, Config.ConfigError, HttpClient.HttpClient>) =>
    Effect.exit(Layer.build(layer.pipe(Layer.provide(FetchHttpClient.layer))).pipe(Effect.scoped))

  it.live("at layer build (make, layer, layerConfig): a ConfigError that names the option and says what is accepted", () =>
    Effect.gen(function*() {
      for (const [option, given, problem] of bad) {
        const what = `${option} ${String(JSON.stringify(given))}`
        for (const layer of [
          SkyClient.layer({ apiKey, ...given }),
          Layer.effect(SkyClient.SkyClient)(SkyClient.make({ apiKey, ...given })),
          SkyClient.layerConfig(given).pipe(Layer.provide(configLayer({ SKYENGINE_API_KEY: "ak-x" })))
        ]) {
          const exit = yield* build(layer)
          expect(Exit.isFailure(exit), what).toBe(true)
          if (Exit.isFailure(exit)) {
            expect(String(exit.cause), what).toMatch(problem)
            expect(String(exit.cause), what).toContain(`${option} `)
          }
        }
      }
    }))

  it.live("SKYENGINE_MAX_RETRY_AFTER negative or unreadable, SKYENGINE_MAX_RETRIES not a whole number: a ConfigError at the variable", () =>
    Effect.gen(function*() {
      for (const [name, value] of [
        ["SKYENGINE_MAX_RETRY_AFTER", "-5 seconds"],
        ["SKYENGINE_MAX_RETRY_AFTER", "soon"],
        ["SKYENGINE_MAX_RETRIES", "1.5"],
        ["SKYENGINE_MAX_RETRIES", "-1"]
      ] as const) {
        const exit = yield* build(SkyClient.layerConfig().pipe(
          Layer.provide(configLayer({ SKYENGINE_API_KEY: "ak-x", [name]: value }))
        ))
        expect(Exit.isFailure(exit), `${name}=${value}`).toBe(true)
        if (Exit.isFailure(exit)) expect(String(exit.cause), `${name}=${value}`).toContain(name)
      }
      const negative = yield* build(SkyClient.layerConfig().pipe(
        Layer.provide(configLayer({ SKYENGINE_API_KEY: "ak-x", SKYENGINE_MAX_RETRY_AFTER: "-5 seconds" }))
      ))
      expect(Exit.isFailure(negative) && String(negative.cause)).toMatch(/SKYENGINE_MAX_RETRY_AFTER must be 0 or more/)
    }))

  it.live("per call: an InvalidRequest, never sent, whose reason names the option", () =>
    Effect.gen(function*() {
      const server = yield* serve(answer(200, okChat))
      const sky = yield* clientFor(server.url, transport)
      for (const [option, call, problem] of bad) {
        const what = `${option} ${String(JSON.stringify(call))}`
        const plain = yield* Effect.flip(sky.chatCompletions(chatRequest, call))
        expect(plain._tag, what).toBe("InvalidRequest")
        expect(plain.message, what).toMatch(problem)
        expect(plain.message, what).toContain(`${option} `)
        const streamed = yield* Effect.flip(Stream.runDrain(sky.chatCompletionsStream(chatRequest, call)))
        expect(streamed._tag, what).toBe("InvalidRequest")
        expect(streamed.message, what).toMatch(problem)
      }
      expect(server.seen).toHaveLength(0)
    }).pipe(Effect.scoped))

  it.live("the edges are accepted: 0 retries, jitter 0 and 1, a zero first wait, Duration.infinity caps", () =>
    Effect.gen(function*() {
      const server = yield* serve(answer(429, JSON.stringify({ error: { code: 2007 } })))
      const edges = { initialDelay: Duration.zero, maxDelay: Duration.infinity, maxRetryAfter: Duration.infinity }
      const sky = yield* clientFor(server.url, transport, { maxRetries: 1, retry: { ...edges, jitter: 1 } })
      const once = yield* Effect.flip(sky.chatCompletions(chatRequest))
      expect(once.attempts).toHaveLength(2)
      const none = yield* Effect.flip(sky.chatCompletions(chatRequest, { maxRetries: 0 }))
      expect(none.attempts).toHaveLength(1)
      const jitterZero = yield* Effect.flip(sky.chatCompletions(chatRequest, { retry: { ...edges, maxRetries: 1, jitter: 0 } }))
      expect(jitterZero.attempts).toHaveLength(2)
      expect(server.seen).toHaveLength(5)
      for (const layer of [
        SkyClient.layer({ apiKey, maxRetries: 0, retry: { jitter: 0 } }),
        SkyClient.layerConfig({ retry: edges }).pipe(
          Layer.provide(configLayer({ SKYENGINE_API_KEY: "ak-x", SKYENGINE_MAX_RETRIES: "0" }))
        )
      ]) {
        expect(Exit.isSuccess(yield* build(layer))).toBe(true)
      }
    }).pipe(Effect.scoped))
})
