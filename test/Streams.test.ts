import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Option, Redacted } from "effect"
import { SkyClient, SkyError } from "../src/index.js"
import * as Messages from "../src/Messages.js"
import { isMeaningful, maxJsonDepth, parseJson } from "../src/internal/json.js"

const apiKey = Redacted.make("ak-streams-test-key-0123456789")

/** An in-memory gateway that answers every request with one body. */
const answering = (body: string, contentType = "text/event-stream") =>
  Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request) =>
      Effect.sync(() =>
        HttpClientResponse.fromWeb(request, new Response(body, { status: 200, headers: { "content-type": contentType } }))
      )
    )
  )

const clientOver = (http: Layer.Layer<HttpClient.HttpClient>) =>
  SkyClient.layer({ apiKey, baseUrl: "http://gw.test", maxRetries: 0 }).pipe(Layer.provide(http))

/** `{"a":{"a":...1...}}`, `levels` objects deep. */
const deep = (levels: number): string => `${"{\"a\":".repeat(levels - 1)}{"a":1}${"}".repeat(levels - 1)}`

/** The failure a run ends with: a SkyError, never a defect. */
const failureOf = <A>(exit: Exit.Exit<A, SkyError.SkyError>): SkyError.SkyError => {
  expect(Exit.isFailure(exit)).toBe(true)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  expect(Cause.isDie(exit.cause)).toBe(false)
  const failure = Cause.failureOption(exit.cause)
  expect(Option.isSome(failure)).toBe(true)
  return Option.getOrThrow(failure)
}

const chat = { model: "m", messages: [{ role: "user" as const, content: "hi" }] }

const startMessage = {
  id: "msg_1",
  type: "message",
  role: "assistant",
  model: "claude",
  content: [],
  stop_reason: null,
  stop_sequence: null,
  usage: { input_tokens: 1, output_tokens: 1 }
}

/** The four routes by which a server's JSON reaches a walk in the client, each carrying `json`. */
const routes: ReadonlyArray<readonly [string, (json: string) => Effect.Effect<unknown, SkyError.SkyError>]> = [
  ["an SSE data event with an error field", (json) =>
    Effect.flatMap(SkyClient.SkyClient, (sky) =>
      SkyClient.collectChatCompletion(sky.chatCompletionsStream(chat))).pipe(
        Effect.provide(clientOver(answering(`data: {"error":${json}}\n\n`)))
      )],
  ["a JSON answer to a stream request", (json) =>
    Effect.flatMap(SkyClient.SkyClient, (sky) =>
      SkyClient.collectChatCompletion(sky.chatCompletionsStream(chat))).pipe(
        Effect.provide(clientOver(answering(`{"error":${json}}`, "application/json")))
      )],
  ["response.error of a failed response event", (json) =>
    Effect.flatMap(SkyClient.SkyClient, (sky) =>
      SkyClient.collectResponse(sky.responsesStream({ model: "m", input: "hi" }))).pipe(
        Effect.provide(clientOver(answering(
          `data: {"type":"response.failed","sequence_number":1,"response":{"id":"r","object":"response","created_at":0,"status":"failed","model":"m","output":[],"error":${json}}}\n\n`
        )))
      )],
  ["a usage field folded by collectMessage", (json) =>
    Effect.flatMap(SkyClient.SkyClient, (sky) =>
      SkyClient.collectMessage(sky.messagesStream({ model: "m", max_tokens: 10, messages: [] }))).pipe(
        Effect.provide(clientOver(answering([
          `event: message_start\ndata: ${
            JSON.stringify({ type: "message_start", message: startMessage }).replace(`"output_tokens":1`, `"output_tokens":1,"extra":${json}`)
          }\n\n`,
          `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":3,"extra":${json}}}\n\n`,
          `event: message_stop\ndata: {"type":"message_stop"}\n\n`
        ].join(""))))
      )]
]

describe("Streams: JSON nested without bound", () => {
  for (const [name, run] of routes) {
    for (const levels of [5_000, 100_000]) {
      it.effect(`${name}, ${levels} levels deep, is an InvalidResponse, not a defect`, () =>
        Effect.gen(function*() {
          const error = failureOf(yield* Effect.exit(run(deep(levels))))
          expect(error._tag).toBe("InvalidResponse")
          expect(error.message).toContain(`nested deeper than ${maxJsonDepth} levels`)
          // The error renders without walking the deep value.
          expect(() => JSON.stringify(error.toJSON())).not.toThrow()
          expect(() => Cause.pretty(Cause.fail(error))).not.toThrow()
        }))
    }
  }

  it.effect("an `event: error` whose data is too deep is still the error the gateway sent", () =>
    Effect.gen(function*() {
      const body = `event: error\ndata: {"error":{"code":2007,"message":"slow down","junk":${deep(100_000)}}}\n\n`
      const exit = yield* Effect.exit(
        Effect.flatMap(SkyClient.SkyClient, (sky) => SkyClient.collectChatCompletion(sky.chatCompletionsStream(chat)))
          .pipe(Effect.provide(clientOver(answering(body))))
      )
      expect(failureOf(exit)._tag).toBe("RpmLimitExceeded")
    }))

  it.effect("a usage field nested just within the bound is folded", () =>
    Effect.gen(function*() {
      const [, fold] = routes[3]!
      const message = yield* fold(deep(maxJsonDepth - 3))
      expect((message as { usage: { output_tokens: number } }).usage.output_tokens).toBe(3)
    }))
})

describe("parseJson", () => {
  it("counts only brackets outside strings, and any escape inside them", () => {
    const inString = `{"s":"${"[{".repeat(2000)}\\"${"[".repeat(2000)}"}`
    expect(parseJson(inString)._tag).toBe("Right")
    expect(parseJson(deep(maxJsonDepth))._tag).toBe("Right")
    const over = parseJson(deep(maxJsonDepth + 1))
    expect(over._tag === "Left" && over.problem.message).toBe(`JSON nested deeper than ${maxJsonDepth} levels`)
    expect(parseJson(`[${"[".repeat(600)}`)._tag).toBe("Left")
    const broken = parseJson("{")
    expect(broken._tag === "Left" && broken.problem.message.startsWith("not JSON")).toBe(true)
  })

  it("isMeaningful walks a value of any depth without recursion", () => {
    let value: unknown = 0
    for (let i = 0; i < 200_000; i++) value = i % 2 === 0 ? { a: value } : [value]
    expect(isMeaningful(value)).toBe(false)
    let meaningful: unknown = "x"
    for (let i = 0; i < 200_000; i++) meaningful = { a: meaningful, b: 0 }
    expect(isMeaningful(meaningful)).toBe(true)
    expect(isMeaningful({ a: "", b: [0, null, { c: false }] })).toBe(false)
  })
})

describe("parseJson at every wire parse", () => {
  it.effect("a plain call answered with JSON nested too deep is an InvalidResponse", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Effect.flatMap(SkyClient.SkyClient, (sky) => sky.request({ path: "/v1/anything" })).pipe(
          Effect.provide(clientOver(answering(deep(100_000), "application/json")))
        )
      )
      const error = failureOf(exit)
      expect(error._tag).toBe("InvalidResponse")
      expect(error.message).toContain(`nested deeper than ${maxJsonDepth} levels`)
    }))

  it("collectMessage keeps a tool input nested too deep as its raw text", () => {
    const raw = deep(5_000)
    const message = Messages.accumulate([
      { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "t", name: "f", input: {} } },
      { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: raw } }
    ] as unknown as ReadonlyArray<Messages.MessageStreamEvent>)
    expect((message.content[0] as { input: unknown }).input).toBe(raw)
  })
})
