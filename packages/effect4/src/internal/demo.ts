/**
 * `sky demo`: every failure this library handles, produced on demand by the
 * SkyEngine double and decoded by `SkyClient`. The cases and the layout are
 * the core's (the same as the Effect 3 line's); this module runs them.
 *
 * @internal
 */
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import type { FailureView } from "../../../core/src/command.js"
import * as Demo from "../../../core/src/demo.js"
import * as SkyClient from "../SkyClient.js"
import * as SkyError from "../SkyError.js"
import * as SkyMock from "../SkyMock.js"

/** A failed call as `sky` prints it. */
export const failureView = (error: SkyError.SkyError): FailureView => ({
  tag: error._tag,
  code: SkyError.codeOf(error),
  status: error.status,
  message: error.message,
  requestId: error.requestId,
  retryable: SkyError.isRetryable(error),
  retryAfter: error.retryAfter === undefined ? undefined : Duration.format(error.retryAfter)
})

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

const runCase = (sky: SkyClient.Service, c: Demo.Case): Effect.Effect<Demo.Outcome> => {
  const options: SkyClient.CallOptions = {
    maxRetries: 0,
    headers: { ...c.headers, ...(c.fault !== undefined ? { [SkyMock.faultHeader]: c.fault } : {}) },
    ...(c.timeoutMillis !== undefined ? { timeout: Duration.millis(c.timeoutMillis) } : {})
  }
  const call: Effect.Effect<string, SkyError.SkyError> = c.stream
    ? Effect.map(
      sky.chatCompletionsStream(Demo.request, options).pipe(SkyClient.collect("chat")),
      (r) => r.choices[0]?.message.content ?? ""
    )
    : Effect.map(sky.chatCompletions(Demo.request, options), (r) => r.choices[0]?.message.content ?? "")
  return Effect.gen(function*() {
    const result = yield* Effect.result(call)
    // The exhaustive handler sees the same outcome; the call is made once.
    const handled = yield* handler(Result.isSuccess(result) ? Effect.succeed(result.success) : Effect.fail(result.failure))
    return Demo.outcomeOf(
      c,
      Result.isSuccess(result)
        ? { _tag: "Success", answer: result.success }
        : { _tag: "Failure", failure: failureView(result.failure), handled }
    )
  })
}

/** Queues two 2007 answers, then lets the retry policy get through to a success. */
const retryCase = (sky: SkyClient.Service, double: SkyMock.Service): Effect.Effect<Demo.Outcome> =>
  Effect.gen(function*() {
    const fault = SkyMock.parseFault(Demo.retryCase.fault)
    if (Result.isSuccess(fault)) yield* double.enqueue(fault.success, Demo.retryCase.times)
    const result = yield* Effect.result(sky.chatCompletions(Demo.request, { maxRetries: Demo.retryCase.times }))
    const attempts = (yield* double.requests).filter((r) => r.path === "/v1/chat/completions").slice(-3)
    return Demo.retryOutcomeOf(Result.isSuccess(result) ? "success" : result.failure._tag, attempts.map((r) => r.attempt))
  })

/** The demo's settings. */
export interface RunOptions {
  /** Colour the verdicts with ANSI codes (only on a terminal). */
  readonly colour: boolean
}

/** Runs every case against a fresh double, printing each once; true when each behaved as expected. */
export const run = (options: RunOptions): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const double = yield* SkyMock.SkyMock
    const sky = yield* SkyClient.SkyClient
    yield* Console.log(`SkyEngine double on ${double.url}\n`)
    const outcomes: Array<Demo.Outcome> = []
    for (const c of Demo.cases) {
      const outcome = yield* runCase(sky, c)
      yield* Console.log(Demo.render(outcome, options.colour))
      outcomes.push(outcome)
    }
    const retried = yield* retryCase(sky, double)
    yield* Console.log(Demo.render(retried, options.colour))
    outcomes.push(retried)
    const passed = outcomes.filter((o) => o.passed).length
    yield* Console.log(`\n${Demo.summary(passed, outcomes.length)}`)
    return passed === outcomes.length
  }).pipe(
    Effect.provide(SkyMock.layerClient({ client: { retry: { jitter: 0 } } })),
    Effect.catch((error) => Effect.as(Console.error(`sky demo: the double did not start: ${error.message}`), false))
  )
