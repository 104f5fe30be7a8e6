import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Redacted } from "effect"
import type * as HttpClient from "effect/http/HttpClient"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServer from "effect/http/HttpServer"
import { createServer } from "node:http"
import { describe as describeError, withCatchTags } from "../examples/catchTags.js"
import { proxy } from "../examples/proxy.js"
import { answer } from "../examples/quickstart.js"
import { survivesRateLimits } from "../examples/testing.js"
import { SkyClient, SkyError } from "../src/index.js"
import * as SkyMock from "../src/SkyMock.js"

// The README's examples, run against the double.
describe("examples", () => {
  it.live("quickstart: the exhaustive handler turns every failure into an answer", () =>
    Effect.gen(function*() {
      expect(yield* answer("hello")).toBe("echo: hello")
      const mock = yield* SkyMock.SkyMock
      yield* mock.enqueue(SkyMock.Fault.ErrorResponse({ code: 2103 }))
      expect(yield* answer("hello")).toBe("the account is overdue")
      yield* mock.enqueue(SkyMock.Fault.ErrorResponse({ code: 2101 }))
      expect(yield* answer("hello")).toBe("check SKYENGINE_API_KEY")
      yield* mock.enqueue(SkyMock.Fault.ErrorResponse({ code: 2007, retryAfterMillis: 20 }))
      expect(yield* answer("hello")).toBe("too many requests; retry after 20ms")
      yield* mock.enqueue(SkyMock.Fault.Html502())
      expect(yield* answer("hello")).toMatch(/^HTTP 502: .*Bad Gateway/)
    }).pipe(Effect.provide(SkyMock.layerClient({ client: { maxRetries: 0 } }))))

  it.live("quickstart: every tag the double can produce reaches its own handler", () =>
    Effect.gen(function*() {
      const mock = yield* SkyMock.SkyMock
      const answers = new Set<string>()
      for (const code of [2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008, 2101, 2102, 2103, 2104, 2105, 2106] as const) {
        yield* mock.enqueue(SkyMock.Fault.ErrorResponse({ code }))
        answers.add(yield* answer("hello"))
      }
      expect(answers.size).toBe(14)
    }).pipe(Effect.provide(SkyMock.layerClient({ client: { maxRetries: 0 } }))))

  it.live("catchTags: the groups catch their rows first", () =>
    Effect.gen(function*() {
      const mock = yield* SkyMock.SkyMock
      yield* mock.enqueue(SkyMock.Fault.ErrorResponse({ code: 2008 }))
      expect(yield* withCatchTags("x")).toBe("tokens per minute")
      yield* mock.enqueue(SkyMock.Fault.ErrorResponse({ code: 2104 }))
      expect(yield* withCatchTags("x")).toBe("fix the request (2104): specified model is not found")
      yield* mock.enqueue(SkyMock.Fault.ErrorResponse({ code: 2102 }))
      expect(yield* withCatchTags("x")).toBe("no access")
    }).pipe(Effect.provide(SkyMock.layerClient({ client: { maxRetries: 0 } }))))

  it("catchTags: describe uses the catalogue", () => {
    expect(describeError(new SkyError.TpmLimitExceeded({ message: "slow down" }))).toBe(
      "TpmLimitExceeded (2008): slow down [retryable: true; " + SkyError.catalogue.TpmLimitExceeded.remedy + "]"
    )
  })

  it.live("testing: a service survives two rate limits", () =>
    Effect.gen(function*() {
      expect(yield* survivesRateLimits).toEqual({ summary: "echo: a long text", attempts: [1, 2, 3] })
    }))
})

// The proxy from the README, served on loopback, with the double as its upstream SkyEngine.
const ProxyLive = HttpRouter.serve(proxy, { disableLogger: true, disableListenLog: true }).pipe(
  Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
  Layer.provide(SkyMock.layerClient())
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

const run = <A, E>(self: Effect.Effect<A, E, HttpServer.HttpServer | HttpClient.HttpClient>) =>
  self.pipe(Effect.provide(NodeHttpClient.layerUndici), Effect.provide(ProxyLive))

describe("a proxy that answers in the gateway's wire format (examples/proxy.ts)", () => {
  it.live("forwards a success", () =>
    Effect.gen(function*() {
      const client = yield* downstream
      const completion = yield* client.chatCompletions({
        model: "m",
        messages: [{ role: "user", content: "through the proxy" }]
      })
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
