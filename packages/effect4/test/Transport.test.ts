import { describe, expect, it } from "@effect/vitest"
import { Cause, Context, Deferred, Duration, Effect, Exit, Layer, Redacted, Stream, Tracer } from "effect"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Zlib from "node:zlib"
import * as Request from "../src/internal/request.js"
import * as ResponseBody from "../src/internal/responseBody.js"
import * as SkyRetry from "../src/SkyRetry.js"
import { inspect } from "node:util"
import { chatRequest, clientFor, key as clientKey } from "./support/client.js"
import { recordingTracer, renderings, serve, transports } from "./support/loopback.js"

const key = "ak-TRANSPORTsecretTRANSPORT01234567"

/** The transport over a layer's client, as the library sends with it. */
const transportOf = (layer: Layer.Layer<HttpClient.HttpClient>) =>
  Effect.map(Layer.build(layer), (context) => Request.transport(Context.get(context, HttpClient.HttpClient)))

/** One attempt of a prepared call to `baseUrl`, sent as the client sends it (`Request.execute`) in a span of its own. */
const sendOnce = <A>(
  http: Request.Transport,
  baseUrl: string,
  read: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, unknown>
) => {
  const apiKey = Redacted.make(key)
  const settings: Request.Settings = {
    apiKey,
    baseUrl,
    timeout: Duration.seconds(5),
    retry: SkyRetry.policy({ maxRetries: 0 }),
    anthropicVersion: "2023-06-01",
    streamTimeout: Duration.infinity,
    plan: Request.plannerOf(apiKey, baseUrl, {})
  }
  return Effect.flatMap(
    Request.prepare(settings, { operation: "test", method: "POST", path: "/v1/x", body: {} }, undefined),
    (call) =>
      Effect.useSpan("SkyClient.test", { kind: "client" }, (span) =>
        Effect.scoped(Effect.flatMap(Request.execute(http, call, 1, span), read)))
  )
}

const post = (url: string) =>
  HttpClientRequest.post(url, { headers: { authorization: `Bearer ${key}`, accept: "application/json" } })

// ---------------------------------------------------------------------------
// The transport wrapper
// ---------------------------------------------------------------------------

describe("the transport", () => {
  for (const [name, layer] of transports) {
    it.live(`${name}: effect/http's own span is off; ours is propagated; the key is in no span`, () => {
      const { spans, tracer } = recordingTracer()
      return Effect.gen(function*() {
        const server = yield* serve((_req, res) => {
          res.writeHead(200, { "content-type": "application/json", "x-echo": `Bearer ${key}` }).end("{}")
        })
        const http = yield* transportOf(layer)
        // Our span ends with what the client makes of the response, never with the response itself.
        const text = yield* sendOnce(http, server.url, (response) => response.text)
        expect(text).toBe("{}")
        expect(spans.map((s) => s.name)).toEqual(["SkyClient.test"])
        for (const span of spans) for (const text of renderings(span)) expect(text).not.toContain(key)
        expect(server.seen[0]!.headers.traceparent).toBe(
          `00-0123456789abcdef0123456789abcdef-${spans[0]!.span.spanId}-01`
        )
        expect(server.seen[0]!.headers.b3).toBe(`0123456789abcdef0123456789abcdef-${spans[0]!.span.spanId}-1`)
        expect(server.seen[0]!.headers.authorization).toBe(`Bearer ${key}`)
      }).pipe(Effect.scoped, Effect.withTracer(tracer))
    })

    it.live(`${name}: no trace headers when propagation is off (either switch); the transport alone sends none`, () =>
      Effect.gen(function*() {
        const server = yield* serve((_req, res) => res.writeHead(204).end())
        const http = yield* transportOf(layer)
        const status = (response: { readonly status: number }) => Effect.succeed(response.status)
        yield* sendOnce(http, server.url, status).pipe(Effect.provideService(HttpClient.TracerPropagationEnabled, false))
        yield* sendOnce(http, server.url, status).pipe(Effect.provideService(Tracer.DisablePropagation, true))
        yield* http.execute(post(server.url)).pipe(Effect.withSpan("SkyClient.test"), Effect.scoped)
        yield* sendOnce(http, server.url, status)
        expect(server.seen.map((s) => s.headers.traceparent === undefined)).toEqual([true, true, true, false])
        expect(server.seen.map((s) => s.headers["x-sky-attempt"])).toEqual(["1", "1", undefined, "1"])
      }).pipe(Effect.scoped))

    for (const status of [301, 302, 307, 308]) {
      it.live(`${name}: a ${status} is never followed`, () =>
        Effect.gen(function*() {
          const elsewhere = yield* serve((_req, res) => res.writeHead(200).end("{}"))
          const server = yield* serve((_req, res) => {
            res.writeHead(status, { location: `${elsewhere.url}/steal?key=${key}` }).end()
          })
          const http = yield* transportOf(layer)
          const response = yield* http.execute(post(server.url))
          expect(response.status).toBe(status)
          expect(response.headers.location).toBe(`${elsewhere.url}/steal?key=${key}`)
          expect(server.seen).toHaveLength(1)
          expect(elsewhere.seen).toHaveLength(0)
        }).pipe(Effect.scoped))
    }
  }

  it.live("fetch: the caller's RequestInit is kept, with redirects made manual", () =>
    Effect.gen(function*() {
      const elsewhere = yield* serve((_req, res) => res.writeHead(200).end("{}"))
      const server = yield* serve((_req, res) => res.writeHead(302, { location: elsewhere.url }).end())
      const http = yield* transportOf(FetchHttpClient.layer)
      const response = yield* http.execute(post(server.url)).pipe(
        Effect.provideService(FetchHttpClient.RequestInit, { headers: { "x-from-init": "yes" }, redirect: "follow" })
      )
      expect(response.status).toBe(302)
      expect(server.seen[0]!.headers["x-from-init"]).toBe("yes")
      expect(elsewhere.seen).toHaveLength(0)
    }).pipe(Effect.scoped))
})

// ---------------------------------------------------------------------------
// Response bodies
// ---------------------------------------------------------------------------

const encoders = {
  gzip: (b: Buffer) => Zlib.gzipSync(b),
  deflate: (b: Buffer) => Zlib.deflateSync(b),
  "raw-deflate": (b: Buffer) => Zlib.deflateRawSync(b),
  br: (b: Buffer) => Zlib.brotliCompressSync(b),
  "gzip, br": (b: Buffer) => Zlib.brotliCompressSync(Zlib.gzipSync(b))
} as const

const header = (coding: keyof typeof encoders): string => (coding === "raw-deflate" ? "deflate" : coding)

const errorBody = JSON.stringify({ error: { code: 2007, message: "too many requests per minute" } })

// 256 MiB of spaces after a 2007 envelope's head: about 48 KB of br.
const head = `{"error":{"code":2007,"message":"slow down"},"pad":"`
const bomb = Zlib.brotliCompressSync(Buffer.concat([Buffer.from(head), Buffer.alloc(256 * 1024 * 1024, 32)]), {
  params: { [Zlib.constants.BROTLI_PARAM_QUALITY]: 1 }
})

describe("response bodies", () => {
  for (const [name, layer] of transports) {
    it.live(`${name}: gzip, deflate (zlib and raw), br and two codings decode, whole, streamed and bounded`, () =>
      Effect.gen(function*() {
        const server = yield* serve((req, res) => {
          const coding = decodeURIComponent((req.url ?? "/").slice(1)) as keyof typeof encoders
          res.writeHead(429, { "content-type": "application/json", "content-encoding": header(coding) })
            .end(encoders[coding](Buffer.from(errorBody)))
        })
        const http = yield* transportOf(layer)
        for (const coding of Object.keys(encoders)) {
          const url = `${server.url}/${encodeURIComponent(coding)}`
          expect(yield* Effect.flatMap(http.execute(post(url)), ResponseBody.decodedText)).toBe(errorBody)
          const collected = yield* Effect.flatMap(http.execute(post(url)), ResponseBody.collectedBody)
          expect(collected.complete).toBe(true)
          expect(ResponseBody.textOf(collected)).toBe(errorBody)
          expect(collected.facts).toMatchObject({ error: { code: 2007 } })
        }
      }).pipe(Effect.scoped))

    it.live(`${name}: an endless error body is read with bounds and the socket released early`, () =>
      Effect.gen(function*() {
        const closed = yield* Deferred.make<number>()
        const server = yield* serve((_req, res) => {
          let written = 0
          const block = Buffer.alloc(64 * 1024, "x")
          res.writeHead(500, { "content-type": "application/json" })
          res.write(`{"error":{"code":2001,"message":"big","padding":"`)
          const pump = () => {
            while (!res.destroyed && written < 2 * 1024 * 1024 * 1024) {
              written += block.length
              if (!res.write(block)) return void res.once("drain", pump)
            }
          }
          res.on("close", () => Deferred.doneUnsafe(closed, Exit.succeed(written)))
          pump()
        })
        const http = yield* transportOf(layer)
        const body = yield* Effect.flatMap(http.execute(post(server.url)), ResponseBody.collectedBody)
        expect(body.complete).toBe(false)
        expect(body.bytes.length).toBeLessThanOrEqual(65_536)
        expect(body.facts).toMatchObject({ error: { code: 2001 } })
        const written = yield* Deferred.await(closed).pipe(Effect.timeout("10 seconds"))
        expect(written).toBeLessThan(64 * 1024 * 1024)
      }).pipe(Effect.scoped))

    it.live(`${name}: a gzipped event stream flushed event by event reaches the caller with its split characters whole`, () =>
      Effect.gen(function*() {
        const contents = Array.from({ length: 200 }, (_, i) => `é${i}☃`)
        const chunk = (content: string) => ({ id: "a", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: null }] })
        const events = [...contents.map((c) => `data: ${JSON.stringify(chunk(c))}\n\n`), "data: [DONE]\n\n"]
        const server = yield* serve((_req, res) => {
          res.writeHead(200, { "content-type": "text/event-stream", "content-encoding": "gzip" })
          const gzip = Zlib.createGzip()
          gzip.pipe(res)
          let i = 0
          const next = () => {
            if (i === events.length) return void gzip.end()
            const bytes = Buffer.from(events[i++]!)
            // A character cut between two flushes.
            gzip.write(bytes.subarray(0, bytes.indexOf("é") + 1))
            gzip.flush(() => {
              gzip.write(bytes.subarray(bytes.indexOf("é") + 1))
              gzip.flush(() => (i % 50 === 0 ? setTimeout(next, 1) : next()))
            })
          }
          next()
        })
        const sky = yield* clientFor(server.url, layer)
        const chunks = yield* Stream.runCollect(sky.chatCompletionsStream(chatRequest))
        expect(chunks.map((c) => c.choices[0]?.delta.content)).toEqual(contents)
      }).pipe(Effect.scoped))

    it.live(`${name}: a corrupt gzip body fails to decode as a DecodeError`, () =>
      Effect.gen(function*() {
        const server = yield* serve((_req, res) => {
          const good = Zlib.gzipSync(Buffer.from(errorBody))
          res.writeHead(200, { "content-encoding": "gzip" }).end(Buffer.concat([good.subarray(0, 12), Buffer.alloc(40, 0xff)]))
        })
        const http = yield* transportOf(layer)
        const exit = yield* Effect.exit(Effect.flatMap(http.execute(post(server.url)), ResponseBody.decodedText))
        expect(Exit.isFailure(exit)).toBe(true)
        if (name === "undici" && Exit.isFailure(exit)) {
          const error = Cause.squash(exit.cause) as HttpClientError.HttpClientError
          expect(error.reason._tag).toBe("DecodeError")
          expect(error.message).toContain("content-encoding")
        }
      }).pipe(Effect.scoped))
  }

  it.effect("a gzip header over bytes that are not gzip passes them through", () =>
    Effect.gen(function*() {
      const out = yield* Stream.runCollect(
        ResponseBody.undoCodings(Stream.make(new TextEncoder().encode(errorBody)), ["gzip"], (cause) => cause)
      )
      expect(new TextDecoder().decode(Buffer.concat(out))).toBe(errorBody)
    }))

  it.effect("a decompression bomb is decoded at most maxDecodedPerChunk at a time, then fails", () =>
    Effect.gen(function*() {
      let largest = 0
      let total = 0
      const exit = yield* Effect.exit(
        Stream.runForEach(
          ResponseBody.undoCodings(Stream.make(new Uint8Array(bomb)), ["br"], (cause) => cause),
          (bytes) =>
            Effect.sync(() => {
              largest = Math.max(largest, bytes.byteLength)
              total += bytes.byteLength
            })
        )
      )
      expect(Exit.isFailure(exit)).toBe(true)
      expect(String(Exit.isFailure(exit) ? Cause.squash(exit.cause) : "")).toContain("decodes to more than")
      expect(total).toBeLessThanOrEqual(ResponseBody.maxDecodedPerChunk + 1024 * 1024)
      expect(largest).toBeLessThanOrEqual(ResponseBody.maxDecodedPerChunk + 1024 * 1024)
    }))

  it.live("undici: a bomb as a 429's body still gives the code at its head", () =>
    Effect.gen(function*() {
      const server = yield* serve((_req, res) => {
        res.writeHead(429, { "content-type": "application/json", "content-encoding": "br" }).end(bomb)
      })
      const http = yield* transportOf(transports[0]![1])
      const body = yield* Effect.flatMap(http.execute(post(server.url)), ResponseBody.collectedBody)
      expect(body.complete).toBe(false)
      expect(body.facts).toMatchObject({ error: { code: 2007 } })
    }).pipe(Effect.scoped))
})

// ---------------------------------------------------------------------------
// Through the client
// ---------------------------------------------------------------------------

const okChat = JSON.stringify({
  id: "c1",
  object: "chat.completion",
  created: 0,
  model: "m",
  choices: [{ index: 0, message: { role: "assistant", content: "decoded fine" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }
})

const chunkEvent = (content: string) =>
  `data: ${
    JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: { content } }] })
  }\n\n`

const sse = chunkEvent("one") + chunkEvent("two") + "data: [DONE]\n\n"

describe("the client's transport", () => {
  for (const [name, layer] of transports) {
    it.live(`${name}: no span (ours or effect/http's) renders the key, for plain, streamed and redirected calls`, () => {
      const { spans, tracer } = recordingTracer()
      return Effect.gen(function*() {
        const server = yield* serve((req, res) => {
          const echo = { "x-echo": `Bearer ${key}`, "x-request-id": "r-1" }
          if (req.url === "/v1/redirect") {
            res.writeHead(302, { ...echo, location: `http://127.0.0.1:1/steal?key=${key}&x=1` }).end()
          } else if (req.headers.accept === "text/event-stream") {
            res.writeHead(200, { ...echo, "content-type": "text/event-stream" }).end(sse)
          } else {
            res.writeHead(200, { ...echo, "content-type": "application/json" }).end(okChat)
          }
        })
        const sky = yield* clientFor(server.url, layer, { apiKey: Redacted.make(key) })
        const completion = yield* sky.chatCompletions(chatRequest)
        expect(completion.choices[0]?.message.content).toBe("decoded fine")
        expect(yield* Stream.runCollect(sky.chatCompletionsStream(chatRequest))).toHaveLength(2)
        const redirected = yield* Effect.flip(sky.request({ path: "/v1/redirect", body: {} }))
        expect(redirected.status).toBe(302)
        expect(JSON.stringify(redirected) + redirected.message).not.toContain(key)
        expect(spans.map((s) => s.name)).toEqual([
          "SkyClient.chatCompletions",
          "SkyClient.chatCompletionsStream",
          "SkyClient.request"
        ])
        for (const span of spans) for (const text of renderings(span)) expect(text).not.toContain(key)
      }).pipe(Effect.scoped, Effect.withTracer(tracer))
    })

    it.live(`${name}: gzip, deflate and br bodies decode: errors, successes and streams`, () =>
      Effect.gen(function*() {
        const server = yield* serve((req, res) => {
          const [, coding, kind] = (req.url ?? "").split("/") as [string, "gzip" | "deflate" | "br", string]
          const encode = encoders[coding]
          if (kind === "limited") {
            res.writeHead(429, { "content-type": "application/json", "content-encoding": coding }).end(encode(Buffer.from(errorBody)))
          } else if (req.headers.accept === "text/event-stream") {
            res.writeHead(200, { "content-type": "text/event-stream", "content-encoding": coding }).end(encode(Buffer.from(sse)))
          } else {
            res.writeHead(200, { "content-type": "application/json", "content-encoding": coding }).end(encode(Buffer.from(okChat)))
          }
        })
        for (const coding of ["gzip", "deflate", "br"]) {
          const sky = yield* clientFor(`${server.url}/${coding}`, layer)
          const limited = yield* Effect.flip(sky.request({ path: "/limited", body: {} }))
          expect(limited._tag).toBe("RpmLimitExceeded")
          const ok = yield* sky.request({ path: "/ok", body: {} })
          expect(ok).toMatchObject({ choices: [{ message: { content: "decoded fine" } }] })
          const events = yield* Stream.runCollect(
            sky.chatCompletionsStream(chatRequest).pipe(Stream.map((c) => c.choices[0]?.delta.content))
          )
          expect(events).toEqual(["one", "two"])
        }
      }).pipe(Effect.scoped))

    it.live(`${name}: an endless error body ends in a typed error and the socket is released early`, () =>
      Effect.gen(function*() {
        const closed = yield* Deferred.make<number>()
        const server = yield* serve((_req, res) => {
          let written = 0
          const block = Buffer.alloc(64 * 1024, "x")
          res.writeHead(500, { "content-type": "application/json", "x-request-id": "r-big" })
          res.write(`{"error":{"code":2001,"message":"big","padding":"`)
          const pump = () => {
            while (!res.destroyed && written < 2 * 1024 * 1024 * 1024) {
              written += block.length
              if (!res.write(block)) return void res.once("drain", pump)
            }
          }
          res.on("close", () => Deferred.doneUnsafe(closed, Exit.succeed(written)))
          pump()
        })
        const sky = yield* clientFor(server.url, layer)
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
        expect(error._tag).toBe("UnclassifiedLlmError")
        expect(error.status).toBe(500)
        expect(error.requestId).toBe("r-big")
        expect(error.bodyTruncated).toBe(true)
        expect(error.body!.length).toBeLessThanOrEqual(65_536)
        expect(yield* Deferred.await(closed).pipe(Effect.timeout("10 seconds"))).toBeLessThan(64 * 1024 * 1024)
      }).pipe(Effect.scoped))

    it.live(`${name}: a deadline passed while an error body is read keeps its status, request id and headers`, () =>
      Effect.gen(function*() {
        const server = yield* serve((_req, res) => {
          res.writeHead(503, { "content-type": "application/json", "x-request-id": "r-stall" })
          res.write(`{"error":`)
        })
        const sky = yield* clientFor(server.url, layer, { timeout: "300 millis" })
        const plain = yield* Effect.flip(sky.chatCompletions(chatRequest))
        const streamed = yield* Effect.flip(Stream.runDrain(sky.chatCompletionsStream(chatRequest)))
        for (const error of [plain, streamed]) {
          expect(error._tag).toBe("RequestTimeout")
          expect(error.status).toBe(503)
          expect(error.requestId).toBe("r-stall")
          expect(error.headers?.["x-request-id"]).toBe("r-stall")
          expect(error.message).toContain("HTTP 503")
        }
      }).pipe(Effect.scoped))

    for (const status of [301, 302, 307, 308]) {
      it.live(`${name}: a cross-origin ${status} is the server's answer, its Location redacted, the key sent nowhere else`, () =>
        Effect.gen(function*() {
          const elsewhere = yield* serve((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(okChat))
          const server = yield* serve((_req, res) => {
            res.writeHead(status, { location: `${elsewhere.url}/v1/chat/completions?key=${key}` }).end()
          })
          const sky = yield* clientFor(server.url, layer, { apiKey: Redacted.make(key), maxRetries: 2 })
          const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
          expect(error._tag).toBe("UnknownGatewayError")
          expect(error.status).toBe(status)
          expect(error.message).toContain("redirects are not followed")
          expect(error.headers?.["location"]).toBe(`${elsewhere.url}/v1/chat/completions?key=%3Credacted%3E`)
          expect(JSON.stringify(error) + error.message).not.toContain(key)
          expect(server.seen).toHaveLength(1)
          expect(elsewhere.seen).toHaveLength(0)
        }).pipe(Effect.scoped))
    }

    it.live(`${name}: a 20 MB success body of the wrong shape is an InvalidResponse whose texts stay within their limits`, () =>
      Effect.gen(function*() {
        const huge = JSON.stringify({ unexpected: "x".repeat(20_000_000) })
        const server = yield* serve((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(huge))
        const sky = yield* clientFor(server.url, layer)
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
        expect(error._tag).toBe("InvalidResponse")
        expect(error.message.length).toBeLessThanOrEqual(8_192)
        if (error._tag === "InvalidResponse") expect((error.issue ?? "").length).toBeLessThanOrEqual(8_192)
        expect((error.body ?? "").length).toBeLessThanOrEqual(65_536)
        expect(error.bodyTruncated).toBe(true)
        expect(JSON.stringify(error).length).toBeLessThan(200_000)
      }).pipe(Effect.scoped))
  }

  it.live("a request that cannot be sent is InvalidRequest, before any attempt", () =>
    Effect.gen(function*() {
      const server = yield* serve((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(okChat))
      const sky = yield* clientFor(server.url, transports[0]![1], { apiKey: Redacted.make(key), maxRetries: 2 })
      const throwing = {
        toJSON: () => {
          throw new Error(`cannot encode ${key}`)
        }
      }
      const failures = yield* Effect.all([
        Effect.flip(sky.chatCompletions(chatRequest, { headers: { "bad name": "x" } })),
        Effect.flip(sky.chatCompletions(chatRequest, { headers: { "x-a": "one\r\nx-injected: two" } })),
        Effect.flip(sky.chatCompletions(chatRequest, { headers: { "x-a": "caf\u00e9 \u2603" } })),
        Effect.flip(sky.request({ path: "/v1/x", body: { value: throwing } })),
        Effect.flip(sky.generateContent({ model: "gemini-\uD800", contents: [] })),
        Effect.flip(Stream.runDrain(sky.streamGenerateContent({ model: "gemini-\uD800", contents: [] }))),
        Effect.flip(sky.request({ path: "http://127.0.0.2:9/elsewhere", body: {} })),
        // An own `__proto__` header (JSON.parse makes one), which the request would carry: judged as any other.
        Effect.flip(sky.chatCompletions(chatRequest, { headers: JSON.parse(`{"__proto__":"one\\r\\nx-injected: two"}`) }))
      ])
      const reasons = [
        "is not an HTTP token",
        "holds a line break",
        "outside Latin-1",
        "could not be encoded as JSON",
        "cannot be put in a URL",
        "cannot be put in a URL",
        "not on the base URL's origin",
        "the value of the header __proto__ holds a line break"
      ]
      failures.forEach((error, i) => {
        expect(error._tag).toBe("InvalidRequest")
        expect(error.status).toBeUndefined()
        expect((error as { reason?: string }).reason).toContain(reasons[i])
        expect(JSON.stringify(error) + error.message).not.toContain(key)
      })
      expect(failures[3]!.message).toContain("<redacted>")
      expect(server.seen).toHaveLength(0)
      // A header the call's headers only inherit is not theirs: not sent, not refused.
      yield* sky.chatCompletions(chatRequest, { headers: Object.create({ "x-inherited": "a\nb" }) as Record<string, string> })
      expect(server.seen).toHaveLength(1)
      expect(server.seen[0]!.headers["x-inherited"]).toBeUndefined()
      for (const baseUrl of ["not a url", "ftp://127.0.0.1/"]) {
        const broken = yield* clientFor(baseUrl, transports[0]![1], { maxRetries: 2 })
        const error = yield* Effect.flip(broken.chatCompletions(chatRequest))
        expect(error._tag).toBe("InvalidRequest")
        expect(error.status).toBeUndefined()
        expect(error.attempts ?? []).toHaveLength(0)
      }
    }).pipe(Effect.scoped))

  it.live("undici: a decompression bomb as a 429's body still classifies by the code at its head", () =>
    Effect.gen(function*() {
      const server = yield* serve((_req, res) => {
        res.writeHead(429, { "content-type": "application/json", "content-encoding": "br" }).end(bomb)
      })
      const sky = yield* clientFor(server.url, transports[0]![1])
      const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
      expect(error._tag).toBe("RpmLimitExceeded")
      expect(error.status).toBe(429)
      expect(error.bodyTruncated).toBe(true)
    }).pipe(Effect.scoped))
})

// ---------------------------------------------------------------------------
// A plain call's deadline aborts its request (HttpClient.withScope)
// ---------------------------------------------------------------------------

describe("a 2xx body that stalls past the deadline", () => {
  for (const [name, transport] of transports) {
    it.live(`${name}: is a RequestTimeout with status and request id, its socket closed, the key nowhere; the next call works`, () => {
      const { spans, tracer } = recordingTracer()
      return Effect.gen(function*() {
        const closed = yield* Deferred.make<void>()
        let n = 0
        const server = yield* serve((req, res) => {
          n += 1
          if (n === 1) {
            req.socket.on("close", () => Deferred.doneUnsafe(closed, Exit.void))
            res.writeHead(200, { "content-type": "application/json", "x-request-id": "r-slow-2xx" })
            res.write(`{"id":"c1",`)
            return
          }
          res.writeHead(200, { "content-type": "application/json" }).end(okChat)
        })
        const sky = yield* clientFor(server.url, transport, { timeout: "200 millis" })
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
        expect(error._tag).toBe("RequestTimeout")
        expect(error.status).toBe(200)
        expect(error.requestId).toBe("r-slow-2xx")
        for (const text of [inspect(error, { depth: Infinity, showHidden: true }), JSON.stringify(error), String(error)]) {
          expect(text).not.toContain(clientKey)
        }
        // The aborted request's socket goes away, and the same client sends the next call.
        yield* Deferred.await(closed)
        const answer = yield* sky.chatCompletions(chatRequest)
        expect(answer.choices[0]?.message.content).toBe("decoded fine")
        expect(spans.length).toBeGreaterThan(0)
        for (const span of spans) for (const text of renderings(span)) expect(text).not.toContain(clientKey)
      }).pipe(Effect.scoped, Effect.withTracer(tracer))
    })
  }
})

describe("a stream the consumer stops", () => {
  for (const [name, transport] of transports) {
    it.live(`${name}: Stream.take(1) ends the stream and the server sees its connection close`, () =>
      Effect.gen(function*() {
        const closed = yield* Deferred.make<void>()
        const server = yield* serve((req, res) => {
          req.socket.on("close", () => Deferred.doneUnsafe(closed, Exit.void))
          res.writeHead(200, { "content-type": "text/event-stream" })
          res.write(chunkEvent("first"))
        })
        const sky = yield* clientFor(server.url, transport)
        const taken = yield* Stream.runCollect(Stream.take(sky.chatCompletionsStream(chatRequest), 1))
        expect([...taken].map((c) => c.choices[0]?.delta.content)).toEqual(["first"])
        yield* Deferred.await(closed)
      }).pipe(Effect.scoped))
  }
})

describe("an attempt that passes its deadline, retried", () => {
  for (const [name, transport] of transports) {
    it.live(`${name}: plain and streamed: the retry is sent whole after the first request's socket has closed`, () =>
      Effect.gen(function*() {
        // Each call's first request gets no answer; its retry is answered. The server notes, as each retry
        // arrives, whether the socket of the attempt before it has closed.
        let n = 0
        let firstClosed = false
        const closedBeforeRetry: Array<boolean> = []
        const server = yield* serve((req, res) => {
          n += 1
          if (n % 2 === 1) {
            firstClosed = false
            req.socket.on("close", () => {
              firstClosed = true
            })
            return
          }
          closedBeforeRetry.push(firstClosed)
          if (req.headers.accept === "text/event-stream") {
            res.writeHead(200, { "content-type": "text/event-stream" }).end(sse)
          } else {
            res.writeHead(200, { "content-type": "application/json" }).end(okChat)
          }
        })
        const sky = yield* clientFor(server.url, transport, {
          timeout: "100 millis",
          maxRetries: 1,
          retry: { initialDelay: "50 millis", jitter: 0 }
        })
        const answer = yield* sky.chatCompletions(chatRequest)
        expect(answer.choices[0]?.message.content).toBe("decoded fine")
        const chunks = yield* Stream.runCollect(sky.chatCompletionsStream(chatRequest))
        expect([...chunks].map((c) => c.choices[0]?.delta.content)).toEqual(["one", "two"])
        expect(server.seen.map((s) => s.headers["x-sky-attempt"])).toEqual(["1", "2", "1", "2"])
        expect(closedBeforeRetry).toEqual([true, true])
      }).pipe(Effect.scoped))
  }
})

describe("a stream request answered with JSON whose body stalls", () => {
  for (const [name, transport] of transports) {
    it.live(`${name}: is a RequestTimeout that keeps the status and request id`, () =>
      Effect.gen(function*() {
        const server = yield* serve((_req, res) => {
          res.writeHead(200, { "content-type": "application/json", "x-request-id": "r-json-stall" })
          res.write(`{"id":"c1",`)
        })
        const sky = yield* clientFor(server.url, transport, { timeout: "200 millis" })
        const error = yield* Effect.flip(Stream.runDrain(sky.chatCompletionsStream(chatRequest)))
        expect(error._tag).toBe("RequestTimeout")
        expect(error.status).toBe(200)
        expect(error.requestId).toBe("r-json-stall")
        expect(error.message).toContain("the response was not complete")
        // The same when the whole stream's deadline is the nearer one.
        const overall = yield* Effect.flip(Stream.runDrain(sky.chatCompletionsStream(chatRequest, { streamTimeout: "150 millis" })))
        expect(overall._tag).toBe("RequestTimeout")
        expect(overall.status).toBe(200)
        expect(overall.requestId).toBe("r-json-stall")
      }).pipe(Effect.scoped))
  }
})

describe("a 2xx body that decodes without end", () => {
  for (const [name, transport] of transports) {
    it.live(`${name}: ends (at a decoding bound or at the deadline) and its socket is released`, () =>
      Effect.gen(function*() {
        const closed = yield* Deferred.make<void>()
        // An endless gzip stream of spaces: the client stops at its decoding bound and must let the socket go.
        const server = yield* serve((req, res) => {
          req.socket.on("close", () => Deferred.doneUnsafe(closed, Exit.void))
          res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
          const gzip = Zlib.createGzip({ level: 9 })
          gzip.pipe(res)
          const spaces = Buffer.alloc(1024 * 1024, 0x20)
          const pump = (): void => {
            while (!res.destroyed && gzip.write(spaces)) { /* until the pipe pushes back */ }
            if (!res.destroyed) gzip.once("drain", pump)
          }
          res.on("close", () => gzip.destroy())
          pump()
        })
        const sky = yield* clientFor(server.url, transport, { timeout: "500 millis" })
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
        // The library's decoder (undici) fails a network chunk that decodes past its bound, or the deadline comes
        // first; fetch decodes the body itself, so only the deadline stops it. Either way the socket goes.
        expect(["InvalidResponse", "RequestTimeout"]).toContain(error._tag)
        if (name === "fetch") expect(error._tag).toBe("RequestTimeout")
        yield* Deferred.await(closed)
      }).pipe(Effect.scoped), 60_000)
  }
})

describe("a 2xx body larger than the bound on an answer (maxAnswerBytes, 64 MiB)", () => {
  const limit = ResponseBody.maxAnswerBytes
  /** A 200 whose body is `size` bytes of JSON-ish padding, announced or not; resolves with what it wrote by close. */
  const pumping = (size: number, announce: boolean) =>
    Effect.gen(function*() {
      const closed = yield* Deferred.make<number>()
      const server = yield* serve((_req, res) => {
        let written = 0
        const block = Buffer.alloc(64 * 1024, "x")
        res.writeHead(200, {
          "content-type": "application/json",
          "x-request-id": "r-big",
          ...(announce ? { "content-length": String(size) } : {})
        })
        const pump = () => {
          while (!res.destroyed && written < size) {
            written += block.length
            if (!res.write(block)) return void res.once("drain", pump)
          }
        }
        res.on("close", () => Deferred.doneUnsafe(closed, Exit.succeed(written)))
        pump()
      })
      return { url: server.url, closed }
    })

  for (const [name, layer] of transports) {
    it.live(`${name}: an endless 2xx body is an InvalidResponse once past the bound, and its socket is released`, () =>
      Effect.gen(function*() {
        const { closed, url } = yield* pumping(2 * 1024 * 1024 * 1024, false)
        const sky = yield* clientFor(url, layer)
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
        expect(error._tag).toBe("InvalidResponse")
        expect(error.status).toBe(200)
        expect(error.requestId).toBe("r-big")
        expect(error.message).toContain(`grew past the ${limit}-byte limit`)
        const written = yield* Deferred.await(closed).pipe(Effect.timeout("20 seconds"))
        expect(written).toBeGreaterThan(limit)
        expect(written).toBeLessThan(2 * limit)
      }).pipe(Effect.scoped))

    it.live(`${name}: a 2xx body announced larger is refused at its first bytes`, () =>
      Effect.gen(function*() {
        const { closed, url } = yield* pumping(2 * limit, true)
        const sky = yield* clientFor(url, layer)
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
        expect(error._tag).toBe("InvalidResponse")
        expect(error.message).toContain(`${2 * limit} bytes announced`)
        expect(yield* Deferred.await(closed).pipe(Effect.timeout("20 seconds"))).toBeLessThan(limit / 2)
      }).pipe(Effect.scoped))
  }

  it.live("fetch: a gzipped 2xx body that fetch inflates past the bound is an InvalidResponse", () =>
    Effect.gen(function*() {
      const gzipped = Zlib.gzipSync(Buffer.alloc(limit + 1, " "))
      const server = yield* serve((_req, res) => {
        res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
        res.end(gzipped)
      })
      const sky = yield* clientFor(server.url, FetchHttpClient.layer)
      const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
      expect(error._tag).toBe("InvalidResponse")
      expect(error.message).toContain(`grew past the ${limit}-byte limit`)
    }).pipe(Effect.scoped))
})

// ---------------------------------------------------------------------------
// Whole bodies read from the transport's own body (core's sourceBody)
// ---------------------------------------------------------------------------

describe("a whole body is read from the transport's own body, once", () => {
  const errorBody = JSON.stringify({ error: { message: "slow down ☃", type: "rate_limit_error", code: 2007 } })
  const answer = JSON.stringify({ answer: "fine ☃" })
  const bodyServer = serve((req, res) => {
    // Every path is the 429 but /ok.
    const body = req.url === "/ok" ? answer : errorBody
    res.writeHead(req.url === "/ok" ? 200 : 429, {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body))
    })
    res.end(body)
  })
  const memo = (response: unknown) => (response as { readonly arrayBufferBody?: unknown; readonly textBody?: unknown })

  for (const [name, layer] of transports) {
    it.live(`${name}: an error body and a 2xx body are read whole without the platform's memo`, () =>
      Effect.gen(function*() {
        const { url } = yield* bodyServer
        const http = yield* transportOf(layer)
        const failed = yield* http.execute(post(`${url}/error`))
        const body = yield* ResponseBody.collectedBody(failed)
        expect(new TextDecoder().decode(body.bytes)).toBe(errorBody)
        expect(body.complete).toBe(true)
        expect(memo(failed).arrayBufferBody).toBeUndefined()
        const ok = yield* http.execute(post(`${url}/ok`))
        expect(yield* ResponseBody.decodedText(ok)).toBe(answer)
        expect(memo(ok).textBody).toBeUndefined()
        expect(memo(ok).arrayBufferBody).toBeUndefined()
      }).pipe(Effect.scoped))

    it.live(`${name}: a body already read through the platform is read through it again, not lost`, () =>
      Effect.gen(function*() {
        const { url } = yield* bodyServer
        const http = yield* transportOf(layer)
        const failed = yield* http.execute(post(`${url}/error`))
        yield* failed.arrayBuffer
        const body = yield* ResponseBody.collectedBody(failed)
        expect(new TextDecoder().decode(body.bytes)).toBe(errorBody)
        expect(body.complete).toBe(true)
        const ok = yield* http.execute(post(`${url}/ok`))
        yield* ok.text
        expect(yield* ResponseBody.decodedText(ok)).toBe(answer)
      }).pipe(Effect.scoped))

    it.live(`${name}: the client's 429 keeps the body it read`, () =>
      Effect.gen(function*() {
        const { url } = yield* bodyServer
        const sky = yield* clientFor(url, layer)
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
        expect(error._tag).toBe("RpmLimitExceeded")
        expect(error.body).toBe(errorBody)
        expect(error.message).toBe("slow down ☃")
      }).pipe(Effect.scoped))
  }
})

describe("an encoded error body announced small is read with bounds, on every transport", () => {
  // 40 bytes of brotli that decode to 20 MB: announced small, but fetch undoes the coding itself.
  const decoded = 20_000_000
  const bomb = Zlib.brotliCompressSync(Buffer.alloc(decoded, 32))
  const bombServer = serve((_req, res) => {
    res.writeHead(429, { "content-type": "application/json", "content-encoding": "br", "content-length": String(bomb.length) })
    res.end(bomb)
  })
  for (const [name, layer] of transports) {
    it.live(`${name}: reading stops at the scan limit, not at the decoded body's end`, () =>
      Effect.gen(function*() {
        const { url } = yield* bombServer
        const http = yield* transportOf(layer)
        const failed = yield* http.execute(post(`${url}/error`))
        const body = yield* ResponseBody.collectedBody(failed)
        expect(body.complete).toBe(false)
        expect(body.seenBytes).toBeLessThan(decoded / 2)
      }).pipe(Effect.scoped))
  }
})

describe("a client that fails on a status itself (HttpClient.filterStatusOk)", () => {
  const errorBody = JSON.stringify({ error: { message: `invalid key ${clientKey}`, type: "authentication_error", code: 1001 } })
  for (const [name, layer] of transports) {
    it.live(`${name}: its failure is the gateway's answer, classified and scrubbed, not a ConnectionError retried`, () =>
      Effect.gen(function*() {
        const server = yield* serve((_req, res) => {
          res.writeHead(401, { "content-type": "application/json", "x-request-id": "r-401" })
          res.end(errorBody)
        })
        const filtering = Layer.effect(HttpClient.HttpClient, Effect.map(HttpClient.HttpClient, HttpClient.filterStatusOk)).pipe(
          Layer.provide(layer)
        )
        const sky = yield* clientFor(server.url, filtering, { maxRetries: 2 })
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
        expect(error.status).toBe(401)
        expect(error.requestId).toBe("r-401")
        expect(error._tag).not.toBe("ConnectionError")
        expect(error.message).toBe("invalid key <redacted>")
        expect(server.seen.length).toBe(1)
        for (const text of [inspect(error, { depth: Infinity }), JSON.stringify(error), String(error)]) {
          expect(text).not.toContain(clientKey)
        }
      }).pipe(Effect.scoped))
  }
})

describe("an error body announced small and cut by a reset keeps the bytes that came, on every transport", () => {
  // A 500 announces 2000 bytes of JSON, sends 1000, then the socket is reset (a while after, or at once).
  const sent = `{"error":{"message":"upstream broke","type":"server_error","detail":"${"x".repeat(1000)}`.slice(0, 1000)
  const cutServer = (delay: number) =>
    serve((_req, res) => {
      res.writeHead(500, { "content-type": "application/json", "content-length": "2000" })
      res.write(sent, () => (delay === 0 ? res.socket?.destroy() : setTimeout(() => res.socket?.destroy(), delay)))
    })
  for (const [name, layer] of [...transports, ["node:http", NodeHttpClient.layerNodeHttp] as const]) {
    for (const delay of [30, 0]) {
      it.live(`${name}: the error keeps the 1000 bytes and says its body was truncated (reset after ${delay} ms)`, () =>
        Effect.gen(function*() {
          const { url } = yield* cutServer(delay)
          const sky = yield* clientFor(url, layer)
          const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
          expect(error.status).toBe(500)
          expect(error.body).toBe(sent)
          expect(error.bodyTruncated).toBe(true)
        }).pipe(Effect.scoped))
    }
  }
})

describe("an error body from a caller's own transport (fromWeb): read within the collector's bounds, never a defect", () => {
  it.live("a web Response announced 10 bytes that gives 40 MiB: the read stops near 8 MiB, the head kept, truncated", () =>
    Effect.gen(function*() {
      let pulled = 0
      const chunkSize = 65_536
      const stub = HttpClient.make((request) =>
        Effect.sync(() =>
          HttpClientResponse.fromWeb(
            request,
            new Response(
              new ReadableStream<Uint8Array>({
                pull(controller) {
                  if (pulled >= 40 * 1024 * 1024) return controller.close()
                  pulled += chunkSize
                  controller.enqueue(new Uint8Array(chunkSize).fill(120))
                }
              }),
              { status: 500, headers: { "content-type": "text/plain", "content-length": "10" } }
            )
          )
        )
      )
      const sky = yield* clientFor("http://127.0.0.1:9", Layer.succeed(HttpClient.HttpClient, stub))
      const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
      expect(error.status).toBe(500)
      expect(error.bodyTruncated).toBe(true)
      expect(String(error.body)).toMatch(/^x+/)
      expect(pulled).toBeLessThan(9 * 1024 * 1024)
    }).pipe(Effect.scoped))

  it.live("a caller's own Response class whose body throws is read as an empty body cut short, not a defect", () =>
    Effect.gen(function*() {
      class NoBody extends Response {
        override get body(): ReadableStream<Uint8Array<ArrayBuffer>> {
          throw new Error("no body here")
        }
      }
      const stub = HttpClient.make((request) =>
        Effect.sync(() =>
          HttpClientResponse.fromWeb(
            request,
            new NoBody("x", { status: 500, headers: { "content-type": "text/plain", "content-length": "1" } })
          )
        )
      )
      const sky = yield* clientFor("http://127.0.0.1:9", Layer.succeed(HttpClient.HttpClient, stub))
      const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
      expect(error.status).toBe(500)
      expect(error.bodyTruncated).toBe(true)
    }).pipe(Effect.scoped))
})

describe("the client's headers are those it was built with", () => {
  it.live("a caller changing its headers object after building the client changes nothing that is sent", () =>
    Effect.gen(function*() {
      const server = yield* serve((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" }).end(okChat)
      })
      const headers: Record<string, string> = { "x-team": "blue" }
      const sky = yield* clientFor(server.url, NodeHttpClient.layerUndici, { headers })
      headers["x-team"] = "a\r\nx-injected: 1"
      headers["x-late"] = "\u2603"
      yield* sky.chatCompletions(chatRequest)
      expect(server.seen).toHaveLength(1)
      expect(server.seen[0]!.headers["x-team"]).toBe("blue")
      expect(server.seen[0]!.headers["x-late"]).toBeUndefined()
    }).pipe(Effect.scoped))

  it.live("a call's header replaces the client's under any case: one value is sent, and a bad one replaced is not judged", () =>
    Effect.gen(function*() {
      const server = yield* serve((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" }).end(okChat)
      })
      const sky = yield* clientFor(server.url, NodeHttpClient.layerUndici, { headers: { "X-Team": "\u2603", "x-app": "a" } })
      const refused = yield* Effect.flip(sky.chatCompletions(chatRequest))
      expect(refused._tag).toBe("InvalidRequest")
      yield* sky.chatCompletions(chatRequest, { headers: { "x-team": "blue", "X-App": "b" } })
      expect(server.seen).toHaveLength(1)
      expect(server.seen[0]!.headers["x-team"]).toBe("blue")
      expect(server.seen[0]!.headers["x-app"]).toBe("b")
    }).pipe(Effect.scoped))
})

describe("an error body cut by a reset in the middle of an echoed key does not show the start of the key", () => {
  // A 401 that echoes the key, announced whole, cut by a reset 25 characters into the key.
  const sent = `{"error":{"message":"Incorrect API key provided: ${clientKey.slice(0, 25)}`
  for (const [name, layer] of [...transports, ["node:http", NodeHttpClient.layerNodeHttp] as const]) {
    it.live(`${name}: the body keeps what came, the key's start redacted, in the body and the message`, () =>
      Effect.gen(function*() {
        const { url } = yield* serve((_req, res) => {
          res.writeHead(401, { "content-type": "application/json", "content-length": "2000" })
          res.write(sent, () => setTimeout(() => res.socket?.destroy(), 30))
        })
        const sky = yield* clientFor(url, layer)
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
        expect(error.status).toBe(401)
        expect(error.body).toBe(`{"error":{"message":"Incorrect API key provided: <redacted>`)
        expect(error.bodyTruncated).toBe(true)
        for (const text of [inspect(error, { depth: Infinity }), JSON.stringify(error), String(error), error.message]) {
          expect(text).not.toContain(clientKey.slice(0, 8))
        }
      }).pipe(Effect.scoped))
  }
})

describe("a stream whose body ends in the middle of an event that echoes the key does not show the start of the key", () => {
  const echo = `{"error":{"message":"Incorrect API key provided: ${clientKey.slice(0, 25)}`
  for (const [what, body] of [["an event", `data: ${echo}`], ["an error event", `event: error\ndata: ${echo}`]] as const) {
    it.live(`${what} cut 25 characters into the key`, () =>
      Effect.gen(function*() {
        const { url } = yield* serve((_req, res) => {
          res.writeHead(200, { "content-type": "text/event-stream" })
          res.end(body)
        })
        const sky = yield* clientFor(url, NodeHttpClient.layerUndici)
        const error = yield* Effect.flip(Stream.runDrain(sky.chatCompletionsStream(chatRequest)))
        for (const text of [inspect(error, { depth: Infinity }), JSON.stringify(error), String(error), error.message]) {
          expect(text).not.toContain(clientKey.slice(0, 8))
        }
        expect(JSON.stringify(error)).toContain("Incorrect API key provided: <redacted>")
      }).pipe(Effect.scoped))
  }
})
