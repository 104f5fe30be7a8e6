import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { FetchHttpClient, HttpClient, HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Cause, ConfigProvider, Context, Deferred, Effect, Exit, Layer, Redacted, Stream, Tracer } from "effect"
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { inspect } from "node:util"
import * as Zlib from "node:zlib"
import { SkyClient } from "../src/index.js"
import * as ResponseBody from "../src/internal/responseBody.js"

const key = "ak-TRANSPORTsecretTRANSPORT01234567"

interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void

/** A loopback server that records every request it gets; stopped with the scope. */
const serve = (handler: Handler) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly seen: Array<Seen>; readonly server: Server }>((resume) => {
      const seen: Array<Seen> = []
      const server = createServer((req, res) => {
        req.resume()
        req.on("end", () => {
          seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers })
          handler(req, res, "")
        })
      })
      server.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server })))
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

const transports = [
  ["undici", NodeHttpClient.layerUndici],
  ["fetch", FetchHttpClient.layer]
] as const

/** The client over a transport, alive for the rest of the test's scope. */
const clientFor = (
  url: string,
  transport: Layer.Layer<HttpClient.HttpClient>,
  options: Partial<SkyClient.Options> = {}
) =>
  Layer.build(
    SkyClient.layer({ apiKey: Redacted.make(key), baseUrl: url, maxRetries: 0, ...options }).pipe(
      Layer.provide(transport)
    )
  ).pipe(Effect.map(Context.get(SkyClient.SkyClient)))

const chatRequest = { model: "m", messages: [{ role: "user" as const, content: "hi" }] }

const okChat = JSON.stringify({
  id: "c1",
  object: "chat.completion",
  created: 0,
  model: "m",
  choices: [{ index: 0, message: { role: "assistant", content: "decoded fine" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }
})

const chunk = (content: string) =>
  `data: ${
    JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: { content } }] })
  }\n\n`

const sse = chunk("one") + chunk("two") + "data: [DONE]\n\n"

// ---------------------------------------------------------------------------
// 1. Spans never hold the key
// ---------------------------------------------------------------------------

interface RecordedSpan {
  readonly name: string
  readonly attributes: Map<string, unknown>
  readonly events: Array<unknown>
  exit?: Exit.Exit<unknown, unknown>
  readonly span: Tracer.Span
}

/** A tracer that keeps every span: name, attributes, events and exit. */
const recordingTracer = () => {
  const spans: Array<RecordedSpan> = []
  let next = 0
  const tracer = Tracer.make({
    span(name, parent, context, links, startTime, kind) {
      const attributes = new Map<string, unknown>()
      const events: Array<unknown> = []
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: (next++).toString(16).padStart(16, "0"),
        traceId: "0123456789abcdef0123456789abcdef",
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes,
        links,
        sampled: true,
        kind,
        end: (_endTime, exit) => {
          record.exit = exit
        },
        attribute: (k, v) => {
          attributes.set(k, v)
        },
        event: (eventName, _startTime, eventAttributes) => {
          events.push({ eventName, eventAttributes })
        },
        addLinks: () => {}
      }
      const record: RecordedSpan = { name, attributes, events, span }
      spans.push(record)
      return span
    },
    context: (f) => f()
  })
  return { spans, tracer }
}

/** Every way a tracer might render a span. */
const renderings = (span: RecordedSpan): Array<string> => {
  const attributes = [...span.attributes.entries()].map(([k, v]) => `${k}=${String(v)}`).join("\n")
  const exit = span.exit
  return [
    span.name,
    attributes,
    JSON.stringify(span.events),
    inspect(span.events, { depth: Infinity }),
    String(exit),
    String(JSON.stringify(exit)),
    inspect(exit, { depth: Infinity, showHidden: true }),
    exit !== undefined && Exit.isSuccess(exit) ? inspect(exit.value, { depth: Infinity, showHidden: true }) : "",
    exit !== undefined && Exit.isSuccess(exit) ? String(JSON.stringify(exit.value)) : ""
  ]
}

describe("spans never hold the key", () => {
  for (const [name, transport] of transports) {
    it.live(`${name}: no span (ours or the platform's) renders the key, for plain, streamed and redirected calls`, () => {
      const { spans, tracer } = recordingTracer()
      return Effect.gen(function*() {
        const server = yield* serve((req, res) => {
          const echo = { "x-echo": `Bearer ${key}`, "x-request-id": "r-1" }
          if (req.url === "/v1/redirect") {
            res.writeHead(302, { ...echo, location: `http://127.0.0.1:1/steal?key=${key}&x=1` }).end()
          } else if (req.url?.startsWith("/v1/chat") && req.headers.accept === "text/event-stream") {
            res.writeHead(200, { ...echo, "content-type": "text/event-stream" }).end(sse)
          } else {
            res.writeHead(200, { ...echo, "content-type": "application/json" }).end(okChat)
          }
        })
        const sky = yield* clientFor(server.url, transport)
        const completion = yield* sky.chatCompletions(chatRequest)
        expect(completion.choices[0]?.message.content).toBe("decoded fine")
        const chunks = yield* Stream.runCollect(sky.chatCompletionsStream(chatRequest))
        expect(chunks.length).toBe(2)
        const redirected = yield* Effect.flip(sky.request({ path: "/v1/redirect", body: {} }))
        expect(redirected.status).toBe(302)
        expect(JSON.stringify(redirected)).not.toContain(key)
        expect(spans.map((s) => s.name)).toEqual([
          "SkyClient.chatCompletions",
          "SkyClient.chatCompletionsStream",
          "SkyClient.request"
        ])
        for (const span of spans) {
          for (const text of renderings(span)) expect(text).not.toContain(key)
        }
        // Our own span keeps its attributes, and its context is what the request propagates.
        expect(Object.fromEntries(spans[0]!.attributes)).toMatchObject({
          "sky.operation": "chatCompletions",
          "http.request.method": "POST",
          "url.path": "/v1/chat/completions",
          "gen_ai.request.model": "m",
          "http.response.status_code": 200,
          "sky.attempts": 1
        })
        expect(server.seen[0]!.headers.traceparent).toBe(
          `00-0123456789abcdef0123456789abcdef-${spans[0]!.span.spanId}-01`
        )
        expect(server.seen[0]!.headers.authorization).toBe(`Bearer ${key}`)
      }).pipe(Effect.scoped, Effect.withTracer(tracer))
    })
  }
})

// ---------------------------------------------------------------------------
// 2. A request that is never sent
// ---------------------------------------------------------------------------

describe("a request that cannot be sent is InvalidRequest, before any attempt", () => {
  it.live("bad headers, a body that is not JSON, a model that is not a URL, an invalid base URL, another origin", () =>
    Effect.gen(function*() {
      const server = yield* serve((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" }).end(okChat)
      })
      const sky = yield* clientFor(server.url, NodeHttpClient.layerUndici, { maxRetries: 2 })
      const throwing = { toJSON: () => { throw new Error(`cannot encode ${key}`) } }
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
        const broken = yield* clientFor(baseUrl, NodeHttpClient.layerUndici, { maxRetries: 2 })
        const error = yield* Effect.flip(broken.chatCompletions(chatRequest))
        expect(error._tag).toBe("InvalidRequest")
        expect(error.status).toBeUndefined()
        expect(error.attempts ?? []).toHaveLength(0)
      }
    }).pipe(Effect.scoped))

  it.effect("an API key that is empty, only whitespace or holds a control character is a ConfigError that hides it", () =>
    Effect.gen(function*() {
      const bad = ["", "   ", `${key}\r\n`, `ak-\u0000${key}`, `${key}\u007f`]
      for (const apiKey of bad) {
        for (const layer of [
          SkyClient.layer({ apiKey: Redacted.make(apiKey) }),
          SkyClient.layerConfig().pipe(
            Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["SKYENGINE_API_KEY", apiKey]]))))
          )
        ]) {
          const exit = yield* Effect.exit(Layer.build(layer.pipe(Layer.provide(FetchHttpClient.layer))).pipe(Effect.scoped))
          expect(Exit.isFailure(exit)).toBe(true)
          if (Exit.isFailure(exit)) {
            const text = String(exit.cause) + JSON.stringify(exit.cause)
            expect(text).toMatch(/API key (is empty|is only whitespace|holds a control character)/)
            if (apiKey.length > 0) expect(text).not.toContain(key)
          }
        }
      }
      // Every other key is taken as it is.
      yield* Layer.build(SkyClient.layer({ apiKey: Redacted.make(" k é ") }).pipe(Layer.provide(FetchHttpClient.layer))).pipe(
        Effect.scoped
      )
    }))
})

// ---------------------------------------------------------------------------
// 3. Error bodies are read with bounds
// ---------------------------------------------------------------------------

/** A server that answers with an endless body and reports how much it wrote before the client hung up. */
const endlessServer = (status: number, contentType: string) =>
  Effect.gen(function*() {
    const closed = yield* Deferred.make<number>()
    const server = yield* serve((_req, res) => {
      let written = 0
      const block = Buffer.alloc(64 * 1024, "x")
      res.writeHead(status, { "content-type": contentType, "x-request-id": "r-big" })
      res.write(`{"error":{"code":2001,"message":"big","padding":"`)
      const pump = () => {
        while (!res.destroyed && written < 2 * 1024 * 1024 * 1024) {
          written += block.length
          if (!res.write(block)) return void res.once("drain", pump)
        }
      }
      res.on("close", () => Deferred.unsafeDone(closed, Exit.succeed(written)))
      pump()
    })
    return { url: server.url, closed }
  })

describe("error bodies are read with bounds", () => {
  for (const [name, transport] of transports) {
    it.live(`${name}: an endless error body ends in a typed error and the socket is released early`, () =>
      Effect.gen(function*() {
        const { closed, url } = yield* endlessServer(500, "application/json")
        const sky = yield* clientFor(url, transport)
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
        // The envelope is never complete, but the scan of what was read finds its table code.
        expect(error._tag).toBe("UnclassifiedLlmError")
        expect(error.status).toBe(500)
        expect(error.requestId).toBe("r-big")
        expect(error.bodyTruncated).toBe(true)
        expect(error.body!.length).toBeLessThanOrEqual(65_536)
        const written = yield* Deferred.await(closed).pipe(Effect.timeout("10 seconds"))
        // The whole body would be 2 GiB: the client stops after the collector's scan limit (8 MiB) and buffers.
        expect(written).toBeLessThan(64 * 1024 * 1024)
      }).pipe(Effect.scoped))

    it.live(`${name}: a stream request answered with endless JSON is read with bounds too`, () =>
      Effect.gen(function*() {
        const { closed, url } = yield* endlessServer(200, "application/json")
        const sky = yield* clientFor(url, transport)
        const error = yield* Effect.flip(Stream.runDrain(sky.chatCompletionsStream(chatRequest)))
        // The JSON never ends, but the scan of its head finds an error envelope with code 2001.
        expect(error._tag).toBe("UnclassifiedLlmError")
        expect(error.bodyTruncated).toBe(true)
        const written = yield* Deferred.await(closed).pipe(Effect.timeout("10 seconds"))
        expect(written).toBeLessThan(64 * 1024 * 1024)
      }).pipe(Effect.scoped))
  }
})

// ---------------------------------------------------------------------------
// 4. content-encoding
// ---------------------------------------------------------------------------

const encoders = {
  gzip: (b: Buffer) => Zlib.gzipSync(b),
  deflate: (b: Buffer) => Zlib.deflateSync(b),
  br: (b: Buffer) => Zlib.brotliCompressSync(b)
} as const

describe("content-encoding is decoded on every HttpClient", () => {
  for (const [name, transport] of transports) {
    it.live(`${name}: gzip, deflate and br bodies decode: errors, successes and streams`, () =>
      Effect.gen(function*() {
        const server = yield* serve((req, res) => {
          const [, coding, kind] = (req.url ?? "").split("/") as [string, keyof typeof encoders, string]
          const encode = encoders[coding]
          if (kind === "limited") {
            const body = JSON.stringify({ error: { code: 2007, message: "too many requests per minute" } })
            res.writeHead(429, { "content-type": "application/json", "content-encoding": coding }).end(encode(Buffer.from(body)))
          } else if (req.headers.accept === "text/event-stream") {
            res.writeHead(200, { "content-type": "text/event-stream", "content-encoding": coding }).end(encode(Buffer.from(sse)))
          } else {
            res.writeHead(200, { "content-type": "application/json", "content-encoding": coding }).end(encode(Buffer.from(okChat)))
          }
        })
        for (const coding of Object.keys(encoders)) {
          const sky = yield* clientFor(`${server.url}/${coding}`, transport)
          const limited = yield* Effect.flip(sky.request({ path: "/limited", body: {} }))
          expect(limited._tag).toBe("RpmLimitExceeded")
          const ok = yield* sky.request({ path: "/ok", body: {} })
          expect(ok).toMatchObject({ choices: [{ message: { content: "decoded fine" } }] })
          const events = yield* Stream.runCollect(
            sky.chatCompletionsStream(chatRequest).pipe(Stream.map((c) => c.choices[0]?.delta.content))
          )
          expect([...events]).toEqual(["one", "two"])
        }
      }).pipe(Effect.scoped))
  }
})

describe("an event stream's text", () => {
  for (const [name, transport] of transports) {
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
        const sky = yield* clientFor(server.url, transport)
        const chunks = yield* Stream.runCollect(sky.chatCompletionsStream(chatRequest))
        expect([...chunks].map((c) => c.choices[0]?.delta.content)).toEqual(contents)
      }).pipe(Effect.scoped))
  }
})

describe("a 2xx body that cannot be decoded from its content-encoding", () => {
  for (const [name, transport] of transports) {
    it.live(`${name}: corrupt, truncated or a bomb: InvalidResponse, not retried, on every HttpClient`, () =>
      Effect.gen(function*() {
        const bodies = [
          Buffer.from("not gzip at all"),
          Zlib.gzipSync(okChat).subarray(0, 12),
          Zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20), { level: 9 })
        ]
        for (const body of bodies) {
          const server = yield* serve((_req, res) =>
            res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" }).end(body))
          const sky = yield* clientFor(server.url, transport, { maxRetries: 2 })
          const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
          expect(error._tag).toBe("InvalidResponse")
          expect(server.seen).toHaveLength(1)
        }
      }).pipe(Effect.scoped), 60_000)
  }
})

describe("a compressed stream decodes event by event", () => {
  for (const [name, transport] of transports) {
    it.live(`${name}: a gzipped stream flushed after each of 500 events gives every event, in order`, () =>
      Effect.gen(function*() {
        const server = yield* serve((_req, res) => {
          res.writeHead(200, { "content-type": "text/event-stream", "content-encoding": "gzip" })
          const gzip = Zlib.createGzip()
          gzip.pipe(res)
          let i = 0
          const next = () => {
            if (i === 500) return void gzip.end("data: [DONE]\n\n")
            gzip.write(chunk(`e${i++}`))
            gzip.flush(() => (i % 50 === 0 ? setTimeout(next, 1) : next()))
          }
          next()
        })
        const sky = yield* clientFor(server.url, transport)
        const events = yield* Stream.runCollect(
          sky.chatCompletionsStream(chatRequest).pipe(Stream.map((c) => c.choices[0]?.delta.content))
        )
        expect([...events]).toEqual(Array.from({ length: 500 }, (_, i) => `e${i}`))
      }).pipe(Effect.scoped))
  }
})

// ---------------------------------------------------------------------------
// 5. An error body that stalls keeps the status and headers
// ---------------------------------------------------------------------------

describe("a stalled error body", () => {
  for (const [name, transport] of transports) {
    it.live(`${name}: a deadline passed while an error body is read keeps its status, request id and headers`, () =>
      Effect.gen(function*() {
        const server = yield* serve((_req, res) => {
          res.writeHead(503, { "content-type": "application/json", "x-request-id": "r-stall" })
          res.write(`{"error":`)
        })
        const sky = yield* clientFor(server.url, transport, { timeout: "300 millis" })
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
  }
})

// ---------------------------------------------------------------------------
// 6. Redirects
// ---------------------------------------------------------------------------

describe("redirects are never followed", () => {
  for (const [name, transport] of transports) {
    for (const status of [301, 302, 307, 308]) {
      it.live(`${name}: a cross-origin ${status} is the server's answer, its Location redacted, the key sent nowhere else`, () =>
        Effect.gen(function*() {
          const elsewhere = yield* serve((_req, res) => {
            res.writeHead(200, { "content-type": "application/json" }).end(okChat)
          })
          const server = yield* serve((_req, res) => {
            res.writeHead(status, { location: `${elsewhere.url}/v1/chat/completions?key=${key}` }).end()
          })
          const sky = yield* clientFor(server.url, transport, { maxRetries: 2 })
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
  }
})

// ---------------------------------------------------------------------------
// Every text an error keeps is capped, also for a 2xx body of the wrong shape
// ---------------------------------------------------------------------------

describe("a 20 MB success body of the wrong shape", () => {
  const huge = JSON.stringify({ unexpected: "x".repeat(20_000_000) })
  for (const [name, transport] of transports) {
    it.scoped(`is an InvalidResponse whose texts stay within their limits (${name})`, () =>
      Effect.gen(function*() {
        const { url } = yield* serve((_req, res) => {
          res.writeHead(200, { "content-type": "application/json" })
          res.end(huge)
        })
        const sky = yield* clientFor(url, transport)
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
        expect(error._tag).toBe("InvalidResponse")
        expect(error.message.length).toBeLessThanOrEqual(8_192)
        if (error._tag === "InvalidResponse") expect((error.issue ?? "").length).toBeLessThanOrEqual(8_192)
        expect((error.body ?? "").length).toBeLessThanOrEqual(65_536)
        expect(error.bodyTruncated).toBe(true)
        // Every rendering stays small: 20 MB in, well under 1 MB out.
        expect(JSON.stringify(error).length).toBeLessThan(200_000)
        expect(String(error).length).toBeLessThan(200_000)
      }))
  }
})

// ---------------------------------------------------------------------------
// A decompression bomb is never held whole
// ---------------------------------------------------------------------------

describe("a compressed body that decodes to hundreds of megabytes", () => {
  // 256 MiB of spaces after a 2007 envelope's head: about 48 KB of br.
  const head = `{"error":{"code":2007,"message":"slow down"},"pad":"`
  const bomb = Zlib.brotliCompressSync(Buffer.concat([Buffer.from(head), Buffer.alloc(256 * 1024 * 1024, 32)]), {
    params: { [Zlib.constants.BROTLI_PARAM_QUALITY]: 1 }
  })

  it.effect("is decoded at most maxDecodedPerChunk at a time, then fails", () =>
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
      // One zlib output buffer past the bound at most; never the 256 MiB.
      expect(total).toBeLessThanOrEqual(ResponseBody.maxDecodedPerChunk + 1024 * 1024)
      expect(largest).toBeLessThanOrEqual(ResponseBody.maxDecodedPerChunk + 1024 * 1024)
    }))

  it.scoped("as a 429's body, still classifies by the code at its head (undici)", () =>
    Effect.gen(function*() {
      const { url } = yield* serve((_req, res) => {
        res.writeHead(429, { "content-type": "application/json", "content-encoding": "br" }).end(bomb)
      })
      const sky = yield* clientFor(url, NodeHttpClient.layerUndici)
      const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
      expect(error._tag).toBe("RpmLimitExceeded")
      expect(error.status).toBe(429)
      expect(error.bodyTruncated).toBe(true)
    }))
})

// ---------------------------------------------------------------------------
// 9. A plain call's deadline aborts its request (HttpClient.withScope)
// ---------------------------------------------------------------------------

/** A server whose first answer stalls after its headers and part of its body; every later one answers whole. */
const stallingFirst = () =>
  Effect.gen(function*() {
    const closed = yield* Deferred.make<void>()
    let n = 0
    const server = yield* serve((req, res) => {
      n += 1
      if (n === 1) {
        req.socket.on("close", () => Deferred.unsafeDone(closed, Exit.void))
        res.writeHead(200, { "content-type": "application/json", "x-request-id": "r-slow-2xx" })
        res.write(`{"id":"c1",`)
        return
      }
      res.writeHead(200, { "content-type": "application/json", "x-request-id": "r-next" })
      res.end(okChat)
    })
    return { ...server, closed }
  })

describe("a 2xx body that stalls past the deadline", () => {
  for (const [name, transport] of [...transports, ["node:http", NodeHttpClient.layer] as const]) {
    it.live(`${name}: is a RequestTimeout with status and request id, its socket closed, the key nowhere; the next call works`, () => {
      const { spans, tracer } = recordingTracer()
      return Effect.gen(function*() {
        const server = yield* stallingFirst()
        const sky = yield* clientFor(server.url, transport, { timeout: "200 millis" })
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
        expect(error._tag).toBe("RequestTimeout")
        expect(error.status).toBe(200)
        expect(error.requestId).toBe("r-slow-2xx")
        for (const text of [inspect(error, { depth: Infinity, showHidden: true }), JSON.stringify(error), String(error)]) {
          expect(text).not.toContain(key)
        }
        // The aborted request's socket goes away, and the same client sends the next call.
        yield* Deferred.await(server.closed)
        const answer = yield* sky.chatCompletions(chatRequest)
        expect(answer.choices[0]?.message.content).toBe("decoded fine")
        expect(spans.length).toBeGreaterThan(0)
        for (const span of spans) for (const text of renderings(span)) expect(text).not.toContain(key)
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
          req.socket.on("close", () => Deferred.unsafeDone(closed, Exit.void))
          res.writeHead(200, { "content-type": "text/event-stream" })
          res.write(chunk("first"))
        })
        const sky = yield* clientFor(server.url, transport)
        const taken = yield* Stream.runCollect(Stream.take(sky.chatCompletionsStream(chatRequest), 1))
        expect([...taken].map((c) => c.choices[0]?.delta.content)).toEqual(["first"])
        yield* Deferred.await(closed)
      }).pipe(Effect.scoped))
  }
})

describe("an attempt that passes its deadline, retried", () => {
  for (const [name, transport] of [...transports, ["node:http", NodeHttpClient.layer] as const]) {
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
            res.writeHead(200, { "content-type": "text/event-stream" })
            res.end(sse)
          } else {
            res.writeHead(200, { "content-type": "application/json" })
            res.end(okChat)
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
  for (const [name, transport] of [...transports, ["node:http", NodeHttpClient.layer] as const]) {
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
          req.socket.on("close", () => Deferred.unsafeDone(closed, Exit.void))
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
  for (const [name, transport] of transports) {
    it.live(`${name}: an endless 2xx body is an InvalidResponse once past the bound, and its socket is released`, () =>
      Effect.gen(function*() {
        const { closed, url } = yield* endlessServer(200, "application/json")
        const sky = yield* clientFor(url, transport)
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
        expect(error._tag).toBe("InvalidResponse")
        expect(error.status).toBe(200)
        expect(error.requestId).toBe("r-big")
        expect(error.message).toContain(`grew past the ${limit}-byte limit`)
        const written = yield* Deferred.await(closed).pipe(Effect.timeout("20 seconds"))
        // The body would be 2 GiB: reading stopped at the bound (and what the buffers held).
        expect(written).toBeGreaterThan(limit)
        expect(written).toBeLessThan(2 * limit)
      }).pipe(Effect.scoped))

    it.live(`${name}: a 2xx body announced larger is refused at its first bytes`, () =>
      Effect.gen(function*() {
        const closed = yield* Deferred.make<number>()
        const server = yield* serve((_req, res) => {
          let written = 0
          const block = Buffer.alloc(64 * 1024, "x")
          res.writeHead(200, { "content-type": "application/json", "content-length": String(2 * limit) })
          const pump = () => {
            while (!res.destroyed && written < 2 * limit) {
              written += block.length
              if (!res.write(block)) return void res.once("drain", pump)
            }
          }
          res.on("close", () => Deferred.unsafeDone(closed, Exit.succeed(written)))
          pump()
        })
        const sky = yield* clientFor(server.url, transport)
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
        expect(error._tag).toBe("InvalidResponse")
        expect(error.message).toContain(`${2 * limit} bytes announced`)
        const written = yield* Deferred.await(closed).pipe(Effect.timeout("20 seconds"))
        expect(written).toBeLessThan(limit / 2)
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
  const bodyServer = serve((req, res) => {
    // Every path is the 429 but /ok.
    const body = req.url === "/ok" ? okChat : errorBody
    res.writeHead(req.url === "/ok" ? 200 : 429, {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body))
    })
    res.end(body)
  })
  // As the client sends (`HttpClient.withScope`: the platform's own response, not its interruptible wrapper).
  const execute = (transport: Layer.Layer<HttpClient.HttpClient>, url: string) =>
    Effect.flatMap(HttpClient.HttpClient, (client) => HttpClient.withScope(client).get(url)).pipe(
      Effect.provide(transport)
    )
  const memo = (response: unknown) => (response as { readonly arrayBufferBody?: unknown; readonly textBody?: unknown })

  for (const [name, transport] of transports) {
    it.live(`${name}: an error body and a 2xx body are read whole without the platform's memo`, () =>
      Effect.gen(function*() {
        const { url } = yield* bodyServer
        const failed = yield* execute(transport, `${url}/error`)
        const body = yield* ResponseBody.collectedBody(failed)
        expect(new TextDecoder().decode(body.bytes)).toBe(errorBody)
        expect(body.complete).toBe(true)
        expect(memo(failed).arrayBufferBody).toBeUndefined()
        const ok = yield* execute(transport, `${url}/ok`)
        expect(yield* ResponseBody.decodedText(ok)).toBe(okChat)
        expect(memo(ok).textBody).toBeUndefined()
        expect(memo(ok).arrayBufferBody).toBeUndefined()
      }).pipe(Effect.scoped))

    it.live(`${name}: a body already read through the platform is read through it again, not lost`, () =>
      Effect.gen(function*() {
        const { url } = yield* bodyServer
        const failed = yield* execute(transport, `${url}/error`)
        yield* failed.arrayBuffer
        const body = yield* ResponseBody.collectedBody(failed)
        expect(new TextDecoder().decode(body.bytes)).toBe(errorBody)
        expect(body.complete).toBe(true)
        const ok = yield* execute(transport, `${url}/ok`)
        yield* ok.text
        expect(yield* ResponseBody.decodedText(ok)).toBe(okChat)
      }).pipe(Effect.scoped))

    it.live(`${name}: the client's 429 and its answer are the same read either way`, () =>
      Effect.gen(function*() {
        const { url } = yield* bodyServer
        const sky = yield* clientFor(url, transport)
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
  const execute = (transport: Layer.Layer<HttpClient.HttpClient>, url: string) =>
    Effect.flatMap(HttpClient.HttpClient, (client) => HttpClient.withScope(client).get(url)).pipe(
      Effect.provide(transport)
    )
  for (const [name, transport] of transports) {
    it.live(`${name}: reading stops at the scan limit, not at the decoded body's end`, () =>
      Effect.gen(function*() {
        const { url } = yield* bombServer
        const failed = yield* execute(transport, `${url}/error`)
        const body = yield* ResponseBody.collectedBody(failed)
        expect(body.complete).toBe(false)
        expect(body.seenBytes).toBeLessThan(decoded / 2)
      }).pipe(Effect.scoped))
  }
})

describe("a client that fails on a status itself (HttpClient.filterStatusOk)", () => {
  const errorBody = JSON.stringify({ error: { message: `invalid key ${key}`, type: "authentication_error", code: 1001 } })
  for (const [name, transport] of transports) {
    it.live(`${name}: its failure is the gateway's answer, classified and scrubbed, not a ConnectionError retried`, () =>
      Effect.gen(function*() {
        const server = yield* serve((_req, res) => {
          res.writeHead(401, { "content-type": "application/json", "x-request-id": "r-401" })
          res.end(errorBody)
        })
        const sky = yield* clientFor(server.url, Layer.map(transport, (context) =>
          Context.add(context, HttpClient.HttpClient, HttpClient.filterStatusOk(Context.get(context, HttpClient.HttpClient)))), { maxRetries: 2 })
        const error = yield* Effect.flip(sky.chatCompletions(chatRequest))
        expect(error.status).toBe(401)
        expect(error.requestId).toBe("r-401")
        expect(error._tag).not.toBe("ConnectionError")
        expect(error.message).toBe("invalid key <redacted>")
        expect(server.seen.length).toBe(1)
        for (const text of [inspect(error, { depth: Infinity }), JSON.stringify(error), String(error)]) expect(text).not.toContain(key)
      }).pipe(Effect.scoped))
  }
})

describe("an error body announced small and cut by a reset keeps the bytes that came, on every transport", () => {
  // A 500 announces 2000 bytes of JSON, sends 1000, then the socket is reset.
  const sent = `{"error":{"message":"upstream broke","type":"server_error","detail":"${"x".repeat(1000)}`.slice(0, 1000)
  // Reset a while after the bytes (the client is reading), or as soon as they are written.
  const cutServer = (delay: number) =>
    serve((_req, res) => {
      res.writeHead(500, { "content-type": "application/json", "content-length": "2000" })
      res.write(sent, () => (delay === 0 ? res.socket?.destroy() : setTimeout(() => res.socket?.destroy(), delay)))
    })
  for (const [name, transport] of [...transports, ["node:http", NodeHttpClient.layer] as const]) {
    for (const delay of [30, 0]) {
      it.live(`${name}: the error keeps the 1000 bytes and says its body was truncated (reset after ${delay} ms)`, () =>
        Effect.gen(function*() {
          const { url } = yield* cutServer(delay)
          const sky = yield* clientFor(url, transport)
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
  const sent = `{"error":{"message":"Incorrect API key provided: ${key.slice(0, 25)}`
  for (const [name, layer] of [...transports, ["node:http", NodeHttpClient.layer] as const]) {
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
          expect(text).not.toContain(key.slice(0, 8))
        }
      }).pipe(Effect.scoped))
  }
})

describe("a stream whose body ends in the middle of an event that echoes the key does not show the start of the key", () => {
  const echo = `{"error":{"message":"Incorrect API key provided: ${key.slice(0, 25)}`
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
          expect(text).not.toContain(key.slice(0, 8))
        }
        expect(JSON.stringify(error)).toContain("Incorrect API key provided: <redacted>")
      }).pipe(Effect.scoped))
  }
})
