import { describe, expect, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Stream } from "effect"
import { chatRequest, chunk, clientFor } from "./support/client.js"
import { serve, transports } from "./support/loopback.js"

/** A server that answers nothing (or a stream that never ends) and reports when the client's socket closes. */
const hangingServer = (mode: "silent" | "endless-stream" | "stalled-error-body") =>
  Effect.gen(function*() {
    const closed = yield* Deferred.make<void>()
    const server = yield* serve((req, res) => {
      req.on("close", () => Deferred.doneUnsafe(closed, Exit.void))
      res.on("close", () => Deferred.doneUnsafe(closed, Exit.void))
      if (mode === "stalled-error-body") {
        res.writeHead(503, { "content-type": "application/json", "x-request-id": "r-stall" })
        res.write(`{"error":`)
      }
      if (mode === "endless-stream") {
        res.writeHead(200, { "content-type": "text/event-stream" })
        res.write(chunk("first"))
      }
    })
    return { url: server.url, closed }
  })

describe("interruption", () => {
  for (const [name, transport] of transports) {
    it.live(`${name}: interrupting a pending call aborts the socket and is not reported as an error`, () =>
      Effect.gen(function*() {
        const { closed, url } = yield* hangingServer("silent")
        const client = yield* clientFor(url, transport, { maxRetries: 2 })
        const fiber = yield* Effect.forkChild(client.chatCompletions(chatRequest))
        yield* Effect.sleep("150 millis")
        yield* Fiber.interrupt(fiber)
        const exit = yield* Fiber.await(fiber)
        expect(Exit.hasInterrupts(exit)).toBe(true)
        if (Exit.isFailure(exit)) expect(Cause.hasFails(exit.cause)).toBe(false)
        // The server sees the client's socket go away.
        yield* Deferred.await(closed).pipe(Effect.timeout("2 seconds"))
      }).pipe(Effect.scoped))

    it.live(`${name}: interrupting a call while its error body is read aborts the socket and stays an interruption`, () =>
      Effect.gen(function*() {
        const { closed, url } = yield* hangingServer("stalled-error-body")
        const client = yield* clientFor(url, transport)
        const fiber = yield* Effect.forkChild(client.chatCompletions(chatRequest))
        yield* Effect.sleep("150 millis")
        yield* Fiber.interrupt(fiber)
        const exit = yield* Fiber.await(fiber)
        expect(Exit.hasInterrupts(exit)).toBe(true)
        if (Exit.isFailure(exit)) expect(Cause.hasFails(exit.cause)).toBe(false)
        yield* Deferred.await(closed).pipe(Effect.timeout("2 seconds"))
      }).pipe(Effect.scoped))

    it.live(`${name}: interrupting a stream mid-way closes the connection`, () =>
      Effect.gen(function*() {
        const { closed, url } = yield* hangingServer("endless-stream")
        const client = yield* clientFor(url, transport)
        const first = yield* Deferred.make<string>()
        const fiber = yield* Effect.forkChild(
          Stream.runForEach(client.chatCompletionsStream(chatRequest), (c) =>
            Deferred.succeed(first, c.choices[0]?.delta.content ?? ""))
        )
        expect(yield* Deferred.await(first)).toBe("first")
        yield* Fiber.interrupt(fiber)
        expect(Exit.hasInterrupts(yield* Fiber.await(fiber))).toBe(true)
        yield* Deferred.await(closed).pipe(Effect.timeout("2 seconds"))
      }).pipe(Effect.scoped))
  }
})
