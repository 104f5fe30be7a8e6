// The Effect 4 line's wrapper of the core double: the scope and the layer own the server, failures to listen are
// SkyMockListenError, enqueue takes this line's Fault values, requests/clear are effects, parseFault returns a
// Result. What the server answers, checks, records and injects is asserted once, in packages/core/test/MockHttp.test.ts.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Result } from "effect"
import * as SkyMock from "../src/SkyMock.js"

const key = "ak-" + "a".repeat(32)
const chat = { model: "doubao-seed-1-6", messages: [{ role: "user", content: "hi" }] }

const send = (url: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(url + "/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(chat)
  })

/** The status of a chat completion sent to `url`. */
const status = (url: string, headers: Record<string, string> = {}): Effect.Effect<number> =>
  Effect.promise(async () => {
    const response = await send(url, headers)
    await response.arrayBuffer()
    return response.status
  })

/** A chat completion that must fail at the transport level: the error's text. */
const fails = (url: string): Effect.Effect<string> =>
  Effect.promise(() => send(url).then((r) => `answered ${r.status}`, (error: unknown) => String(error)))

describe("SkyMock in a scope", () => {
  it.live("make listens on 127.0.0.1; requests and clear are effects over its records", () =>
    Effect.gen(function*() {
      const mock = yield* SkyMock.make()
      expect(mock.url).toBe(`http://127.0.0.1:${mock.port}`)
      expect(yield* status(mock.url)).toBe(200)
      const [record] = yield* mock.requests
      expect(record).toMatchObject({ method: "POST", path: "/v1/chat/completions", authorized: true, body: chat })
      yield* mock.clear
      expect(yield* mock.requests).toEqual([])
    }))

  it.live("enqueue takes this line's Fault values, one per request, before the header's", () =>
    Effect.gen(function*() {
      const mock = yield* SkyMock.make()
      yield* mock.enqueue(SkyMock.Fault.ErrorResponse({ code: 2105 }), 2)
      const statuses: Array<number> = []
      for (let i = 0; i < 3; i++) statuses.push(yield* status(mock.url, { [SkyMock.faultHeader]: "error:2001" }))
      expect(statuses).toEqual([500, 500, 400])
      expect((yield* mock.requests).map((r) => r.fault)).toEqual(["error:2105", "error:2105", "error:2001"])
      yield* mock.enqueue(SkyMock.Fault.Html502())
      yield* mock.clear
      expect(yield* status(mock.url)).toBe(200)
    }))

  it.live("closing the scope closes a stalled request, stops the server and frees the port", () =>
    Effect.gen(function*() {
      const { pending, port, url } = yield* Effect.scoped(Effect.gen(function*() {
        const mock = yield* SkyMock.make()
        const pending = send(mock.url, { [SkyMock.faultHeader]: "stall" }).then(
          () => "answered",
          (error: unknown) => `failed: ${String(error)}`
        )
        yield* Effect.sleep("100 millis")
        expect((yield* mock.requests).map((r) => r.fault)).toEqual(["stall"])
        return { pending, port: mock.port, url: mock.url }
      }))
      expect(yield* Effect.promise(() => pending)).toContain("failed")
      expect(yield* fails(url)).toContain("fetch failed")
      const again = yield* Effect.scoped(Effect.map(SkyMock.make({ port }), (mock) => mock.port))
      expect(again).toBe(port)
    }))

  it.live("a taken port fails with SkyMockListenError", () =>
    Effect.gen(function*() {
      const mock = yield* SkyMock.make()
      const exit = yield* Effect.exit(Effect.scoped(SkyMock.make({ port: mock.port })))
      expect(Exit.isFailure(exit)).toBe(true)
      const error = yield* Effect.flip(Effect.scoped(SkyMock.make({ port: mock.port })))
      expect(error).toBeInstanceOf(SkyMock.SkyMockListenError)
      expect(error._tag).toBe("SkyMockListenError")
      expect(error.code).toBe("EADDRINUSE")
      expect(error.port).toBe(mock.port)
      expect(error.message).toContain(`127.0.0.1:${mock.port}`)
      const invalid = yield* Effect.flip(Effect.scoped(SkyMock.make({ port: 70_000 })))
      expect(invalid._tag).toBe("SkyMockListenError")
      expect(invalid.code).toBe("ERR_SOCKET_BAD_PORT")
    }))

  it.live("layer provides the service while it is built and stops the server after", () =>
    Effect.gen(function*() {
      const url = yield* Effect.gen(function*() {
        const mock = yield* SkyMock.SkyMock
        expect(yield* status(mock.url)).toBe(200)
        expect(yield* mock.requests).toHaveLength(1)
        return mock.url
      }).pipe(Effect.provide(SkyMock.layer({ rpm: 1 })))
      expect(yield* fails(url)).toContain("fetch failed")
    }))
})

describe("parseFault", () => {
  const { Fault } = SkyMock

  it("returns a Result of this line's Fault values; formatFault prints them back", () => {
    const faults: ReadonlyArray<SkyMock.Fault> = [
      Fault.ErrorResponse({ code: 2008, shape: "anthropic", retryAfterMillis: 2000, shouldRetry: true }),
      Fault.Html502(),
      Fault.Latency({ millis: 250 }),
      Fault.MidStreamError({ code: 2003, after: 2 }),
      Fault.StreamCut({ after: 5 })
    ]
    for (const fault of faults) expect(SkyMock.parseFault(SkyMock.formatFault(fault))).toEqual(Result.succeed(fault))
    expect(SkyMock.parseFault("error:2101, shape=openai")).toEqual(Result.succeed(Fault.ErrorResponse({ code: 2101, shape: "openai" })))
    expect(SkyMock.formatFault(Fault.StreamCut({ after: 2 }))).toBe("stream-cut,after=2")
  })

  it("a bad spec is a failure with the core's message", () => {
    const parsed = SkyMock.parseFault("error:9999")
    expect(Result.isFailure(parsed)).toBe(true)
    expect(Result.isFailure(parsed) ? parsed.failure : "").toContain(`"9999" is not a SkyEngine error code`)
  })
})
