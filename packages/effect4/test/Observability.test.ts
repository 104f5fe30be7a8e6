import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Logger, Option, Stream } from "effect"
import { SkyClient } from "../src/index.js"
import { clientFor, key } from "./support/client.js"
import { answer, inTurn, type RecordedSpan, recordingTracer, renderings, serve, sseHandler, transports } from "./support/loopback.js"

const okBody = JSON.stringify({
  id: "0123456789abcdef0123456789abcdef",
  object: "chat.completion",
  created: 0,
  model: "m",
  choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }
})

const chatRequest = { model: "sky-model", messages: [{ role: "user" as const, content: "hi" }] }

const noKeyIn = (spans: ReadonlyArray<RecordedSpan>): void => {
  for (const span of spans) for (const text of renderings(span)) expect(text).not.toContain(key)
}

for (const [name, transport] of transports) {
  describe(`spans (${name})`, () => {
    it.live("a call is one client span with operation, method, path, model, status and attempts; its context is propagated", () => {
      const { spans, tracer } = recordingTracer()
      return Effect.gen(function*() {
        const server = yield* serve(answer(200, okBody, { "x-echo": `Bearer ${key}` }))
        const sky = yield* clientFor(server.url, transport)
        yield* sky.chatCompletions(chatRequest)
        expect(spans.map((s) => s.name)).toEqual(["SkyClient.chatCompletions"])
        const span = spans[0]!
        expect(span.span.kind).toBe("client")
        expect(Object.fromEntries(span.attributes)).toMatchObject({
          "sky.operation": "chatCompletions",
          "http.request.method": "POST",
          "url.path": "/v1/chat/completions",
          "gen_ai.request.model": "sky-model",
          "http.response.status_code": 200,
          "sky.attempts": 1
        })
        expect(span.exit !== undefined && Exit.isSuccess(span.exit)).toBe(true)
        expect(server.seen[0]!.headers.traceparent).toBe(`00-0123456789abcdef0123456789abcdef-${span.span.spanId}-01`)
        noKeyIn(spans)
      }).pipe(Effect.scoped, Effect.withTracer(tracer))
    })

    it.live("a failed call's span carries the tag, code, request id and attempts, and never the key", () => {
      const { spans, tracer } = recordingTracer()
      return Effect.gen(function*() {
        const body = JSON.stringify({ error: { code: 2007, message: `limit for ${key}` } })
        const server = yield* serve(answer(429, body, { "x-request-id": "req-42", "retry-after-ms": "1" }))
        const sky = yield* clientFor(server.url, transport, { maxRetries: 1 })
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
        expect(error._tag).toBe("RpmLimitExceeded")
        expect(spans.map((s) => s.name)).toEqual(["SkyClient.chatCompletions"])
        const span = spans[0]!
        expect(Object.fromEntries(span.attributes)).toMatchObject({
          "sky.error.tag": "RpmLimitExceeded",
          "sky.error.code": 2007,
          "sky.request_id": "req-42",
          "http.response.status_code": 429,
          "sky.attempts": 2
        })
        expect(span.exit !== undefined && Exit.isFailure(span.exit)).toBe(true)
        if (span.exit !== undefined && Exit.isFailure(span.exit)) expect(Cause.pretty(span.exit.cause)).not.toContain(key)
        noKeyIn(spans)
      }).pipe(Effect.scoped, Effect.withTracer(tracer))
    })

    it.live("a path or model that holds the key is scrubbed in the span's attributes", () => {
      const { spans, tracer } = recordingTracer()
      return Effect.gen(function*() {
        const server = yield* serve(answer(200, "{}"))
        const sky = yield* clientFor(server.url, transport)
        yield* sky.request({ path: `/v1/echo/${key}`, body: { model: `model-${key}` } })
        const span = spans.find((s) => s.name === "SkyClient.request")!
        expect(span.attributes.get("url.path")).toBe("/v1/echo/<redacted>")
        expect(span.attributes.get("gen_ai.request.model")).toBe("model-<redacted>")
        noKeyIn(spans)
      }).pipe(Effect.scoped, Effect.withTracer(tracer))
    })

    it.live("a stream's span reports its attempts, status and model; a failed stream's, its error", () => {
      const { spans, tracer } = recordingTracer()
      return Effect.gen(function*() {
        const event = `data: ${
          JSON.stringify({ id: "a", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: { content: "x" } }] })
        }\n\n`
        const server = yield* serve(sseHandler(event, "data: [DONE]\n\n"))
        const sky = yield* clientFor(server.url, transport)
        yield* sky.chatCompletionsStream(chatRequest).pipe(SkyClient.collect("chat"))
        expect(Object.fromEntries(spans[0]!.attributes)).toMatchObject({
          "sky.operation": "chatCompletionsStream",
          "sky.attempts": 1,
          "gen_ai.request.model": "sky-model",
          "http.response.status_code": 200
        })
        expect(server.seen[0]!.headers.traceparent).toBe(`00-0123456789abcdef0123456789abcdef-${spans[0]!.span.spanId}-01`)
        const failing = yield* serve(sseHandler(event, `data: {"error":{"code":2101,"message":"bad key ${key}"}}\n\n`))
        const sky2 = yield* clientFor(failing.url, transport)
        const error = yield* Effect.flip(Stream.runDrain(sky2.chatCompletionsStream(chatRequest)))
        expect(error._tag).toBe("InvalidApiKey")
        expect(Object.fromEntries(spans[1]!.attributes)).toMatchObject({ "sky.error.tag": "InvalidApiKey", "sky.error.code": 2101 })
        noKeyIn(spans)
      }).pipe(Effect.scoped, Effect.withTracer(tracer))
    })

    it.live("a retried stream is one span under the caller's, parent of each request, with its attempts and a void exit", () => {
      const { spans, tracer } = recordingTracer()
      return Effect.gen(function*() {
        const event = `data: ${
          JSON.stringify({ id: "a", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: { content: "x" } }] })
        }\n\n`
        const limited = JSON.stringify({ error: { code: 2007, message: "rpm" } })
        const server = yield* serve(inTurn(answer(429, limited, { "retry-after-ms": "10" }), sseHandler(event, "data: [DONE]\n\n")))
        const sky = yield* clientFor(server.url, transport, { maxRetries: 1 })
        const chunks = yield* Stream.runCollect(sky.chatCompletionsStream(chatRequest)).pipe(Effect.withSpan("caller"))
        expect(chunks).toHaveLength(1)
        expect(spans.map((s) => s.name)).toEqual(["caller", "SkyClient.chatCompletionsStream"])
        const [caller, call] = [spans[0]!, spans[1]!]
        expect(Option.getOrUndefined(call.span.parent)?.spanId).toBe(caller.span.spanId)
        expect(Object.fromEntries(call.attributes)).toMatchObject({ "sky.attempts": 2, "http.response.status_code": 200 })
        expect(call.attributes.has("sky.error.tag")).toBe(false)
        expect(server.seen.map((r) => r.headers.traceparent)).toEqual(
          [1, 2].map(() => `00-0123456789abcdef0123456789abcdef-${call.span.spanId}-01`)
        )
        // The span ends as the stream does, with no element in its exit.
        expect(call.exit !== undefined && Exit.isSuccess(call.exit) && call.exit.value).toBe(undefined)
        noKeyIn(spans)
      }).pipe(Effect.scoped, Effect.withTracer(tracer))
    })
  })
}

describe("logs", () => {
  it.live("logging a failed call's error and cause never shows the key", () => {
    const lines: Array<string> = []
    const logger = Logger.make(({ cause, message }) => {
      lines.push(`${String(message)} ${Cause.pretty(cause)}`)
    })
    return Effect.gen(function*() {
      const body = JSON.stringify({ error: { code: 2101, message: `key ${key} is invalid` } })
      const server = yield* serve(answer(401, body))
      const sky = yield* clientFor(server.url, transports[0]![1])
      const exit = yield* Effect.exit(sky.chatCompletions(chatRequest))
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) {
        yield* Effect.logError("call failed", exit.cause)
        const error = Option.getOrThrow(Cause.findErrorOption(exit.cause))
        yield* Effect.logError(error)
        yield* Effect.logError(JSON.stringify(error))
      }
      expect(lines.length).toBe(3)
      expect(lines.join("\n")).toContain("InvalidApiKey")
      expect(lines.join("\n")).not.toContain(key)
    }).pipe(Effect.scoped, Effect.provide(Logger.layer([logger])))
  })
})

