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
import * as CatalogueTable from "./catalogueTable.js"

type Expected = SkyError.Tag | "success"

interface Case {
  readonly name: string
  /** The `x-sky-mock` fault spec, if any. */
  readonly fault?: string
  /** What the wire carried, for the table. */
  readonly shape: string
  readonly stream?: boolean
  readonly timeout?: Duration.DurationInput
  readonly expected: Expected
}

interface Outcome {
  readonly name: string
  readonly status: string
  readonly shape: string
  readonly tag: string
  readonly retry: string
  readonly handled: string
  readonly passed: boolean
}

const tableCases: ReadonlyArray<Case> = SkyError.tags.flatMap((tag, index) => {
  const meta: SkyError.CatalogueEntry = SkyError.catalogue[tag]
  if (meta.code === undefined) return []
  const shape = SkyWire.shapes[index % SkyWire.shapes.length]!
  return [{ name: `code ${meta.code}`, fault: `error:${meta.code},shape=${shape},retry-after=1`, shape, expected: tag }]
})

const cases: ReadonlyArray<Case> = [
  { name: "chat completion", shape: "json", expected: "success" },
  { name: "chat stream", shape: "sse", stream: true, expected: "success" },
  ...tableCases,
  { name: "HTML 502 from a proxy", fault: "html502", shape: "html", expected: "UnknownGatewayError" },
  { name: "socket reset", fault: "reset-before-headers", shape: "none", expected: "ConnectionError" },
  { name: "stall past the timeout", fault: "stall", shape: "none", timeout: "300 millis", expected: "RequestTimeout" },
  { name: "truncated JSON", fault: "truncated-json", shape: "json (cut)", expected: "InvalidResponse" },
  { name: "error mid-stream", fault: "mid-stream-error:2003", shape: "sse", stream: true, expected: "UpstreamTimeout" },
  { name: "stream cut short", fault: "stream-cut", shape: "sse (cut)", stream: true, expected: "InvalidResponse" }
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
    InvalidRequest: () => Effect.succeed("fix the request; sending it again cannot help"),
    InvalidResponse: () => Effect.succeed("kept the raw body for a report")
  }))

const request = { model: "sky-demo", messages: [{ role: "user" as const, content: "hello from the demo" }] }

const runCase = (sky: SkyClient.Service, c: Case): Effect.Effect<Outcome> => {
  const options: SkyClient.CallOptions = {
    maxRetries: 0,
    ...(c.fault !== undefined ? { headers: { "x-sky-mock": c.fault } } : {}),
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
        status: "200",
        shape: c.shape,
        tag: "success",
        retry: "-",
        handled: JSON.stringify(result.right.slice(0, 24)),
        passed: c.expected === "success"
      }
    }
    const error = result.left
    const retry = SkyError.isRetryable(error)
      ? `retry${error.retryAfter !== undefined ? ` after ${Duration.format(error.retryAfter)}` : ""}`
      : "no retry"
    return {
      name: c.name,
      status: error.status === undefined ? "-" : String(error.status),
      shape: c.shape,
      tag: error._tag,
      retry,
      handled,
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
      name: "2007 twice, then ok",
      status: "429,429,200",
      shape: "gateway",
      tag: Either.isRight(result) ? "success" : result.left._tag,
      retry: "waited retry-after-ms twice",
      handled: `${attempts.length} attempts`,
      passed
    }
  })

/** Runs every case against a fresh double; true when each behaved as expected. */
export const run: Effect.Effect<boolean> = Effect.gen(function*() {
  const double = yield* SkyMock.SkyMock
  const sky = yield* SkyClient.SkyClient
  yield* Console.log(`SkyEngine double on ${double.url}\n`)
  const outcomes: Array<Outcome> = []
  for (const c of cases) {
    const outcome = yield* runCase(sky, c)
    outcomes.push(outcome)
    yield* Console.log(
      `${outcome.passed ? "ok  " : "FAIL"} ${outcome.name}: HTTP ${outcome.status}, ${outcome.shape} -> ${outcome.tag}` +
        ` (${outcome.retry}); handler: ${outcome.handled}`
    )
  }
  const retried = yield* retryCase(sky, double)
  outcomes.push(retried)
  yield* Console.log(`${retried.passed ? "ok  " : "FAIL"} ${retried.name}: ${retried.tag} after ${retried.handled}`)
  const failed = outcomes.filter((o) => !o.passed).length
  yield* Console.log(
    "\n" + CatalogueTable.text(
      ["case", "status", "body", "tag", "retry decision", "handler did", "ok"],
      outcomes.map((o) => [o.name, o.status, o.shape, o.tag, o.retry, o.handled, o.passed ? "yes" : "NO"])
    )
  )
  yield* Console.log(`\n${outcomes.length - failed} of ${outcomes.length} cases behaved as expected`)
  return failed === 0
}).pipe(
  Effect.provide(SkyMock.layerClient({ client: { retry: { jitter: 0 } } })),
  Effect.catchAll((error) => Effect.as(Console.error(`sky demo: the double did not start: ${error.message}`), false))
)
