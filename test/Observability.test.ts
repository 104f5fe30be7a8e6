import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Logger, Option, Redacted, Tracer } from "effect"
import type { Context } from "effect"
import { SkyClient } from "../src/index.js"

const key = "ak-SECRETsecretSECRETsecret012345"

/** A tracer that keeps every span it made, with its attributes. */
const capturingTracer = () => {
  const spans: Array<{ name: string; attributes: Map<string, unknown>; exit?: Exit.Exit<unknown, unknown> }> = []
  let next = 0
  const tracer = Tracer.make({
    span(name, parent, context: Context.Context<never>, links, startTime, kind) {
      const record: { name: string; attributes: Map<string, unknown>; exit?: Exit.Exit<unknown, unknown> } = {
        name,
        attributes: new Map()
      }
      spans.push(record)
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: String(next++),
        traceId: "trace",
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes: record.attributes,
        links,
        sampled: true,
        kind,
        end: (_endTime, exit) => {
          record.exit = exit
        },
        attribute: (k, v) => {
          record.attributes.set(k, v)
        },
        event: () => {},
        addLinks: () => {}
      }
      return span
    },
    context: (f) => f()
  })
  return { spans, tracer }
}

const gateway = (status: number, body: string, headers: Record<string, string> = {}) =>
  Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request) =>
      Effect.succeed(HttpClientResponse.fromWeb(request, new Response(body, { status, headers })))
    )
  )

const okBody = JSON.stringify({
  id: "0123456789abcdef0123456789abcdef",
  object: "chat.completion",
  created: 0,
  model: "m",
  choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }
})

const client = (http: Layer.Layer<HttpClient.HttpClient>) =>
  SkyClient.layer({ apiKey: Redacted.make(key), baseUrl: "http://gateway.test", maxRetries: 0 }).pipe(
    Layer.provide(http)
  )

const chat = Effect.flatMap(SkyClient.SkyClient, (sky) =>
  sky.chatCompletions({ model: "sky-model", messages: [{ role: "user", content: "hi" }] }))

const everything = (spans: ReturnType<typeof capturingTracer>["spans"]) =>
  JSON.stringify(spans.map((s) => ({ name: s.name, attributes: [...s.attributes.entries()].map(([k, v]) => [k, String(v)]) })))

describe("spans", () => {
  it.effect("a call is a span with operation, method, path, model, status and attempts", () => {
    const { spans, tracer } = capturingTracer()
    return Effect.gen(function*() {
      yield* chat
      const span = spans.find((s) => s.name === "SkyClient.chatCompletions")
      expect(span).toBeDefined()
      expect(Object.fromEntries(span!.attributes)).toMatchObject({
        "sky.operation": "chatCompletions",
        "http.request.method": "POST",
        "url.path": "/v1/chat/completions",
        "gen_ai.request.model": "sky-model",
        "http.response.status_code": 200,
        "sky.attempts": 1
      })
      expect(span!.exit && Exit.isSuccess(span!.exit)).toBe(true)
      expect(everything(spans)).not.toContain(key)
    }).pipe(Effect.provide(client(gateway(200, okBody))), Effect.withTracer(tracer))
  })

  it.effect("a 200 that echoes the key: the caller gets it, the span's exit never holds it", () => {
    const { spans, tracer } = capturingTracer()
    const echo = okBody.replace(`"content":"hi"`, `"content":"your key is ${key}"`)
    return Effect.gen(function*() {
      const answer = yield* chat
      expect(answer.choices[0]!.message.content).toContain(key)
      const span = spans.find((s) => s.name === "SkyClient.chatCompletions")!
      expect(span.exit && Exit.isSuccess(span.exit)).toBe(true)
      expect(String(span.exit)).not.toContain(key)
      expect(JSON.stringify(span.exit)).not.toContain(key)
    }).pipe(Effect.provide(client(gateway(200, echo))), Effect.withTracer(tracer))
  })

  it.effect("a failed call's span carries the tag, code and request id, and never the key", () => {
    const { spans, tracer } = capturingTracer()
    const body = JSON.stringify({ error: { code: 2007, message: `limit for ${key}` } })
    return Effect.gen(function*() {
      const error = yield* Effect.flip(chat)
      expect(error._tag).toBe("RpmLimitExceeded")
      const span = spans.find((s) => s.name === "SkyClient.chatCompletions")!
      expect(Object.fromEntries(span.attributes)).toMatchObject({
        "sky.error.tag": "RpmLimitExceeded",
        "sky.error.code": 2007,
        "sky.request_id": "req-42",
        "http.response.status_code": 429,
        "sky.attempts": 1
      })
      // The span's own exit holds the error: rendered, it must not show the key either.
      expect(span.exit && Exit.isFailure(span.exit)).toBe(true)
      if (span.exit && Exit.isFailure(span.exit)) expect(Cause.pretty(span.exit.cause)).not.toContain(key)
      expect(everything(spans)).not.toContain(key)
      // The platform's own http.client span (whose exit holds the request with its key) is not opened.
      expect(spans.find((s) => s.name.startsWith("http.client"))).toBeUndefined()
    }).pipe(
      Effect.provide(client(gateway(429, body, { "x-request-id": "req-42" }))),
      Effect.withTracer(tracer)
    )
  })
})

describe("span attributes from the caller", () => {
  it.effect("a path or model that holds the key is scrubbed in the span's attributes", () => {
    const { spans, tracer } = capturingTracer()
    return Effect.gen(function*() {
      const sky = yield* SkyClient.SkyClient
      yield* sky.request({ path: `/v1/echo/${key}`, body: { model: `model-${key}` } })
      const span = spans.find((s) => s.name === "SkyClient.request")!
      expect(span.attributes.get("url.path")).toBe("/v1/echo/<redacted>")
      expect(span.attributes.get("gen_ai.request.model")).toBe("model-<redacted>")
      expect(everything(spans)).not.toContain(key)
    }).pipe(Effect.provide(client(gateway(200, "{}"))), Effect.withTracer(tracer))
  })
})

describe("stream spans", () => {
  it.effect("a stream that succeeds reports its attempts on its span", () => {
    const { spans, tracer } = capturingTracer()
    const body = [
      `data: ${JSON.stringify({ id: "a", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: { content: "x" } }] })}`,
      "data: [DONE]",
      ""
    ].join("\n\n")
    return Effect.gen(function*() {
      const sky = yield* SkyClient.SkyClient
      yield* SkyClient.collect("chat")(sky.chatCompletionsStream({ model: "sky-model", messages: [] }))
      const span = spans.find((s) => s.name === "SkyClient.chatCompletionsStream")
      expect(span && Object.fromEntries(span.attributes)).toMatchObject({
        "sky.attempts": 1,
        "gen_ai.request.model": "sky-model",
        "http.response.status_code": 200
      })
    }).pipe(
      Effect.provide(client(gateway(200, body, { "content-type": "text/event-stream" }))),
      Effect.withTracer(tracer)
    )
  })
})

describe("a retried stream", () => {
  it.live("is one span under the caller's, parent of each request, with its attempts and a void exit", () => {
    const { spans, tracer } = capturingTracer()
    const event = `data: ${
      JSON.stringify({ id: "a", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: { content: "x" } }] })
    }\n\ndata: [DONE]\n\n`
    const limited = JSON.stringify({ error: { code: 2007, message: "rpm" } })
    const parents: Array<string | undefined> = []
    let n = 0
    const inTurn = Layer.succeed(
      HttpClient.HttpClient,
      HttpClient.make((request) =>
        Effect.sync(() => {
          n += 1
          parents.push(request.headers["traceparent"])
          return HttpClientResponse.fromWeb(
            request,
            n === 1
              ? new Response(limited, { status: 429, headers: { "retry-after-ms": "10", "content-type": "application/json" } })
              : new Response(event, { status: 200, headers: { "content-type": "text/event-stream" } })
          )
        })
      )
    )
    return Effect.gen(function*() {
      const sky = yield* SkyClient.SkyClient
      const chunks = yield* SkyClient.collect("chat")(sky.chatCompletionsStream({ model: "sky-model", messages: [] })).pipe(
        Effect.withSpan("caller")
      )
      expect(chunks.choices[0]?.message.content).toBe("x")
      expect(spans.map((s) => s.name)).toEqual(["caller", "SkyClient.chatCompletionsStream"])
      const call = spans[1]!
      expect(Object.fromEntries(call.attributes)).toMatchObject({ "sky.attempts": 2, "http.response.status_code": 200 })
      expect(call.attributes.has("sky.error.tag")).toBe(false)
      expect(parents).toHaveLength(2)
      expect(new Set(parents).size).toBe(1)
      // The call's span (id "1", after the caller's "0") is the parent each request propagates.
      expect(parents[0]).toBe("00-trace-1-01")
      expect(call.exit !== undefined && Exit.isSuccess(call.exit) && call.exit.value).toBe(undefined)
      expect(everything(spans)).not.toContain(key)
    }).pipe(
      Effect.provide(SkyClient.layer({ apiKey: Redacted.make(key), baseUrl: "http://gateway.test", maxRetries: 1 }).pipe(Layer.provide(inTurn))),
      Effect.withTracer(tracer)
    )
  })
})

describe("trace context", () => {
  it.live("each attempt sends its number and the call's span as traceparent, and no trace context with propagation off", () => {
    const { tracer } = capturingTracer()
    const seen: Array<Readonly<Record<string, string>>> = []
    const recording = Layer.succeed(
      HttpClient.HttpClient,
      HttpClient.make((request) =>
        Effect.sync(() => {
          seen.push(request.headers)
          return HttpClientResponse.fromWeb(request, new Response(okBody, { status: 200, headers: { "content-type": "application/json" } }))
        })
      )
    )
    return Effect.gen(function*() {
      yield* chat
      yield* chat.pipe(Effect.locally(HttpClient.currentTracerPropagation, false))
      // For a whole app, as the README says: a layer that sets it.
      yield* chat.pipe(Effect.provide(Layer.locallyScoped(HttpClient.currentTracerPropagation, false)))
      expect(seen.map((h) => [h["traceparent"], h["x-sky-attempt"]])).toEqual([["00-trace-0-01", "1"], [undefined, "1"], [undefined, "1"]])
      expect(seen.every((h) => h["b3"] === undefined || h["b3"].startsWith("trace-0"))).toBe(true)
    }).pipe(Effect.provide(client(recording)), Effect.withTracer(tracer))
  })
})

describe("logs", () => {
  it.effect("logging a failed call's error and cause never shows the key", () => {
    const lines: Array<string> = []
    const logger = Logger.make(({ message, cause }) => {
      lines.push(`${String(message)} ${Cause.pretty(cause)}`)
    })
    const body = JSON.stringify({ error: { code: 2101, message: `key ${key} is invalid` } })
    return Effect.gen(function*() {
      const exit = yield* Effect.exit(chat)
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) {
        yield* Effect.logError("call failed", exit.cause)
        const error = Option.getOrThrow(Cause.failureOption(exit.cause))
        yield* Effect.logError(error)
        yield* Effect.logError(JSON.stringify(error))
      }
      expect(lines.length).toBe(3)
      expect(lines.join("\n")).toContain("InvalidApiKey")
      expect(lines.join("\n")).not.toContain(key)
    }).pipe(
      Effect.provide(client(gateway(401, body))),
      Effect.provide(Logger.replace(Logger.defaultLogger, logger))
    )
  })
})
