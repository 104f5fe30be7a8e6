import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { FetchHttpClient, type HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Context, Deferred, Effect, Exit, Fiber, Layer, Redacted, Stream } from "effect"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { SkyClient } from "../src/index.js"

/**
 * A server that answers nothing (or a stream that never ends) and reports
 * when the client's socket closes.
 */
const hangingServer = (mode: "silent" | "endless-stream" | "stalled-error-body") =>
  Effect.acquireRelease(
    Effect.async<{ readonly server: Server; readonly url: string; readonly closed: Deferred.Deferred<void> }>((resume) => {
      const closed = Deferred.unsafeMake<void>(undefined as never)
      const server = createServer((req, res) => {
        req.on("close", () => Deferred.unsafeDone(closed, Exit.void))
        res.on("close", () => Deferred.unsafeDone(closed, Exit.void))
        if (mode === "stalled-error-body") {
          res.writeHead(503, { "content-type": "application/json", "x-request-id": "r-stall" })
          res.write(`{"error":`)
        }
        if (mode === "endless-stream") {
          res.writeHead(200, { "content-type": "text/event-stream" })
          res.write(`data: ${JSON.stringify({ id: "a", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: { content: "first" } }] })}\n\n`)
        }
      })
      server.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, closed })))
    }),
    ({ server }) => Effect.async<void>((resume) => {
      server.closeAllConnections()
      server.close(() => resume(Effect.void))
    })
  )

/** The client, with its transport alive for the rest of the test's scope. */
const clientFor = (url: string, transport: Layer.Layer<HttpClient.HttpClient>) =>
  Layer.build(
    SkyClient.layer({ apiKey: Redacted.make("ak-" + "1".repeat(32)), baseUrl: url }).pipe(Layer.provide(transport))
  ).pipe(Effect.map(Context.get(SkyClient.SkyClient)))

const transports = [
  ["undici", NodeHttpClient.layerUndici],
  ["fetch", FetchHttpClient.layer]
] as const

const request = { model: "m", messages: [{ role: "user" as const, content: "hi" }] }

describe("interruption", () => {
  for (const [name, transport] of transports) {
    it.live(`${name}: interrupting a pending call aborts the socket and is not reported as an error`, () =>
      Effect.gen(function*() {
        const { closed, url } = yield* hangingServer("silent")
        const client = yield* clientFor(url, transport)
        const fiber = yield* Effect.fork(client.chatCompletions(request))
        yield* Effect.sleep("150 millis")
        const exit = yield* Fiber.interrupt(fiber)
        expect(Exit.isInterrupted(exit)).toBe(true)
        if (Exit.isFailure(exit)) expect(Cause.isInterruptedOnly(exit.cause)).toBe(true)
        // The server sees the client's socket go away.
        yield* Deferred.await(closed).pipe(Effect.timeout("2 seconds"))
      }).pipe(Effect.scoped))

    it.live(`${name}: interrupting a call while its error body is read aborts the socket and stays an interruption`, () =>
      Effect.gen(function*() {
        const { closed, url } = yield* hangingServer("stalled-error-body")
        const client = yield* clientFor(url, transport)
        const fiber = yield* Effect.fork(client.chatCompletions(request))
        yield* Effect.sleep("150 millis")
        const exit = yield* Fiber.interrupt(fiber)
        expect(Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)).toBe(true)
        yield* Deferred.await(closed).pipe(Effect.timeout("2 seconds"))
      }).pipe(Effect.scoped))

    it.live(`${name}: interrupting a stream mid-way closes the connection`, () =>
      Effect.gen(function*() {
        const { closed, url } = yield* hangingServer("endless-stream")
        const client = yield* clientFor(url, transport)
        const first = yield* Deferred.make<string>()
        const fiber = yield* Effect.fork(
          Stream.runForEach(client.chatCompletionsStream(request), (chunk) =>
            Deferred.succeed(first, chunk.choices[0]?.delta.content ?? ""))
        )
        expect(yield* Deferred.await(first)).toBe("first")
        const exit = yield* Fiber.interrupt(fiber)
        expect(Exit.isInterrupted(exit)).toBe(true)
        yield* Deferred.await(closed).pipe(Effect.timeout("2 seconds"))
      }).pipe(Effect.scoped))
  }
})
