import { describe, expect, it } from "@effect/vitest"
import { Cause, Context, Deferred, Effect, Exit, Layer, Stream } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Zlib from "node:zlib"
import * as Request from "../src/internal/request.js"
import * as ResponseBody from "../src/internal/responseBody.js"
import { recordingTracer, renderings, serve, transports } from "./support/loopback.js"

const key = "ak-TRANSPORTsecretTRANSPORT01234567"

/** The transport over a layer's client, as the library sends with it. */
const transportOf = (layer: Layer.Layer<HttpClient.HttpClient>) =>
  Effect.map(Layer.build(layer), (context) => Request.transport(Context.get(context, HttpClient.HttpClient)))

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
        const text = yield* http.execute(post(`${server.url}/v1/x`)).pipe(
          Effect.flatMap((response) => response.text),
          Effect.withSpan("SkyClient.test", { kind: "client" })
        )
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

    it.live(`${name}: no trace headers when propagation is off, or outside any span`, () =>
      Effect.gen(function*() {
        const server = yield* serve((_req, res) => res.writeHead(204).end())
        const http = yield* transportOf(layer)
        yield* http.execute(post(server.url)).pipe(
          Effect.withSpan("SkyClient.test"),
          Effect.provideService(HttpClient.TracerPropagationEnabled, false)
        )
        yield* http.execute(post(server.url))
        expect(server.seen.map((s) => s.headers.traceparent)).toEqual([undefined, undefined])
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
// Request checks (core, used by both lines)
// ---------------------------------------------------------------------------

describe("request checks", () => {
  it("base URLs, headers and keys", () => {
    expect(Request.baseUrlOf("http://127.0.0.1:8080/base/", [])).toEqual({ _tag: "Valid", origin: "http://127.0.0.1:8080" })
    const invalid = Request.baseUrlOf(`ftp://h/?key=${key}`, [key])
    expect(invalid._tag).toBe("Invalid")
    expect(JSON.stringify(invalid)).not.toContain(key)
    expect(Request.baseUrlOf("not a url", [])).toMatchObject({ _tag: "Invalid", reason: expect.stringContaining("not a valid URL") })
    expect(Request.headersProblem({ "bad name": "x" })).toContain("is not an HTTP token")
    expect(Request.headersProblem({ "x-a": "one\r\ntwo" })).toContain("holds a line break")
    expect(Request.headersProblem({ "x-a": "a\u0000" })).toContain("holds a NUL")
    expect(Request.headersProblem({ "x-a": "caf\u00e9 \u2603" })).toContain("outside Latin-1")
    expect(Request.headersProblem({ "x-a": "caf\u00e9", authorization: `Bearer ${key}` })).toBeUndefined()
    expect(Request.apiKeyProblem("")).toBe("the API key is empty")
    expect(Request.apiKeyProblem("  ")).toBe("the API key is only whitespace")
    expect(Request.apiKeyProblem(`${key}\n`)).toBe(`the API key holds a control character (U+000A at index ${key.length})`)
    expect(Request.apiKeyProblem(" k é ")).toBeUndefined()
    expect(Request.joinUrl("http://h/base/", "/v1/x")).toBe("http://h/base/v1/x")
    expect(Request.joinUrl("http://h/base", "http://other/v1")).toBe("http://other/v1")
    expect(Request.originOfUrl("http://h:1/x")).toBe("http://h:1")
    expect(Request.originOfUrl("nope")).toBeUndefined()
  })
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

    it.live(`${name}: a gzipped event stream flushed event by event decodes to its text, split characters whole`, () =>
      Effect.gen(function*() {
        const events = Array.from({ length: 200 }, (_, i) => `data: é${i}☃\n\n`)
        const server = yield* serve((_req, res) => {
          res.writeHead(200, { "content-type": "text/event-stream", "content-encoding": "gzip" })
          const gzip = Zlib.createGzip()
          gzip.pipe(res)
          let i = 0
          const next = () => {
            if (i === events.length) return void gzip.end()
            const bytes = Buffer.from(events[i++]!)
            // A character cut between two flushes.
            gzip.write(bytes.subarray(0, 7))
            gzip.flush(() => {
              gzip.write(bytes.subarray(7))
              gzip.flush(() => (i % 50 === 0 ? setTimeout(next, 1) : next()))
            })
          }
          next()
        })
        const http = yield* transportOf(layer)
        const response = yield* http.execute(post(server.url))
        const texts = yield* Stream.runCollect(ResponseBody.decodedEventText(ResponseBody.decodedStream(response)))
        expect(texts.join("")).toBe(events.join(""))
        expect(texts.every((t) => !t.includes("\uFFFD"))).toBe(true)
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

  // 256 MiB of spaces after a 2007 envelope's head: about 48 KB of br.
  const head = `{"error":{"code":2007,"message":"slow down"},"pad":"`
  const bomb = Zlib.brotliCompressSync(Buffer.concat([Buffer.from(head), Buffer.alloc(256 * 1024 * 1024, 32)]), {
    params: { [Zlib.constants.BROTLI_PARAM_QUALITY]: 1 }
  })

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
