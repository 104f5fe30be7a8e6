import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Context, Duration, Effect, Either, Layer, Redacted, Stream } from "effect"
import { SkyClient } from "../src/index.js"

interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | undefined
}

const okChat = JSON.stringify({
  id: "0123456789abcdef0123456789abcdef",
  object: "chat.completion",
  created: 0,
  model: "m",
  system_fingerprint: "",
  vendor_extension: { kept: true },
  choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }
})

/** An in-memory gateway that records requests and answers one fixed response. */
const recording = (status: number, body: string) => {
  const seen: Array<Seen> = []
  const layer = Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request, url) =>
      Effect.sync(() => {
        seen.push({
          method: request.method,
          url: url.toString(),
          headers: request.headers,
          body: request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : undefined
        })
        return HttpClientResponse.fromWeb(request, new Response(body, { status }))
      })
    )
  )
  return { seen, layer }
}

const apiKey = Redacted.make("ak-abcdefghijklmnopqrstuvwxyz012345")

describe("SkyClient requests", () => {
  it.effect("sends the bearer key, the body, stream: false, and keeps unknown response fields", () => {
    const gateway = recording(200, okChat)
    return Effect.gen(function*() {
      const sky = yield* SkyClient.SkyClient
      const completion = yield* sky.chatCompletions({ model: "m", messages: [{ role: "user", content: "hi" }] })
      expect((completion as unknown as { vendor_extension: unknown }).vendor_extension).toEqual({ kept: true })
      expect(gateway.seen).toHaveLength(1)
      const sent = gateway.seen[0]!
      expect(sent.method).toBe("POST")
      expect(sent.url).toBe("https://model-api.skyengine.com.cn/v1/chat/completions")
      expect(sent.headers.authorization).toBe(`Bearer ${Redacted.value(apiKey)}`)
      expect(sent.headers["x-sky-attempt"]).toBe("1")
      expect(JSON.parse(sent.body!)).toEqual({ model: "m", messages: [{ role: "user", content: "hi" }], stream: false })
    }).pipe(Effect.provide(SkyClient.layer({ apiKey }).pipe(Layer.provide(gateway.layer))))
  })

  it.effect("messages carry anthropic-version; per-call headers are added; the base URL's slashes are joined", () => {
    const gateway = recording(200, "{}")
    return Effect.gen(function*() {
      const sky = yield* SkyClient.SkyClient
      yield* Effect.either(
        sky.messages({ model: "m", max_tokens: 8, messages: [{ role: "user", content: "hi" }] }, {
          headers: { "x-trace": "t-1" }
        })
      )
      const sent = gateway.seen[0]!
      expect(sent.url).toBe("http://gw.test/base/v1/messages")
      expect(sent.headers["anthropic-version"]).toBe("2023-06-01")
      expect(sent.headers["x-trace"]).toBe("t-1")
      expect(sent.headers["x-team"]).toBe("blue")
    }).pipe(Effect.provide(
      SkyClient.layer({ apiKey, baseUrl: "http://gw.test/base/", headers: { "x-team": "blue" } }).pipe(
        Layer.provide(gateway.layer)
      )
    ))
  })

  it.effect("Gemini puts the model in the path and not in the body", () => {
    const gateway = recording(200, JSON.stringify({ candidates: [] }))
    return Effect.gen(function*() {
      const sky = yield* SkyClient.SkyClient
      yield* sky.generateContent({ model: "gemini-2.5-pro", contents: [{ role: "user", parts: [{ text: "hi" }] }] })
      const sent = gateway.seen[0]!
      expect(sent.url).toBe("http://gw.test/v1beta/models/gemini-2.5-pro:generateContent")
      expect(JSON.parse(sent.body!)).toEqual({ contents: [{ role: "user", parts: [{ text: "hi" }] }] })
    }).pipe(Effect.provide(SkyClient.layer({ apiKey, baseUrl: "http://gw.test" }).pipe(Layer.provide(gateway.layer))))
  })

  it.effect("request reaches any path and returns the JSON body", () => {
    const gateway = recording(200, JSON.stringify({ data: [{ url: "https://img" }] }))
    return Effect.gen(function*() {
      const sky = yield* SkyClient.SkyClient
      const body = yield* sky.request({ path: "/v1/images/generations", body: { model: "img", prompt: "a cat" } })
      expect(body).toEqual({ data: [{ url: "https://img" }] })
      expect(gateway.seen[0]!.url).toBe("http://gw.test/v1/images/generations")
      const get = yield* sky.request({ path: "/v1/whatever" })
      expect(get).toEqual({ data: [{ url: "https://img" }] })
      expect(gateway.seen[1]!.method).toBe("GET")
    }).pipe(Effect.provide(SkyClient.layer({ apiKey, baseUrl: "http://gw.test" }).pipe(Layer.provide(gateway.layer))))
  })

  it.effect("a body that cannot be encoded fails with InvalidRequest before anything is sent", () => {
    const gateway = recording(200, okChat)
    return Effect.gen(function*() {
      const sky = yield* SkyClient.SkyClient
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
      expect(gateway.seen).toHaveLength(0)
    }).pipe(Effect.provide(SkyClient.layer({ apiKey, baseUrl: "http://gw.test" }).pipe(Layer.provide(gateway.layer))))
  })

  it.effect("a 2xx body that does not decode is InvalidResponse with the raw body and the complaint", () => {
    const gateway = recording(200, JSON.stringify({ id: "x", model: "m", choices: "not a list" }))
    return Effect.gen(function*() {
      const sky = yield* SkyClient.SkyClient
      const error = yield* Effect.flip(sky.chatCompletions({ model: "m", messages: [] }))
      expect(error._tag).toBe("InvalidResponse")
      expect(error.status).toBe(200)
      expect(error.body).toBe(JSON.stringify({ id: "x", model: "m", choices: "not a list" }))
      expect(error.message).toMatch(/^the chatCompletions response could not be decoded: choices: /)
      if (error._tag === "InvalidResponse") expect(error.issue).toContain("choices")
      const notJson = yield* Effect.flip(
        Effect.provide(
          Effect.flatMap(SkyClient.SkyClient, (s) => s.embeddings({ model: "e", input: "x" })),
          SkyClient.layer({ apiKey, baseUrl: "http://gw.test" }).pipe(Layer.provide(recording(200, "<html>").layer), Layer.orDie)
        )
      )
      expect(notJson._tag).toBe("InvalidResponse")
      expect(notJson.body).toBe("<html>")
    }).pipe(Effect.provide(SkyClient.layer({ apiKey, baseUrl: "http://gw.test" }).pipe(Layer.provide(gateway.layer))))
  })
})

describe("SkyClient.layerConfig", () => {
  const config = (map: Record<string, string>) => Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(map))))

  it.effect("reads the key, base URL, timeout and retries", () => {
    const gateway = recording(200, okChat)
    return Effect.gen(function*() {
      const sky = yield* SkyClient.SkyClient
      yield* sky.chatCompletions({ model: "m", messages: [] })
      expect(gateway.seen[0]!.url).toBe("http://configured.test/v1/chat/completions")
      expect(gateway.seen[0]!.headers.authorization).toBe("Bearer ak-fromconfigfromconfigfromconfig12")
    }).pipe(Effect.provide(
      SkyClient.layerConfig().pipe(
        Layer.provide(gateway.layer),
        Layer.provide(config({
          SKYENGINE_API_KEY: "ak-fromconfigfromconfigfromconfig12",
          SKYENGINE_BASE_URL: "http://configured.test",
          SKYENGINE_TIMEOUT: "90 seconds",
          SKYENGINE_MAX_RETRIES: "0"
        }))
      )
    ))
  })

  it.effect("parses the settings into options", () =>
    Effect.gen(function*() {
      const options = yield* SkyClient.config.pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([
          ["SKYENGINE_API_KEY", "ak-x"],
          ["SKYENGINE_TIMEOUT", "90 seconds"],
          ["SKYENGINE_MAX_RETRIES", "5"],
          ["SKYENGINE_MAX_RETRY_AFTER", "30 seconds"]
        ])))
      )
      expect(Redacted.value(options.apiKey)).toBe("ak-x")
      expect(options.baseUrl).toBe("https://model-api.skyengine.com.cn")
      expect(Duration.toMillis(Duration.decode(options.timeout!))).toBe(90_000)
      expect(options.maxRetries).toBe(5)
      expect(Duration.toMillis(Duration.decode(options.retry!.maxRetryAfter!))).toBe(30_000)
      // The key stays redacted when the options are printed.
      expect(String(options.apiKey)).not.toContain("ak-x")
    }))

  it.effect("a missing key or a negative retry count is a ConfigError", () =>
    Effect.gen(function*() {
      const missing = yield* Effect.either(SkyClient.config.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))))
      expect(Either.isLeft(missing)).toBe(true)
      if (Either.isLeft(missing)) expect(String(missing.left)).toContain("SKYENGINE_API_KEY")
      const negative = yield* Effect.either(SkyClient.config.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(
        new Map([["SKYENGINE_API_KEY", "ak-x"], ["SKYENGINE_MAX_RETRIES", "-1"]])
      ))))
      expect(Either.isLeft(negative)).toBe(true)
    }))
})

const answering = (make: (signal: AbortSignal) => Response) => {
  const seen: Array<Record<string, string>> = []
  const layer = Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request, _url, signal) =>
      Effect.sync(() => {
        seen.push(request.headers)
        return HttpClientResponse.fromWeb(request, make(signal))
      })
    )
  )
  return { seen, layer }
}

const sse = (...events: ReadonlyArray<string>) =>
  new Response(events.join(""), { status: 200, headers: { "content-type": "text/event-stream" } })

const chunk = (content: string) =>
  `data: ${JSON.stringify({ id: "a", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`

const streamOf = (layer: Layer.Layer<HttpClient.HttpClient>, options?: SkyClient.CallOptions) =>
  Effect.flatMap(SkyClient.SkyClient, (sky) =>
    SkyClient.collect("chat")(sky.chatCompletionsStream({ model: "m", messages: [] }, options))).pipe(
      Effect.provide(SkyClient.layer({ apiKey, baseUrl: "http://gw.test", retry: { jitter: 0 } }).pipe(Layer.provide(layer), Layer.orDie))
    )

describe("SkyClient streams, edge cases", () => {
  it.effect("asks for an event stream", () => {
    const gateway = answering(() => sse(chunk("a"), "data: [DONE]\n\n"))
    return Effect.gen(function*() {
      yield* streamOf(gateway.layer)
      expect(gateway.seen[0]!.accept).toBe("text/event-stream")
    })
  })

  it.effect("an error event whose data is plain text fails the stream with that text", () => {
    const gateway = answering(() => sse(chunk("a"), "event: error\ndata: upstream overloaded, try later\n\n"))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(streamOf(gateway.layer))
      expect(error._tag).toBe("UnknownGatewayError")
      expect(error.message).toContain("upstream overloaded, try later")
    })
  })

  it.effect("a JSON error answered with 200 instead of a stream is that error, with the table's status", () => {
    const gateway = answering(() =>
      new Response(JSON.stringify({ error: { code: 2007, message: "slow down" } }), {
        status: 200,
        headers: { "content-type": "application/json", "x-request-id": "r-9" }
      })
    )
    return Effect.gen(function*() {
      const error = yield* Effect.flip(streamOf(gateway.layer, { maxRetries: 0 }))
      expect(error._tag).toBe("RpmLimitExceeded")
      expect(error.status).toBe(429)
      expect(error.requestId).toBe("r-9")
    })
  })

  it.effect("a JSON success answered instead of a stream is InvalidResponse with the body", () => {
    const gateway = answering(() =>
      new Response(JSON.stringify({ id: "x" }), { status: 200, headers: { "content-type": "application/json" } })
    )
    return Effect.gen(function*() {
      const error = yield* Effect.flip(streamOf(gateway.layer))
      expect(error._tag).toBe("InvalidResponse")
      expect(error.body).toBe(JSON.stringify({ id: "x" }))
    })
  })

  it.effect("a last event without its blank line still counts", () => {
    const gateway = answering(() => sse(chunk("a"), chunk("b"), "data: [DONE]"))
    return Effect.gen(function*() {
      const completion = yield* streamOf(gateway.layer)
      expect(completion.choices[0]?.message.content).toBe("ab")
    })
  })

  it.live("an overloaded_error before the first element is retried like a 529", () => {
    let calls = 0
    const gateway = answering(() => {
      calls += 1
      return calls === 1
        ? sse(`event: error\ndata: ${JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } })}\n\n`)
        : sse(chunk("ok"), "data: [DONE]\n\n")
    })
    return Effect.gen(function*() {
      const completion = yield* streamOf(gateway.layer, { retry: { initialDelay: "1 millis" } })
      expect(completion.choices[0]?.message.content).toBe("ok")
      expect(calls).toBe(2)
    })
  })
})

describe("SkyClient guards", () => {
  it.live("a deadline passed while reading the body keeps the status and request id", () => {
    // Headers at once, then a body that never comes: it fails when the request's signal is aborted, as
    // fetch's does.
    const gateway = answering((signal) =>
      new Response(
        new ReadableStream({ start: (body) => signal.addEventListener("abort", () => body.error(signal.reason)) }),
        { status: 200, headers: { "x-request-id": "slow-1" } }
      )
    )
    return Effect.gen(function*() {
      const sky = yield* SkyClient.SkyClient
      const error = yield* Effect.flip(sky.chatCompletions({ model: "m", messages: [] }, { timeout: "50 millis", maxRetries: 0 }))
      expect(error._tag).toBe("RequestTimeout")
      expect(error.status).toBe(200)
      expect(error.requestId).toBe("slow-1")
    }).pipe(Effect.provide(SkyClient.layer({ apiKey, baseUrl: "http://gw.test" }).pipe(Layer.provide(gateway.layer))))
  })

  it.effect("the key is never sent to another origin", () => {
    const gateway = recording(200, "{}")
    return Effect.gen(function*() {
      const sky = yield* SkyClient.SkyClient
      const error = yield* Effect.flip(sky.request({ path: "https://elsewhere.example/collect", body: {} }))
      expect(error._tag).toBe("InvalidRequest")
      expect(error.status).toBeUndefined()
      expect(error.message).toContain("not on the base URL's origin")
      expect(gateway.seen).toHaveLength(0)
      yield* sky.request({ path: "http://gw.test/v1/same-origin" })
      expect(gateway.seen[0]!.url).toBe("http://gw.test/v1/same-origin")
    }).pipe(Effect.provide(SkyClient.layer({ apiKey, baseUrl: "http://gw.test" }).pipe(Layer.provide(gateway.layer))))
  })

  it.effect("an unreadable retry duration is refused, never a defect: a ConfigError at build, an InvalidRequest per call", () => {
    const gateway = recording(200, okChat)
    const bad = "soon" as unknown as Duration.DurationInput
    return Effect.gen(function*() {
      const built = yield* Effect.either(Layer.build(
        SkyClient.layer({ apiKey, retry: { maxRetryAfter: bad } }).pipe(Layer.provide(gateway.layer))
      ).pipe(Effect.scoped))
      expect(Either.isLeft(built) && String(built.left)).toMatch(/retry\.maxRetryAfter is not a duration/)
      const sky = yield* SkyClient.SkyClient
      const error = yield* Effect.flip(sky.chatCompletions({ model: "m", messages: [] }, { retry: { maxRetryAfter: bad } }))
      expect(error._tag).toBe("InvalidRequest")
      expect(gateway.seen).toHaveLength(0)
    }).pipe(Effect.provide(SkyClient.layer({ apiKey }).pipe(Layer.provide(gateway.layer))))
  })

  it.effect("layerConfig overrides merge with the configuration instead of replacing it", () => {
    const gateway = recording(429, JSON.stringify({ error: { code: 2007 } }))
    return Effect.gen(function*() {
      const sky = yield* SkyClient.SkyClient
      const error = yield* Effect.flip(sky.chatCompletions({ model: "m", messages: [] }))
      // SKYENGINE_BASE_URL survives `baseUrl: undefined`, and SKYENGINE_MAX_RETRIES=0 survives `retry: { jitter }`.
      expect(gateway.seen[0]!.url).toBe("http://configured.test/v1/chat/completions")
      expect(error.attempts).toHaveLength(1)
    }).pipe(Effect.provide(
      SkyClient.layerConfig({ baseUrl: undefined, retry: { jitter: 0 } }).pipe(
        Layer.provide(gateway.layer),
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([
          ["SKYENGINE_API_KEY", "ak-fromconfigfromconfigfromconfig12"],
          ["SKYENGINE_BASE_URL", "http://configured.test"],
          ["SKYENGINE_MAX_RETRIES", "0"]
        ]))))
      )
    ))
  })
})

describe("timeouts: zero, negative or unreadable is a mistake; Duration.infinity is no deadline", () => {
  const config = (map: Record<string, string>) => Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(map))))
  const apiKey = Redacted.make("ak-timeouts-timeouts-timeouts-0123")
  const bad: ReadonlyArray<readonly [string, Duration.DurationInput, RegExp]> = [
    ["0", 0, /must be positive/],
    ["Duration.zero", Duration.zero, /must be positive/],
    ["-5", -5, /must be positive/],
    ["NaN", NaN, /must be positive/],
    ["Duration.infinity negated (-Infinity)", -Infinity, /must be positive/],
    ["\"-1 seconds\"", "-1 seconds" as Duration.DurationInput, /must be positive/],
    ["\"soon\"", "soon" as Duration.DurationInput, /is not a duration/]
  ]
  const build = (layer: Layer.Layer<SkyClient.SkyClient, unknown, HttpClient.HttpClient>) =>
    Effect.either(Layer.build(layer.pipe(Layer.provide(recording(200, okChat).layer))).pipe(Effect.scoped))

  it.effect("at layer build (make, layer, layerConfig): a ConfigError at the option that says so", () =>
    Effect.gen(function*() {
      for (const [what, input, problem] of bad) {
        for (const name of ["timeout", "streamTimeout"] as const) {
          for (const layer of [
            SkyClient.layer({ apiKey, [name]: input }),
            Layer.effect(SkyClient.SkyClient, SkyClient.make({ apiKey, [name]: input })),
            SkyClient.layerConfig({ [name]: input }).pipe(
              Layer.provide(config({ SKYENGINE_API_KEY: "ak-x" }))
            )
          ]) {
            const built = yield* build(layer)
            expect(Either.isLeft(built), `${name} ${what}`).toBe(true)
            if (Either.isLeft(built)) {
              expect(String(built.left), `${name} ${what}`).toMatch(problem)
              expect(String(built.left)).toContain(name)
              expect(String(built.left)).toContain("Duration.infinity means no deadline")
            }
          }
        }
      }
    }))

  it.effect("SKYENGINE_TIMEOUT of 0, a negative or an unreadable duration is a ConfigError at SKYENGINE_TIMEOUT", () =>
    Effect.gen(function*() {
      // "Infinity" is not a duration Effect 3 reads (Effect 4's does: the 2.x line takes it as no deadline).
      for (const value of ["0 seconds", "-5 seconds", "soon", "Infinity"]) {
        const built = yield* build(SkyClient.layerConfig().pipe(
          Layer.provide(config({ SKYENGINE_API_KEY: "ak-x", SKYENGINE_TIMEOUT: value }))
        ))
        expect(Either.isLeft(built), value).toBe(true)
        if (Either.isLeft(built)) expect(String(built.left)).toContain("SKYENGINE_TIMEOUT")
      }
    }))

  it.effect("per call: an InvalidRequest, never sent, that says the timeout must be positive", () =>
    Effect.gen(function*() {
      const gateway = recording(200, okChat)
      const sky = Context.get(
        yield* Layer.build(SkyClient.layer({ apiKey, maxRetries: 0 }).pipe(Layer.provide(gateway.layer), Layer.orDie)),
        SkyClient.SkyClient
      )
      for (const [what, input, problem] of bad) {
        const plain = yield* Effect.flip(sky.chatCompletions({ model: "m", messages: [] }, { timeout: input }))
        expect(plain._tag, what).toBe("InvalidRequest")
        expect(plain.message, what).toMatch(problem)
        expect(plain.message).toContain("Duration.infinity means no deadline")
        for (const call of [{ timeout: input }, { streamTimeout: input }]) {
          const streamed = yield* Effect.flip(Stream.runDrain(sky.chatCompletionsStream({ model: "m", messages: [] }, call)))
          expect(streamed._tag, what).toBe("InvalidRequest")
          expect(streamed.message, what).toMatch(problem)
        }
      }
      expect(gateway.seen).toHaveLength(0)
    }).pipe(Effect.scoped))

  it.effect("Duration.infinity means no deadline: the client's, a call's, and a stream's", () =>
    Effect.gen(function*() {
      const gateway = recording(200, okChat)
      const sky = Context.get(
        yield* Layer.build(
          SkyClient.layer({ apiKey, maxRetries: 0, timeout: Duration.infinity, streamTimeout: Duration.infinity }).pipe(
            Layer.provide(gateway.layer),
            Layer.orDie
          )
        ),
        SkyClient.SkyClient
      )
      const answer = yield* sky.chatCompletions({ model: "m", messages: [] })
      expect(answer.id).toBe("0123456789abcdef0123456789abcdef")
      yield* sky.chatCompletions({ model: "m", messages: [] }, { timeout: Duration.infinity })
      expect(gateway.seen).toHaveLength(2)
      const events = `data: ${JSON.stringify({ id: "a", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: { content: "a" }, finish_reason: null }] })}\n\ndata: [DONE]\n\n`
      const streaming = Layer.succeed(
        HttpClient.HttpClient,
        HttpClient.make((request) =>
          Effect.succeed(HttpClientResponse.fromWeb(request, new Response(events, { headers: { "content-type": "text/event-stream" } })))
        )
      )
      const streamed = Context.get(
        yield* Layer.build(
          SkyClient.layer({ apiKey, maxRetries: 0, timeout: Duration.infinity, streamTimeout: Duration.infinity }).pipe(
            Layer.provide(streaming),
            Layer.orDie
          )
        ),
        SkyClient.SkyClient
      )
      const completion = yield* SkyClient.collect("chat")(
        streamed.chatCompletionsStream({ model: "m", messages: [] }, { timeout: Duration.infinity, streamTimeout: Duration.infinity })
      )
      expect(completion.choices[0]?.message.content).toBe("a")
    }).pipe(Effect.scoped))
})

describe("retry options: a bad one is a mistake, refused where it enters the client", () => {
  const config = (map: Record<string, string>) => Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(map))))
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
      ...[-5, NaN, -Infinity, "-1 seconds"].map((d) =>
        [`retry.${name}`, { retry: { [name]: d as Duration.DurationInput } }, negative] as const
      ),
      [`retry.${name}`, { retry: { [name]: "soon" as Duration.DurationInput } }, unreadable] as const
    ])
  ]
  const build = (layer: Layer.Layer<SkyClient.SkyClient, unknown, HttpClient.HttpClient>) =>
    Effect.either(Layer.build(layer.pipe(Layer.provide(recording(200, okChat).layer))).pipe(Effect.scoped))

  it.effect("at layer build (make, layer, layerConfig): a ConfigError that names the option and says what is accepted", () =>
    Effect.gen(function*() {
      for (const [option, given, problem] of bad) {
        const what = `${option} ${JSON.stringify(given)}`
        for (const layer of [
          SkyClient.layer({ apiKey, ...given }),
          Layer.effect(SkyClient.SkyClient, SkyClient.make({ apiKey, ...given })),
          SkyClient.layerConfig(given).pipe(Layer.provide(config({ SKYENGINE_API_KEY: "ak-x" })))
        ]) {
          const built = yield* build(layer)
          expect(Either.isLeft(built), what).toBe(true)
          if (Either.isLeft(built)) {
            expect(String(built.left), what).toMatch(problem)
            expect(String(built.left), what).toContain(`${option} `)
          }
        }
      }
    }))

  it.effect("SKYENGINE_MAX_RETRY_AFTER negative or unreadable, SKYENGINE_MAX_RETRIES not a whole number: a ConfigError at the variable", () =>
    Effect.gen(function*() {
      for (const [name, value] of [
        ["SKYENGINE_MAX_RETRY_AFTER", "-5 seconds"],
        ["SKYENGINE_MAX_RETRY_AFTER", "soon"],
        ["SKYENGINE_MAX_RETRIES", "1.5"],
        ["SKYENGINE_MAX_RETRIES", "-1"]
      ] as const) {
        const built = yield* build(SkyClient.layerConfig().pipe(
          Layer.provide(config({ SKYENGINE_API_KEY: "ak-x", [name]: value }))
        ))
        expect(Either.isLeft(built), `${name}=${value}`).toBe(true)
        if (Either.isLeft(built)) expect(String(built.left), `${name}=${value}`).toContain(name)
      }
      const negative = yield* build(SkyClient.layerConfig().pipe(
        Layer.provide(config({ SKYENGINE_API_KEY: "ak-x", SKYENGINE_MAX_RETRY_AFTER: "-5 seconds" }))
      ))
      expect(Either.isLeft(negative) && String(negative.left)).toMatch(/SKYENGINE_MAX_RETRY_AFTER must be 0 or more/)
    }))

  it.effect("per call: an InvalidRequest, never sent, whose reason names the option", () =>
    Effect.gen(function*() {
      const gateway = recording(200, okChat)
      const sky = Context.get(
        yield* Layer.build(SkyClient.layer({ apiKey }).pipe(Layer.provide(gateway.layer), Layer.orDie)),
        SkyClient.SkyClient
      )
      for (const [option, call, problem] of bad) {
        const what = `${option} ${JSON.stringify(call)}`
        const plain = yield* Effect.flip(sky.chatCompletions({ model: "m", messages: [] }, call))
        expect(plain._tag, what).toBe("InvalidRequest")
        expect(plain.message, what).toMatch(problem)
        expect(plain.message, what).toContain(`${option} `)
        const streamed = yield* Effect.flip(Stream.runDrain(sky.chatCompletionsStream({ model: "m", messages: [] }, call)))
        expect(streamed._tag, what).toBe("InvalidRequest")
        expect(streamed.message, what).toMatch(problem)
      }
      expect(gateway.seen).toHaveLength(0)
    }).pipe(Effect.scoped))

  it.effect("the edges are accepted: 0 retries, jitter 0 and 1, a zero first wait, Duration.infinity caps", () =>
    Effect.gen(function*() {
      const gateway = recording(429, JSON.stringify({ error: { code: 2007 } }))
      const edges = { initialDelay: Duration.zero, maxDelay: Duration.infinity, maxRetryAfter: Duration.infinity }
      const sky = Context.get(
        yield* Layer.build(
          SkyClient.layer({ apiKey, maxRetries: 1, retry: { ...edges, jitter: 1 } }).pipe(Layer.provide(gateway.layer), Layer.orDie)
        ),
        SkyClient.SkyClient
      )
      const once = yield* Effect.flip(sky.chatCompletions({ model: "m", messages: [] }))
      expect(once.attempts).toHaveLength(2)
      const none = yield* Effect.flip(sky.chatCompletions({ model: "m", messages: [] }, { maxRetries: 0 }))
      expect(none.attempts).toHaveLength(1)
      const jitterZero = yield* Effect.flip(
        sky.chatCompletions({ model: "m", messages: [] }, { retry: { ...edges, maxRetries: 1, jitter: 0 } })
      )
      expect(jitterZero.attempts).toHaveLength(2)
      expect(gateway.seen).toHaveLength(5)
      for (const layer of [
        SkyClient.layer({ apiKey, maxRetries: 0, retry: { jitter: 0 } }),
        SkyClient.layerConfig({ retry: edges }).pipe(Layer.provide(config({ SKYENGINE_API_KEY: "ak-x", SKYENGINE_MAX_RETRIES: "0" })))
      ]) {
        expect(Either.isRight(yield* build(layer))).toBe(true)
      }
    }).pipe(Effect.scoped))
})
