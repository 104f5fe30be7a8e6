/**
 * `sky demo`: every failure this library handles, produced on demand by the
 * SkyEngine double and decoded by `SkyClient`.
 *
 * @internal
 */
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as SkyClient from "../SkyClient.js"
import * as SkyError from "../SkyError.js"
import * as SkyMock from "../SkyMock.js"
import * as SkyWire from "../SkyWire.js"
import { width, wrap } from "../../packages/core/src/demo.js"

type Expected = SkyError.Tag | "success"

interface Case {
  readonly name: string
  /** The `x-sky-mock` fault spec, if any. */
  readonly fault?: string
  /** What the wire carried, as the demo prints it. */
  readonly shape: string
  readonly stream?: boolean
  readonly timeout?: Duration.DurationInput
  /** Headers the caller adds to the request. */
  readonly headers?: Readonly<Record<string, string>>
  readonly expected: Expected
}

interface Outcome {
  readonly name: string
  /** What the wire carried and what the client made of it, e.g. "HTTP 429, OpenAI body -> RpmLimitExceeded". */
  readonly result: string
  /** The retry decision and what the handler did, as a sentence. */
  readonly detail: string
  readonly passed: boolean
}

/** How each body shape reads in the demo. */
const shapeNames: Readonly<Record<string, string>> = {
  gateway: "gateway envelope",
  anthropic: "Anthropic body",
  openai: "OpenAI body",
  problem: "problem+json body"
}

const tableCases: ReadonlyArray<Case> = SkyError.tags.flatMap((tag, index) => {
  const meta: SkyError.CatalogueEntry = SkyError.catalogue[tag]
  if (meta.code === undefined) return []
  const shape = SkyWire.shapes[index % SkyWire.shapes.length]!
  return [{
    name: `code ${meta.code}`,
    fault: `error:${meta.code},shape=${shape},retry-after=1`,
    shape: shapeNames[shape] ?? shape,
    expected: tag
  }]
})

const cases: ReadonlyArray<Case> = [
  { name: "chat completion", shape: "JSON", expected: "success" },
  { name: "chat stream", shape: "event stream", stream: true, expected: "success" },
  ...tableCases,
  { name: "HTML 502 from a proxy", fault: "html502", shape: "HTML page", expected: "UnknownGatewayError" },
  { name: "socket reset", fault: "reset-before-headers", shape: "no answer", expected: "ConnectionError" },
  { name: "stall past the timeout", fault: "stall", shape: "no answer", timeout: "300 millis", expected: "RequestTimeout" },
  {
    name: "header with a line break",
    headers: { "x-note": "first line\r\nsecond line" },
    shape: "nothing sent",
    expected: "InvalidRequest"
  },
  { name: "truncated JSON", fault: "truncated-json", shape: "JSON cut in half", expected: "InvalidResponse" },
  { name: "error mid-stream", fault: "mid-stream-error:2003", shape: "event stream", stream: true, expected: "UpstreamTimeout" },
  { name: "stream cut short", fault: "stream-cut", shape: "event stream cut short", stream: true, expected: "InvalidResponse" }
]

/** What the application does for each tag: the exhaustive handler of the demo. */
const handler = <R>(self: Effect.Effect<string, SkyError.SkyError, R>): Effect.Effect<string, never, R> =>
  self.pipe(SkyError.handleAll({
    UnclassifiedLlmError: () => Effect.succeed("showed the model's message"),
    UpstreamUnavailable: () => Effect.succeed("switched to a fallback model"),
    UpstreamTimeout: () => Effect.succeed("asked for a shorter answer"),
    InvalidModelParameter: () => Effect.succeed("fixed the parameter"),
    RequestParseFailed: () => Effect.succeed("reported a client bug"),
    ResponseParseFailed: () => Effect.succeed("retried by hand once"),
    RpmLimitExceeded: (e) => Effect.succeed(`slowed down for ${Duration.format(e.retryAfter ?? Duration.zero)}`),
    TpmLimitExceeded: () => Effect.succeed("sent fewer tokens"),
    InvalidApiKey: () => Effect.succeed("asked for a new key"),
    ModelAccessDenied: () => Effect.succeed("requested model access"),
    AccountOverdue: () => Effect.succeed("told billing"),
    ModelNotFound: () => Effect.succeed("picked a listed model"),
    InternalError: (e) => Effect.succeed(`filed a ticket for ${e.requestId ?? "?"}`),
    ClientClosedRequest: () => Effect.succeed("ignored the cancel"),
    UnknownGatewayError: (e) => Effect.succeed(`logged HTTP ${e.status ?? "?"}`),
    ConnectionError: () => Effect.succeed("checked the network"),
    RequestTimeout: () => Effect.succeed("raised the timeout"),
    InvalidRequest: () => Effect.succeed("fixed the request instead of sending it again"),
    InvalidResponse: () => Effect.succeed("kept the raw body for a report")
  }))

const request = { model: "sky-demo", messages: [{ role: "user" as const, content: "hello from the demo" }] }

const runCase = (sky: SkyClient.Service, c: Case): Effect.Effect<Outcome> => {
  const options: SkyClient.CallOptions = {
    maxRetries: 0,
    headers: { ...c.headers, ...(c.fault !== undefined ? { "x-sky-mock": c.fault } : {}) },
    ...(c.timeout !== undefined ? { timeout: c.timeout } : {})
  }
  const call: Effect.Effect<string, SkyError.SkyError> = c.stream
    ? Effect.map(
      SkyClient.collectChatCompletion(sky.chatCompletionsStream(request, options)),
      (r) => r.choices[0]?.message.content ?? ""
    )
    : Effect.map(sky.chatCompletions(request, options), (r) => r.choices[0]?.message.content ?? "")
  return Effect.gen(function*() {
    const result = yield* Effect.either(call)
    // The exhaustive handler sees the same outcome; the call is made once.
    const handled = yield* handler(Either.isRight(result) ? Effect.succeed(result.right) : Effect.fail(result.left))
    if (Either.isRight(result)) {
      return {
        name: c.name,
        result: `HTTP 200, ${c.shape} -> success`,
        detail: `The answer: ${JSON.stringify(result.right)}.`,
        passed: c.expected === "success"
      }
    }
    const error = result.left
    const retry = SkyError.isRetryable(error)
      ? `Retryable${error.retryAfter !== undefined ? `, after ${Duration.format(error.retryAfter)}` : ""}`
      : "Not retryable"
    return {
      name: c.name,
      result: `${error.status === undefined ? "no HTTP status" : `HTTP ${error.status}`}, ${c.shape} -> ${error._tag}`,
      detail: `${retry}; the handler ${handled}.`,
      passed: error._tag === c.expected
    }
  })
}

/** Queues two 2007 answers, then lets the retry policy get through to a success. */
const retryCase = (sky: SkyClient.Service, double: SkyMock.Service): Effect.Effect<Outcome> =>
  Effect.gen(function*() {
    const fault = SkyMock.parseFault("error:2007,retry-after-ms=100")
    if (Either.isRight(fault)) yield* double.enqueue(fault.right, 2)
    const result = yield* Effect.either(sky.chatCompletions(request, { maxRetries: 2 }))
    const attempts = (yield* double.requests).filter((r) => r.path === "/v1/chat/completions").slice(-3)
    const passed = Either.isRight(result) && attempts.map((r) => r.attempt).join(",") === "1,2,3"
    return {
      name: "code 2007 twice, then an answer",
      result: `HTTP 429, 429, 200 -> ${Either.isRight(result) ? "success" : result.left._tag}`,
      detail: `The client waited the 100 ms the server asked for before each retry: ${attempts.length} attempts.`,
      passed
    }
  })

/** The demo's settings. */
export interface RunOptions {
  /** Colour the verdicts with ANSI codes (only on a terminal). */
  readonly colour: boolean
}

/** Runs every case against a fresh double, printing each once; true when each behaved as expected. */
export const run = (options: RunOptions): Effect.Effect<boolean> => {
  const paint = (code: number, text: string): string => (options.colour ? `\u001b[${code}m${text}\u001b[0m` : text)
  const print = (outcome: Outcome): Effect.Effect<void> => {
    const verdict = outcome.passed ? paint(32, "ok  ") : paint(31, "FAIL")
    const lines = [
      ...wrap(`${outcome.name}: ${outcome.result}`, width - 5, "").map((line, i) => (i === 0 ? `${verdict} ${line}` : `     ${line}`)),
      ...wrap(outcome.detail, width, "     ")
    ]
    return Console.log(lines.join("\n"))
  }
  return Effect.gen(function*() {
    const double = yield* SkyMock.SkyMock
    const sky = yield* SkyClient.SkyClient
    yield* Console.log(`SkyEngine double on ${double.url}\n`)
    let failed = 0
    let total = 0
    for (const c of cases) {
      const outcome = yield* runCase(sky, c)
      yield* print(outcome)
      total++
      if (!outcome.passed) failed++
    }
    const retried = yield* retryCase(sky, double)
    yield* print(retried)
    total++
    if (!retried.passed) failed++
    yield* Console.log(`\n${total - failed} of ${total} cases behaved as expected`)
    return failed === 0
  }).pipe(
    Effect.provide(SkyMock.layerClient({ client: { retry: { jitter: 0 } } })),
    Effect.catchAll((error) => Effect.as(Console.error(`sky demo: the double did not start: ${error.message}`), false))
  )
}
