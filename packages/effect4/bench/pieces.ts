/**
 * Where a 2.x call that ends in a 429 spends its CPU, piece by piece, over a stub `HttpClient` (no network): each
 * case adds one stage of the call to the one before it (prepare; the span and retry loop; the deadline; sending;
 * reading the error body; classifying it), and the bare `effect/http` client's `execute` + `json` is measured
 * beside them. Cases run in turn, interleaved over rounds; the median CPU per call is printed.
 *
 *   $N22 --expose-gc --import tsx packages/effect4/bench/pieces.ts [rounds] [calls]
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Redacted from "effect/Redacted"
import { limitedBody } from "../../../bench/shared.js"
import * as Client from "../src/internal/client.js"
import * as Deadline from "../src/internal/deadline.js"
import * as Failure from "../src/internal/failure.js"
import * as Request from "../src/internal/request.js"
import * as ResponseBody from "../src/internal/responseBody.js"
import * as Retry from "../src/internal/retry.js"
import * as SkyRetry from "../src/SkyRetry.js"

const rounds = Number(process.argv[2] ?? "16")
const calls = Number(process.argv[3] ?? "4000")

const stub = HttpClient.make((request) =>
  Effect.sync(() =>
    HttpClientResponse.fromWeb(
      request,
      new Response(limitedBody, {
        status: 429,
        headers: {
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(limitedBody)),
          "x-request-id": "0123456789abcdef0123456789abcdef",
          "retry-after": "1"
        }
      })
    )
  )
)
const transport = Request.transport(stub)
const apiKey = Redacted.make("sk-bench-0123456789")
const baseUrl = "http://127.0.0.1:1"
const settings: Request.Settings = {
  apiKey,
  baseUrl,
  timeout: Duration.minutes(10),
  retry: SkyRetry.policy({ maxRetries: 0 }),
  anthropicVersion: "2023-06-01",
  streamTimeout: Duration.infinity,
  plan: Request.plannerOf(apiKey, baseUrl, {})
}
const endpoint: Request.Endpoint = {
  operation: "chatCompletions",
  method: "POST",
  path: "/v1/chat/completions",
  body: { model: "sky-model", messages: [{ role: "user", content: "hello" }] },
  model: "sky-model"
}
// One error, failed with again and again: what the stages cost without building an error.
const prebuilt = Effect.runSync(Effect.flip(Failure.invalidRequest(endpoint, "", "prebuilt")))
const prepared = Effect.runSync(Request.prepare(settings, endpoint, undefined))

type Attempt = (call: Request.Call, attempt: number, span: Parameters<Parameters<typeof Retry.retried>[1]>[1]) => Effect.Effect<never, unknown, never>
const stage = (attempt: Attempt) => () =>
  Effect.flatMap(Request.prepare(settings, endpoint, undefined), (call) =>
    Retry.retried(call, (n, span) => Deadline.abortingDeadline(attempt(call, n, span) as never, call.timeout, () => prebuilt)))
const sent = (then: (response: HttpClientResponse.HttpClientResponse, call: Request.Call) => Effect.Effect<never, unknown>): Attempt =>
  (call, n, span) => Effect.flatMap(Request.execute(transport, call, n, span), (response) => then(response, call)) as never

const cases: ReadonlyArray<readonly [string, () => Effect.Effect<unknown, unknown>]> = [
  ["prepare", () => Request.prepare(settings, endpoint, undefined)],
  ["+ span and retry loop (prebuilt error)", () => Effect.flatMap(Request.prepare(settings, endpoint, undefined), (call) => Retry.retried(call, () => Effect.fail(prebuilt)))],
  ["+ deadline", stage(() => Effect.fail(prebuilt) as never)],
  ["+ send (stub)", stage(sent(() => Effect.fail(prebuilt)))],
  ["+ read the error body", stage(sent((response) => Effect.andThen(ResponseBody.collectedBody(response), Effect.fail(prebuilt))))],
  ["+ classify it (prebuilt failed)", stage(sent((response, call) => Effect.flatMap(ResponseBody.collectedBody(response), (body) => {
    Failure.classified(call, response.status, response.headers, body, 0)
    return Effect.fail(prebuilt)
  })))],
  ["+ fail with it (statusError)", stage(sent((response, call) => Failure.statusError(response, call)))],
  ["the whole call (callJson)", () => Client.callJson(transport, settings, endpoint, (u) => Effect.succeed(u), { maxRetries: 0 })],
  ["bare: execute + json", () => Effect.flatMap(stub.execute(prepared.request), (response) => response.json)]
]

const main = async () => {
  const samples = new Map<string, Array<number>>()
  for (let round = 0; round < rounds; round++) {
    for (const [name, make] of cases) {
      const before = process.cpuUsage()
      await Effect.runPromise(Effect.forEach(Array.from({ length: calls }), () => Effect.exit(make()), { concurrency: 64, discard: true }))
      const used = process.cpuUsage(before)
      if (round >= 2) samples.set(name, [...(samples.get(name) ?? []), (used.user + used.system) / calls])
    }
  }
  for (const [name, xs] of samples) {
    const sorted = [...xs].sort((a, b) => a - b)
    console.log(`${name.padEnd(40)} ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1).padStart(7)} µs per call`)
  }
}

main().then(() => process.exit(0), (e) => {
  console.error(e)
  process.exit(1)
})
