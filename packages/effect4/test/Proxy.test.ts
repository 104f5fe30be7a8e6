// The README's proxy (examples/proxy.ts), which answers in the gateway's wire format, served on 127.0.0.1 with the double as its upstream SkyEngine, and called by this library over both transports.
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Redacted } from "effect"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { createServer } from "node:http"
import type * as HttpClient from "effect/http/HttpClient"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServer from "effect/http/HttpServer"
import { SkyClient } from "../src/index.js"
import * as SkyMock from "../src/SkyMock.js"
import { transports } from "./support/loopback.js"
import { proxy } from "../examples/proxy.js"

const ProxyLive = HttpRouter.serve(proxy, { disableLogger: true, disableListenLog: true }).pipe(
  Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
  Layer.provide(SkyMock.layerClient({}))
)

/** A client of the proxy, as any user of this library would build it. */
const downstream = Effect.gen(function*() {
  const server = yield* HttpServer.HttpServer
  return yield* SkyClient.make({
    apiKey: Redacted.make(SkyMock.defaultApiKey),
    baseUrl: HttpServer.formatAddress(server.address),
    maxRetries: 0
  })
})

describe.each(transports)("a proxy that answers in the gateway's wire format (%s)", (_, transport) => {
  // The downstream client's own transport.
  const run = <A, E>(self: Effect.Effect<A, E, HttpServer.HttpServer | HttpClient.HttpClient>) =>
    self.pipe(Effect.provide(transport), Effect.provide(ProxyLive))

  it.live("forwards a success", () =>
    Effect.gen(function*() {
      const client = yield* downstream
      const completion = yield* client.chatCompletions({ model: "m", messages: [{ role: "user", content: "through the proxy" }] })
      expect(completion.choices[0]?.message.content).toBe("echo: through the proxy")
    }).pipe(run))

  it.live("relays an upstream 2007 with its wait and request id", () =>
    Effect.gen(function*() {
      const client = yield* downstream
      const error = yield* Effect.flip(
        client.chatCompletions({ model: "sky-mock/error:2007,retry-after=3", messages: [{ role: "user", content: "hi" }] })
      )
      expect(error._tag).toBe("RpmLimitExceeded")
      expect(error.status).toBe(429)
      expect(error.retryAfter && Duration.toMillis(error.retryAfter)).toBe(3000)
      expect(error.requestId).toMatch(/^[0-9a-f]{32}$/)
    }).pipe(run))

  it.live("relays a client-side failure upstream (a reset) as a ConnectionError", () =>
    Effect.gen(function*() {
      const client = yield* downstream
      const error = yield* Effect.flip(
        client.chatCompletions({ model: "sky-mock/reset-before-headers", messages: [{ role: "user", content: "hi" }] })
      )
      expect(error._tag).toBe("ConnectionError")
      expect(error.status).toBe(502)
    }).pipe(run))

  it.live("answers its own invalid-request failure as 2005", () =>
    Effect.gen(function*() {
      const client = yield* downstream
      const error = yield* Effect.flip(client.request({ path: "/v1/chat/completions", body: { messages: "not a list" } }))
      expect(error._tag).toBe("RequestParseFailed")
      expect(error.status).toBe(400)
      expect(error.message).toContain("invalid request")
    }).pipe(run))
})
