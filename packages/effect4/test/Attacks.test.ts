/**
 * The Effect 4 line attacked as issue 8 attacked 0.1.0: a hostile server on 127.0.0.1 and a careless caller, over
 * both transports, through the `sky` command and SkyMock. Each test fails if the hole it names were there.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, ConfigProvider, Effect, Equal, Exit, Hash, Layer, Redacted, Schema, Stream, Tracer } from "effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import { spawn } from "node:child_process"
import { resolve } from "node:path"
import { inspect } from "node:util"
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib"
import { SkyClient, SkyError, SkyWire } from "../src/index.js"
import * as SkyMock from "../src/SkyMock.js"
import { chatRequest, chunk, clientFor, key, okChat } from "./support/client.js"
import { answer, type Handler, type RecordedSpan, recordingTracer, renderings, serve, transports } from "./support/loopback.js"

/** Every way a caller or a tracer might render an error. */
const renderError = (error: unknown): Array<string> => [
  String(error),
  (error as Error).message ?? "",
  JSON.stringify(error),
  inspect(error, { depth: Infinity, showHidden: true }),
  Cause.pretty(Cause.fail(error)),
  SkyError.isSkyError(error) ? JSON.stringify(Schema.encodeSync(SkyError.SkyError)(error)) : ""
]

/** No form of the key (as sent, upper-cased, base64, percent-encoded, as `\u` escapes) in any rendering. */
const forms = (secret: string): Array<string> => [
  secret,
  secret.toUpperCase(),
  Buffer.from(secret).toString("base64").slice(0, 16),
  encodeURIComponent(secret).replace(/-/g, "%2D"),
  secret.slice(3, 20)
]
const noKey = (texts: ReadonlyArray<string>, secret = key): void => {
  for (const text of texts) for (const form of forms(secret)) expect(text).not.toContain(form)
}
const noKeyInSpans = (spans: ReadonlyArray<RecordedSpan>): void => {
  for (const span of spans) noKey(renderings(span))
}

const deep = (n: number): string => "[".repeat(n) + "]".repeat(n)
const deepObject = (n: number): string => "{\"a\":".repeat(n) + "1" + "}".repeat(n)

for (const [name, transport] of transports) {
  describe(`key leaks (${name})`, () => {
    it.live("effect/http's client span never opens, plain or streamed, even with propagation on; ours records no header", () => {
      const { spans, tracer } = recordingTracer()
      return Effect.gen(function*() {
        const server = yield* serve((req, res) => {
          const headers = { [`x-${key.toLowerCase()}`]: "1", "x-echo": `Bearer ${key}`, "set-cookie": `k=${key}` }
          if (JSON.parse(String(req.headers["x-test"] ?? "false"))) {
            res.writeHead(200, { "content-type": "text/event-stream", ...headers }).end(chunk("x") + "data: [DONE]\n\n")
          } else res.writeHead(200, { "content-type": "application/json", ...headers }).end(okChat)
        })
        const sky = yield* clientFor(server.url, transport)
        yield* sky.chatCompletions(chatRequest)
        yield* Stream.runDrain(sky.chatCompletionsStream(chatRequest, { headers: { "x-test": "true" } }))
        yield* sky.request({ path: "/v1/x", method: "GET" })
        expect(spans.map((s) => s.name)).toEqual([
          "SkyClient.chatCompletions",
          "SkyClient.chatCompletionsStream",
          "SkyClient.request"
        ])
        for (const span of spans) {
          for (const k of span.attributes.keys()) expect(k).not.toMatch(/header/)
        }
        noKeyInSpans(spans)
      }).pipe(Effect.scoped, Effect.withTracer(tracer), Effect.provideService(HttpClient.TracerPropagationEnabled, true))
    })

    it.live("a 200 that echoes the key: the caller gets its answer, the span's exit never holds it", () => {
      const { spans, tracer } = recordingTracer()
      return Effect.gen(function*() {
        const echo = JSON.parse(okChat)
        echo.choices[0].message.content = `your key is ${key}`
        const server = yield* serve((req, res) =>
          req.headers["x-test"] === "stream"
            ? res.writeHead(200, { "content-type": "text/event-stream" }).end(chunk(key) + "data: [DONE]\n\n")
            : res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(echo)))
        const sky = yield* clientFor(server.url, transport)
        const answer = yield* sky.chatCompletions(chatRequest)
        expect(answer.choices[0]!.message.content).toContain(key)
        expect(JSON.stringify(yield* sky.request({ path: "/v1/x" }))).toContain(key)
        const streamed = yield* sky.chatCompletionsStream(chatRequest, { headers: { "x-test": "stream" } }).pipe(SkyClient.collect("chat"))
        expect(streamed.choices[0]!.message.content).toBe(key)
        expect(spans).toHaveLength(3)
        noKeyInSpans(spans)
      }).pipe(Effect.scoped, Effect.withTracer(tracer))
    })

    it.live("a key put in the base URL's query or path by a careless caller: no error or span shows it", () => {
      const { spans, tracer } = recordingTracer()
      return Effect.gen(function*() {
        const server = yield* serve(answer(500, `{"error":{"code":2002,"message":"down"}}`))
        for (const base of [`${server.url}/?api_key=${key}`, `${server.url}/${key}`, `${server.url}/x?token=${encodeURIComponent(key)}#${key}`]) {
          const sky = yield* clientFor(base, transport)
          const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
          noKey(renderError(error))
        }
        noKeyInSpans(spans)
      }).pipe(Effect.scoped, Effect.withTracer(tracer))
    })

    it.live("Tracer.DisablePropagation and a transport without propagation send no trace context", () => {
      const { tracer } = recordingTracer()
      return Effect.gen(function*() {
        const server = yield* serve(answer(200, okChat))
        const sky = yield* clientFor(server.url, transport)
        yield* sky.chatCompletions(chatRequest).pipe(Effect.provideService(Tracer.DisablePropagation, true))
        yield* sky.chatCompletions(chatRequest).pipe(Effect.provideService(HttpClient.TracerPropagationEnabled, false))
        yield* sky.chatCompletions(chatRequest)
        expect(server.seen.map((s) => s.headers.traceparent === undefined)).toEqual([true, true, false])
      }).pipe(Effect.scoped, Effect.withTracer(tracer))
    })

    it.live("a 307 to another origin whose Location and header names echo the key: the answer, never the key", () => {
      const { spans, tracer } = recordingTracer()
      return Effect.gen(function*() {
        const server = yield* serve((_req, res) =>
          res.writeHead(307, {
            location: `http://127.0.0.2:1/v1/chat/completions?api_key=${key}&k2=${encodeURIComponent(key)}`,
            [`x-${key.toLowerCase()}`]: "1"
          }).end())
        const sky = yield* clientFor(server.url, transport)
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
        expect(error._tag).toBe("UnknownGatewayError")
        expect((error as SkyError.UnknownGatewayError).status).toBe(307)
        expect(server.seen).toHaveLength(1)
        noKey(renderError(error))
        noKeyInSpans(spans)
        const other = yield* serve((_req, res) => res.writeHead(308, { location: "http://127.0.0.2:1/x" }).end())
        const error308 = yield* Effect.flip((yield* clientFor(other.url, transport)).chatCompletions(chatRequest))
        expect([error308._tag, (error308 as SkyError.UnknownGatewayError).status]).toEqual(["UnknownGatewayError", 308])
      }).pipe(Effect.scoped, Effect.withTracer(tracer))
    })

    it.live("a caller's client that follows redirects: a cross-origin 307 never carries the key to the other origin", () =>
      Effect.gen(function*() {
        const other = yield* serve(answer(200, okChat))
        const origin = yield* serve((_req, res) => res.writeHead(307, { location: `${other.url}/v1/chat/completions` }).end())
        const following = Layer.effect(HttpClient.HttpClient)(
          Effect.map(Effect.service(HttpClient.HttpClient), HttpClient.followRedirects(3))
        ).pipe(Layer.provide(transport))
        const sky = yield* clientFor(origin.url, following)
        yield* Effect.exit(sky.chatCompletions(chatRequest))
        for (const seen of other.seen) noKey([JSON.stringify(seen.headers), seen.url, seen.body])
      }).pipe(Effect.scoped))

    it.live("an error body echoing the key base64, upper-cased, percent-encoded, as \\u escapes, in UTF-16: scrubbed everywhere", () =>
      Effect.gen(function*() {
        const escaped = [...key].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")
        const bodies: Array<readonly [string, Buffer | string]> = [
          ["application/json", `{"error":{"code":2101,"message":"key ${Buffer.from(key).toString("base64")}"}}`],
          ["application/json", `{"error":{"code":2101,"message":"key ${key.toUpperCase()}"}}`],
          ["application/json", `{"error":{"code":2101,"message":"key ${encodeURIComponent(key).replace(/-/g, "%2D")}"}}`],
          ["application/json", `{"error":{"code":2101,"message":"key ${escaped}"}}`],
          ["text/plain", Buffer.from(`bad key ${key}`, "utf16le")],
          ["text/plain", `bad key ${Buffer.from(key).toString("base64url")}`]
        ]
        for (const [type, body] of bodies) {
          const server = yield* serve((_req, res) => res.writeHead(401, { "content-type": type }).end(body))
          const sky = yield* clientFor(server.url, transport)
          const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
          noKey(renderError(error))
          noKey(renderError(error), Buffer.from(key, "utf16le").toString("latin1"))
        }
      }).pipe(Effect.scoped))

    it.live("partial and shifted encodings of the key: upper-case \\u escapes, lower-case %2d, base64 of the whole header (hex is documented as not recognised)", () =>
      Effect.gen(function*() {
        const b64 = (text: string): string => Buffer.from(text).toString("base64")
        const echoes = [
          key.replace("-", "\\u002D"),
          key.replace("-", "%2d"),
          b64(`x${key}`),
          b64(`xy${key}`),
          b64(`Bearer ${key}`)
        ]
        for (const echo of echoes) {
          const server = yield* serve(answer(400, `{"error":{"code":2003,"message":"got ${echo}"}}`))
          const error = yield* Effect.flip((yield* clientFor(server.url, transport)).chatCompletions(chatRequest))
          expect(error._tag).toBe("UpstreamTimeout")
          const texts = renderError(error)
          noKey(texts)
          for (const text of texts) expect([echo, text.includes(echo.slice(8, 40))]).toEqual([echo, false])
        }
      }).pipe(Effect.scoped))

    it.live("a short key is scrubbed; a request body whose toJSON throws the key is InvalidRequest without it", () =>
      Effect.gen(function*() {
        const short = "sk-1234"
        const server = yield* serve(answer(401, `{"error":{"message":"invalid key ${short}"}}`))
        const sky = yield* clientFor(server.url, transport, { apiKey: Redacted.make(short) })
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
        for (const text of renderError(error)) expect(text).not.toContain(short)
        const full = yield* clientFor(server.url, transport)
        const thrower = {
          ...chatRequest,
          metadata: {
            toJSON: () => {
              throw new Error(`cannot encode ${key}`)
            }
          }
        }
        const refused = yield* Effect.flip(full.chatCompletions(thrower as never))
        expect(refused._tag).toBe("InvalidRequest")
        noKey(renderError(refused))
        expect(server.seen).toHaveLength(1)
      }).pipe(Effect.scoped))
  })

  describe(`defects (${name})`, () => {
    it.live("a lone surrogate in a Gemini model name is InvalidRequest, never a defect", () =>
      Effect.gen(function*() {
        const server = yield* serve(answer(200, "{}"))
        const sky = yield* clientFor(server.url, transport)
        const request = { contents: [{ role: "user", parts: [{ text: "hi" }] }] }
        const exit = yield* Effect.exit(sky.generateContent({ model: "gemini-\uD800", ...request } as never))
        expect(Exit.isFailure(exit) && Cause.hasFails(exit.cause) && !Cause.hasDies(exit.cause)).toBe(true)
        const streamed = yield* Effect.exit(Stream.runDrain(sky.streamGenerateContent({ model: "\uDFFF", ...request } as never)))
        expect(Exit.isFailure(streamed) && !Cause.hasDies(streamed.cause)).toBe(true)
        expect(server.seen).toHaveLength(0)
      }).pipe(Effect.scoped))

    it.live("JSON nested 5,000 deep in SSE errors, stream answers, response.error and usage: failures, never defects", () =>
      Effect.gen(function*() {
        const cases: Array<readonly [string, Handler, (sky: SkyClient.Service) => Effect.Effect<unknown, unknown>]> = [
          ["sse error", (_q, r) => r.writeHead(200, { "content-type": "text/event-stream" }).end(`data: {"error":${deep(5000)}}\n\n`), (sky) => Stream.runDrain(sky.chatCompletionsStream(chatRequest))],
          ["sse deep data", (_q, r) => r.writeHead(200, { "content-type": "text/event-stream" }).end(`data: ${deepObject(5000)}\n\n`), (sky) => Stream.runDrain(sky.chatCompletionsStream(chatRequest))],
          ["json to stream", (_q, r) => r.writeHead(200, { "content-type": "application/json" }).end(`{"error":${deepObject(5000)}}`), (sky) => Stream.runDrain(sky.chatCompletionsStream(chatRequest))],
          ["json 400", (_q, r) => r.writeHead(400, { "content-type": "application/json" }).end(`{"error":{"code":${deep(5000)}}}`), (sky) => sky.chatCompletions(chatRequest)],
          ["json 200", (_q, r) => r.writeHead(200, { "content-type": "application/json" }).end(deepObject(5000)), (sky) => sky.chatCompletions(chatRequest)],
          [
            "response.failed",
            (_q, r) =>
              r.writeHead(200, { "content-type": "text/event-stream" }).end(
                `data: {"type":"response.failed","sequence_number":0,"response":{"id":"r","object":"response","status":"failed","error":${deepObject(5000)}}}\n\n`
              ),
            (sky) => Stream.runDrain(sky.responsesStream({ model: "m", input: "hi" }))
          ],
          [
            "messages error event",
            (_q, r) => r.writeHead(200, { "content-type": "text/event-stream" }).end(`event: error\ndata: {"type":"error","error":${deepObject(5000)}}\n\n`),
            (sky) => Stream.runDrain(sky.messagesStream({ model: "m", max_tokens: 1, messages: [{ role: "user", content: "hi" }] }))
          ],
          [
            "gemini stream",
            (_q, r) => r.writeHead(200, { "content-type": "text/event-stream" }).end(`data: {"candidates":${deep(5000)},"error":${deepObject(5000)}}\n\n`),
            (sky) => Stream.runDrain(sky.streamGenerateContent({ model: "g", contents: [{ role: "user", parts: [{ text: "hi" }] }] } as never))
          ],
          [
            "embeddings",
            (_q, r) => r.writeHead(200, { "content-type": "application/json" }).end(`{"object":"list","data":${deep(5000)}}`),
            (sky) => sky.embeddings({ model: "e", input: "hi" })
          ],
          [
            "usage fold",
            (_q, r) =>
              r.writeHead(200, { "content-type": "text/event-stream" }).end(
                `event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"usage":{"input_tokens":1,"output_tokens":1,"extra":${deepObject(5000)}}}}\n\n` +
                  `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2,"extra":${deepObject(5000)}}}\n\n` +
                  `event: message_stop\ndata: {"type":"message_stop"}\n\n`
              ),
            (sky) => sky.messagesStream({ model: "m", max_tokens: 1, messages: [{ role: "user", content: "hi" }] }).pipe(SkyClient.collect("messages"))
          ]
        ]
        for (const [label, handler, run] of cases) {
          const server = yield* serve(handler)
          const sky = yield* clientFor(server.url, transport)
          const exit = yield* Effect.exit(run(sky))
          expect([label, Exit.isFailure(exit) && Cause.hasDies(exit.cause)]).toEqual([label, false])
          if (Exit.isFailure(exit)) {
            const error = Cause.squash(exit.cause)
            expect([label, SkyError.isSkyError(error)]).toEqual([label, true])
            // Equal and Hash of what the caller holds do not blow the stack either.
            expect(() => Hash.hash(error)).not.toThrow()
            expect(Equal.equals(error, error)).toBe(true)
            expect(inspect(error).length).toBeLessThan(200_000)
          }
        }
      }).pipe(Effect.scoped))
  })

  describe(`reads without bounds (${name})`, () => {
    it.live("an endless error body and a gzip bomb: the error comes back, its fields capped, the socket released", () =>
      Effect.gen(function*() {
        let closed = 0
        const endless = yield* serve((_req, res) => {
          res.writeHead(500, { "content-type": "application/json", "x-request-id": "r".repeat(8_000) })
          res.write(`{"error":{"code":2002,"message":"${"m".repeat(100_000)}`)
          const block = "x".repeat(65_536)
          const pump = (): void => {
            while (res.write(block)) { /* until backpressure */ }
          }
          res.on("drain", pump)
          res.on("close", () => closed++)
          pump()
        })
        const sky = yield* clientFor(endless.url, transport, { timeout: "60 seconds" })
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
        expect(error._tag).toBe("UpstreamUnavailable")
        expect(JSON.stringify(error).length).toBeLessThan(200_000)
        yield* Effect.sleep("200 millis")
        expect(closed).toBe(1)
        const bomb = gzipSync(Buffer.alloc(300 * 1024 * 1024, 0x61), { level: 9 })
        const bombs = yield* serve((_req, res) => res.writeHead(400, { "content-type": "text/plain", "content-encoding": "gzip" }).end(bomb))
        const bombed = yield* Effect.flip((yield* clientFor(bombs.url, transport)).chatCompletions(chatRequest))
        expect(JSON.stringify(bombed).length).toBeLessThan(200_000)
        const big = yield* serve(answer(200, JSON.stringify({ object: "x", pad: "p".repeat(5_000_000) })))
        const wrong = yield* Effect.flip((yield* clientFor(big.url, transport)).chatCompletions(chatRequest))
        expect(wrong._tag).toBe("InvalidResponse")
        expect(JSON.stringify(wrong).length).toBeLessThan(200_000)
        expect(Cause.pretty(Cause.fail(wrong)).length).toBeLessThan(200_000)
      }).pipe(Effect.scoped), 60_000)
  })

  describe(`reads without bounds, streamed (${name})`, () => {
    it.live("an SSE line that never ends fails the stream once past the line limit, and releases the socket", () =>
      Effect.gen(function*() {
        let closed = 0
        const server = yield* serve((_req, res) => {
          res.writeHead(200, { "content-type": "text/event-stream" })
          res.write("data: ")
          const block = "x".repeat(65_536)
          const pump = (): void => {
            while (res.write(block)) { /* until backpressure */ }
          }
          res.on("drain", pump)
          res.on("close", () => closed++)
          pump()
        })
        const sky = yield* clientFor(server.url, transport, { timeout: "60 seconds" })
        const error = yield* Effect.flip(Stream.runDrain(sky.chatCompletionsStream(chatRequest)))
        expect(error._tag).toBe("InvalidResponse")
        expect(JSON.stringify(error).length).toBeLessThan(200_000)
        yield* Effect.sleep("200 millis")
        expect(closed).toBe(1)
      }).pipe(Effect.scoped), 60_000)
  })

  describe(`hangs (${name})`, () => {
    it.live("comments only, and one byte at a time: the idle timeout measures events, and the stream deadline holds", () =>
      Effect.gen(function*() {
        const timers = new Set<NodeJS.Timeout>()
        const pinger = yield* serve((_req, res) => {
          res.writeHead(200, { "content-type": "text/event-stream" })
          timers.add(setInterval(() => res.write(": ping\n\n"), 20))
        })
        const sky = yield* clientFor(pinger.url, transport, { timeout: "300 millis" })
        const error = yield* Effect.flip(Stream.runDrain(sky.chatCompletionsStream(chatRequest)))
        expect(error._tag).toBe("RequestTimeout")
        const event = chunk("x")
        const trickler = yield* serve((_req, res) => {
          res.writeHead(200, { "content-type": "text/event-stream" })
          let i = 0
          timers.add(setInterval(() => res.write(event[i++ % event.length]!), 20))
        })
        const slow = yield* clientFor(trickler.url, transport, { timeout: "300 millis" })
        expect((yield* Effect.flip(Stream.runDrain(slow.chatCompletionsStream(chatRequest))))._tag).toBe("RequestTimeout")
        const steady = yield* serve((_req, res) => {
          res.writeHead(200, { "content-type": "text/event-stream" })
          timers.add(setInterval(() => res.write(event), 20))
        })
        const capped = yield* clientFor(steady.url, transport, { timeout: "5 seconds", streamTimeout: "400 millis" })
        expect((yield* Effect.flip(Stream.runDrain(capped.chatCompletionsStream(chatRequest))))._tag).toBe("RequestTimeout")
        for (const t of timers) clearInterval(t)
      }).pipe(Effect.scoped), 20_000)

    it.live("a plain answer trickled a byte at a time: RequestTimeout that keeps the status and request id", () =>
      Effect.gen(function*() {
        const timers = new Set<NodeJS.Timeout>()
        const server = yield* serve((_req, res) => {
          res.writeHead(200, { "content-type": "application/json", "x-request-id": "req-trickle" })
          let i = 0
          timers.add(setInterval(() => res.write(okChat[i++ % okChat.length]!), 20))
        })
        const sky = yield* clientFor(server.url, transport, { timeout: "300 millis" })
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
        for (const t of timers) clearInterval(t)
        expect(error).toMatchObject({ _tag: "RequestTimeout", status: 200, requestId: "req-trickle" })
      }).pipe(Effect.scoped))

    it.live("\\r-only, \\r\\n and \\n line endings split into single bytes give the same events", () =>
      Effect.gen(function*() {
        const events = Array.from({ length: 50 }, (_, i) => chunk(String(i))).join("") + "data: [DONE]\n\n"
        const results: Array<string> = []
        for (const eol of ["\n", "\r", "\r\n"]) {
          const body = events.replace(/\n/g, eol)
          const server = yield* serve((_req, res) => {
            res.writeHead(200, { "content-type": "text/event-stream" })
            for (let i = 0; i < body.length; i += 7) res.write(body.slice(i, i + 7))
            res.end()
          })
          const sky = yield* clientFor(server.url, transport)
          const done = yield* sky.chatCompletionsStream(chatRequest).pipe(SkyClient.collect("chat"))
          results.push(done.choices[0]!.message.content ?? "")
        }
        expect(results).toEqual(Array(3).fill(Array.from({ length: 50 }, (_, i) => String(i)).join("")))
      }).pipe(Effect.scoped))
  })

  describe(`misclassification (${name})`, () => {
    it.live("gzip, deflate and br error and success bodies are decoded on every transport", () =>
      Effect.gen(function*() {
        const body = `{"error":{"code":2007,"message":"slow down"}}`
        const codings = [["gzip", gzipSync], ["deflate", deflateSync], ["br", brotliCompressSync]] as const
        for (const [coding, compress] of codings) {
          const bad = yield* serve((_req, res) =>
            res.writeHead(429, { "content-type": "application/json", "content-encoding": coding }).end(compress(body)))
          expect((yield* Effect.flip((yield* clientFor(bad.url, transport)).chatCompletions(chatRequest)))._tag).toBe("RpmLimitExceeded")
          const good = yield* serve((_req, res) =>
            res.writeHead(200, { "content-type": "application/json", "content-encoding": coding }).end(compress(okChat)))
          expect((yield* (yield* clientFor(good.url, transport)).chatCompletions(chatRequest)).choices[0]!.message.content).toBe("hi")
        }
      }).pipe(Effect.scoped))

    it.live("corrupt, truncated, stacked and unknown content codings end in a SkyError, never a defect or a hang", () =>
      Effect.gen(function*() {
        const error = `{"error":{"code":2007,"message":"slow down"}}`
        const cases: Array<readonly [number, string, Buffer]> = [
          [429, "gzip", Buffer.from("not gzip at all")],
          [200, "gzip", Buffer.from("not gzip at all")],
          [429, "gzip", gzipSync(error).subarray(0, 12)],
          [200, "br", brotliCompressSync(okChat).subarray(0, 10)],
          [429, "gzip, br", brotliCompressSync(gzipSync(error))],
          [200, "zstd", Buffer.from(okChat)],
          [429, "deflate", deflateSync(deflateSync(error))]
        ]
        for (const [status, coding, body] of cases) {
          const server = yield* serve((_req, res) =>
            res.writeHead(status, { "content-type": "application/json", "content-encoding": coding }).end(body))
          const sky = yield* clientFor(server.url, transport, { timeout: "5 seconds" })
          const exit = yield* Effect.exit(sky.chatCompletions(chatRequest))
          const label = `${status} ${coding}`
          expect([label, Exit.isFailure(exit) && Cause.hasDies(exit.cause)]).toEqual([label, false])
          if (Exit.isFailure(exit)) {
            const failure = Cause.squash(exit.cause)
            expect([label, SkyError.isSkyError(failure)]).toEqual([label, true])
            // The server answered: never a timeout or a connection failure, and the same tag on every transport.
            const tag = (failure as { _tag: string })._tag
            expect([label, tag]).toEqual([label, status === 200 ? "InvalidResponse" : tag])
            expect([label, ["RequestTimeout", "ConnectionError"].includes(tag)]).toEqual([label, false])
          }
        }
        // A 200 that is a decompression bomb: an invalid answer, not retried (not fetched three times).
        const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20), { level: 9 })
        const bombs = yield* serve((_req, res) =>
          res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" }).end(bomb))
        const retrying = yield* clientFor(bombs.url, transport, { maxRetries: 2 })
        expect((yield* Effect.flip(retrying.chatCompletions(chatRequest)))._tag).toBe("InvalidResponse")
        expect(bombs.seen).toHaveLength(1)
        // The same bodies as an event stream: InvalidResponse, one attempt.
        for (const body of [Buffer.from("not gzip"), gzipSync(chunk("x") + chunk("y")).subarray(0, 30), bomb]) {
          const server = yield* serve((_req, res) =>
            res.writeHead(200, { "content-type": "text/event-stream", "content-encoding": "gzip" }).end(body))
          const sky = yield* clientFor(server.url, transport, { maxRetries: 2 })
          expect((yield* Effect.flip(Stream.runDrain(sky.chatCompletionsStream(chatRequest))))._tag).toBe("InvalidResponse")
          expect(server.seen).toHaveLength(1)
        }
      }).pipe(Effect.scoped))

    it.live("requests that cannot be sent are InvalidRequest, not retried, never sent, with no status", () =>
      Effect.gen(function*() {
        const server = yield* serve(answer(200, okChat))
        const sky = yield* clientFor(server.url, transport, { maxRetries: 3 })
        const bad: ReadonlyArray<Record<string, string>> = [
          { "x-a": "a\r\nx-injected: 1" },
          { "x-a": "中文" },
          { "bad name": "v" },
          { "x-a": `\u0000` }
        ]
        const tags: Array<string> = []
        const tagOf = (call: Effect.Effect<unknown, SkyError.SkyError>) =>
          Effect.map(Effect.exit(call), (exit) =>
            Exit.isSuccess(exit) ? "sent" : Exit.isFailure(exit) ? String((Cause.squash(exit.cause) as { _tag?: string })._tag) : "")
        for (const headers of bad) {
          const error = yield* Effect.flip(sky.chatCompletions(chatRequest, { headers })).pipe(Effect.orElseSucceed(() => undefined))
          tags.push(error === undefined ? "sent" : error._tag)
          if (error !== undefined) expect("status" in error ? error.status : undefined).toBeUndefined()
        }
        const cycle: Record<string, unknown> = { ...chatRequest }
        cycle.self = cycle
        tags.push(yield* tagOf(sky.chatCompletions(cycle as never)))
        tags.push(yield* tagOf(sky.request({ path: "http://127.0.0.2:1/steal" })))
        tags.push(yield* tagOf(sky.request({ path: "/v1/x", body: 10n })))
        expect(tags).toEqual(Array(7).fill("InvalidRequest"))
        // A protocol-relative path is a path under the base URL, on its origin.
        yield* sky.request({ path: "//127.0.0.2:1/steal" })
        expect(server.seen.map((s) => s.url)).toEqual(["/127.0.0.2:1/steal"])
        const badUrl = yield* clientFor("not a url", transport)
        expect((yield* Effect.flip(badUrl.chatCompletions(chatRequest)))._tag).toBe("InvalidRequest")
        const badKey = yield* Effect.exit(clientFor(server.url, transport, { apiKey: Redacted.make(`${key}\r\nx: 1`) }))
        expect(Exit.isFailure(badKey)).toBe(true)
        if (Exit.isFailure(badKey)) noKey([Cause.pretty(badKey.cause), inspect(badKey.cause, { depth: Infinity })])
        expect(server.seen).toHaveLength(1)
      }).pipe(Effect.scoped))

    it.live("a model name or client setting that would escape the path or split a header is never sent as such", () =>
      Effect.gen(function*() {
        const server = yield* serve(answer(200, "{}"))
        const sky = yield* clientFor(server.url, transport)
        const contents = [{ role: "user", parts: [{ text: "hi" }] }]
        for (const model of ["../../../v1/admin", "m?key=x#frag", "m:streamGenerateContent", "m/../../x"]) {
          yield* Effect.exit(sky.generateContent({ model, contents } as never))
        }
        expect(server.seen.length).toBeGreaterThan(0)
        for (const seen of server.seen) {
          expect(seen.url).toMatch(/^\/v1beta\/models\/[^/?#]+:generateContent$/)
        }
        const headerBad = yield* clientFor(server.url, transport, { headers: { "x-a": "1\r\nx-b: 2" } })
        expect((yield* Effect.flip(headerBad.chatCompletions(chatRequest)))._tag).toBe("InvalidRequest")
        const versionBad = yield* clientFor(server.url, transport, { anthropicVersion: "2023\r\nx-b: 2" })
        const messages = versionBad.messages({ model: "m", max_tokens: 1, messages: [{ role: "user", content: "hi" }] })
        expect((yield* Effect.flip(messages))._tag).toBe("InvalidRequest")
        expect(server.seen.filter((s) => !s.url.startsWith("/v1beta/"))).toHaveLength(0)
      }).pipe(Effect.scoped))

    it.live("an error body that stalls past the deadline keeps the status, the request id and the headers", () =>
      Effect.gen(function*() {
        const server = yield* serve((_req, res) => {
          res.writeHead(503, { "content-type": "application/json", "x-request-id": "req-stall" })
          res.write(`{"error":{"code":2002,`)
        })
        const sky = yield* clientFor(server.url, transport, { timeout: "300 millis" })
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
        expect(error._tag).toBe("RequestTimeout")
        expect(error).toMatchObject({ status: 503, requestId: "req-stall" })
        expect((error as SkyError.RequestTimeout).headers?.["x-request-id"]).toBe("req-stall")
      }).pipe(Effect.scoped))

    it.live("a GBK body with no charset keeps its bytes, recoverable", () =>
      Effect.gen(function*() {
        // "服务不可用" (service unavailable) in GBK.
        const gbk = Buffer.from([0xb7, 0xfe, 0xce, 0xf1, 0xb2, 0xbb, 0xbf, 0xc9, 0xd3, 0xc3])
        const server = yield* serve((_req, res) => res.writeHead(502, { "content-type": "text/plain" }).end(gbk))
        const error = yield* Effect.flip((yield* clientFor(server.url, transport)).chatCompletions(chatRequest))
        expect(JSON.stringify(error)).toContain(gbk.toString("base64"))
      }).pipe(Effect.scoped))
  })
}

describe("a transport that echoes the key", () => {
  const failing = (make: (auth: string) => unknown) =>
    Layer.succeed(HttpClient.HttpClient)(HttpClient.make((request) =>
      Effect.fail(
        new HttpClientError.HttpClientError({
          reason: new HttpClientError.TransportError({
            request,
            cause: make(String(request.headers.authorization)),
            description: `proxy refused ${request.headers.authorization}`
          })
        })
      )
    ))
  it.live("its error text, its cause and its description never reach the SkyError", () =>
    Effect.gen(function*() {
      const causes: Array<(auth: string) => unknown> = [
        (auth) => new Error(`connect failed for ${auth}`),
        (auth) => ({ headers: { authorization: auth }, key: Buffer.from(auth).toString("base64") }),
        (auth) => new AggregateError([new Error(auth.toUpperCase())], `many ${auth}`),
        (auth) => auth
      ]
      for (const make of causes) {
        const sky = yield* clientFor("http://127.0.0.1:1", failing(make))
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
        expect(error._tag).toBe("ConnectionError")
        noKey(renderError(error))
        const streamed = yield* Effect.flip(Stream.runDrain(sky.chatCompletionsStream(chatRequest)))
        noKey(renderError(streamed))
      }
    }).pipe(Effect.scoped))
})

describe("careless callers (Effect 4 specifics)", () => {
  it.effect("empty, blank and control-character keys fail construction with a ConfigError that never shows the key", () =>
    Effect.gen(function*() {
      for (const bad of ["", "   ", "\t", "ak-secretsecret\u0001", "ak-secretsecret\n"]) {
        const exit = yield* Effect.exit(Layer.build(SkyClient.layer({ apiKey: Redacted.make(bad) }).pipe(
          Layer.provide(transports[0]![1])
        )))
        expect(Exit.isFailure(exit)).toBe(true)
        if (Exit.isFailure(exit)) {
          const text = [Cause.pretty(exit.cause), inspect(exit.cause, { depth: Infinity }), JSON.stringify(Cause.squash(exit.cause))]
          for (const t of text) expect(t).not.toContain("secretsecret")
        }
      }
      for (const bad of ["  ", "ak-secretsecret\u0007"]) {
        const provider = ConfigProvider.fromEnv({ env: { SKYENGINE_API_KEY: bad } })
        const exit = yield* Effect.exit(Layer.build(SkyClient.layerConfig().pipe(
          Layer.provide(transports[0]![1]),
          Layer.provide(ConfigProvider.layer(provider))
        )))
        expect(Exit.isFailure(exit)).toBe(true)
        if (Exit.isFailure(exit)) expect(Cause.pretty(exit.cause)).not.toContain("secretsecret")
      }
    }).pipe(Effect.scoped))

  it.live("a 200 whose wrong shape echoes the key: the v4 Schema issue shows no form of it", () =>
    Effect.gen(function*() {
      const server = yield* serve(answer(200, JSON.stringify({ id: key, object: key, choices: key.toUpperCase(), model: [Buffer.from(key).toString("base64")] })))
      const error = yield* Effect.flip((yield* clientFor(server.url, transports[0]![1])).chatCompletions(chatRequest))
      expect(error._tag).toBe("InvalidResponse")
      noKey(renderError(error))
    }).pipe(Effect.scoped))

  it("decodeError with a bodyLimit of NaN, negative or Infinity keeps a bounded body", () => {
    const body = JSON.stringify({ error: { message: "x".repeat(200_000) } })
    const kept = (bodyLimit: number): number => ((SkyWire.decodeError({ status: 500, headers: {}, body }, { bodyLimit }) as { body?: string }).body ?? "").length
    const byDefault = kept(undefined as never)
    expect(byDefault).toBeGreaterThan(0)
    expect(byDefault).toBeLessThan(body.length)
    for (const bodyLimit of [NaN, -1, -Infinity]) expect(kept(bodyLimit), String(bodyLimit)).toBe(byDefault)
    expect(kept(Infinity)).toBe(body.length)
    expect(kept(10.7)).toBe(10)
  })

  it("errors built from huge, deep bodies render, hash and compare bounded", () => {
    const body = JSON.stringify({ error: { code: "9".repeat(100_000), type: "t".repeat(100_000), message: "m".repeat(2_000_000), details: JSON.parse(deep(3000)) } })
    const headers = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`x-h${i}`, "v".repeat(10_000)]))
    const a = SkyWire.decodeError({ status: 500, headers: { ...headers, "x-request-id": "r".repeat(100_000) }, body })
    const b = SkyWire.decodeError({ status: 500, headers, body })
    expect(JSON.stringify(a).length).toBeLessThan(1_000_000)
    expect(Equal.equals(a, b)).toBe(Equal.equals(b, a))
    expect(typeof Hash.hash(a)).toBe("number")
    expect(String(a).length).toBeLessThan(40_000)
    expect(inspect(a, { depth: Infinity }).length).toBeLessThan(1_000_000)
    expect(Cause.pretty(Cause.fail(a)).length).toBeLessThan(1_000_000)
  })

  it.live("SkyMock keeps a bounded record of requests, and its fault header cannot make it echo the key", () =>
    Effect.gen(function*() {
      const mock = yield* SkyMock.make({ maxRecords: 1_000, apiKeys: [SkyMock.defaultApiKey] })
      const sky = yield* clientFor(mock.url, transports[0]![1], { apiKey: Redacted.make(SkyMock.defaultApiKey) })
      for (let i = 0; i < 1_100; i++) yield* sky.chatCompletions({ ...chatRequest, model: "sky-mock" })
      const requests = yield* mock.requests
      expect(requests.length).toBeLessThanOrEqual(1_000)
      const error = yield* Effect.flip(sky.chatCompletions(chatRequest, { headers: { [SkyMock.faultHeader]: "error:2101" } }))
      expect(error._tag).toBe("InvalidApiKey")
      noKey(renderError(error), SkyMock.defaultApiKey)
      // A wrong key: the double refuses it, and the refusal names no form of it.
      const wrong = yield* clientFor(mock.url, transports[1]![1])
      const refused = yield* Effect.flip(wrong.chatCompletions({ ...chatRequest, model: "sky-mock" }))
      expect(refused._tag).toBe("InvalidApiKey")
      noKey(renderError(refused))
      noKey((yield* mock.requests).map((r) => JSON.stringify(r)))
    }).pipe(Effect.scoped), 60_000)
})

const bin = resolve(import.meta.dirname, "..", "dist", "effect4", "src", "bin", "sky.js")
const sky = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> =>
  new Promise((done, fail) => {
    const { SKYENGINE_API_KEY: _k, SKYENGINE_BASE_URL: _u, ...base } = process.env
    const child = spawn(process.execPath, [bin, ...args], { env: { ...base, ...env }, stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    child.stdout.on("data", (d) => (out += d))
    child.stderr.on("data", (d) => (out += d))
    child.on("error", fail)
    child.on("close", (code) => done({ code, out }))
  })

describe.concurrent("sky under attack", { timeout: 120_000 }, () => {
  it("the demo, errors and help with the key in the environment never print it", async () => {
    for (const args of [["demo"], ["errors"], ["--help"], ["chat", "--help"]]) {
      const run = await sky(args, { SKYENGINE_API_KEY: key })
      expect([args, run.code]).toEqual([args, 0])
      noKey([run.out])
    }
  })

  it("bad arguments exit 2 with usage, never a stack trace", async () => {
    for (
      const args of [
        ["chat", "--model"],
        ["chat", "--model", "m", "--temperature", "2", "hi"],
        ["chat", "--nope", "hi"],
        ["mock", "--port", "abc"],
        ["mock", "--port", "99999"],
        ["nope"],
        ["chat", "--model=\uD800", "--stream=maybe", "hi"]
      ]
    ) {
      const run = await sky(args)
      expect([args, run.code]).toEqual([args, 2])
      expect(run.out).not.toMatch(/\n\s+at /)
      expect(run.out).not.toMatch(/Error:|TypeError|defect/i)
    }
  })

  it("a bad key from the environment, and a server that echoes a good one: exit 1, the key never printed", async () => {
    const badKey = await sky(["chat", "hi"], { SKYENGINE_API_KEY: "ak-secretsecret\u0001" })
    expect(badKey.code).toBe(1)
    expect(badKey.out).not.toContain("secretsecret")
    const { createServer } = await import("node:http")
    const server = createServer((req, res) =>
      res.writeHead(401, { "content-type": "application/json", "x-echo": String(req.headers.authorization) })
        .end(JSON.stringify({ error: { message: `bad ${req.headers.authorization} ${Buffer.from(key).toString("base64")}` } })))
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
    try {
      const port = (server.address() as { port: number }).port
      const run = await sky(["chat", "hi"], { SKYENGINE_API_KEY: key, SKYENGINE_BASE_URL: `http://127.0.0.1:${port}`, SKYENGINE_MAX_RETRIES: "0" })
      expect(run.code).toBe(1)
      noKey([run.out])
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })
})
