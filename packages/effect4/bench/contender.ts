/**
 * The Effect 4 line's contenders of the overhead table, each in its own process on Node 22 (effect 4.1's minimum):
 * `node --import tsx packages/effect4/bench/contender.ts <sky|platform|openai|undici> <handUrl> <sizes as JSON>`.
 * The protocol, the workloads and the contenders without Effect are the Effect 3 line's
 * (`bench/contenderProtocol.ts`), so both lines are measured by the same code against the same server; `openai`
 * and undici are offered here too, so that the Effect 4 line's ratios compare processes on the same Node.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import {
  benchApiKey,
  chatRequest,
  type Contender,
  contenderProcess,
  limitedHeaders,
  openai,
  undici
} from "../../../bench/contenderProtocol.js"

/** SkyClient 2.x, as a user gets it: the default retry policy (the 429 path turns retries off per call). */
const sky = async (url: string): Promise<Contender> => {
  // `BENCH_SKY_SRC` points at another build of the library (`bench/run.ts` passes the compiled `dist`, what a user
  // runs, when it is there).
  const { SkyClient } = (process.env.BENCH_SKY_SRC === undefined
    ? await import("../src/index.js")
    : await import(process.env.BENCH_SKY_SRC)) as typeof import("../src/index.js")
  const runtime = ManagedRuntime.make(
    SkyClient.layer({ apiKey: Redacted.make(benchApiKey), baseUrl: url }).pipe(Layer.provide(NodeHttpClient.layerUndici))
  )
  const client = await runtime.runPromise(Effect.service(SkyClient.SkyClient))
  const chat = client.chatCompletions(chatRequest).pipe(Effect.map((c) => {
    if (c.choices.length !== 1) throw new Error("sky: unexpected chat completion")
  }))
  const limited = Effect.flip(client.chatCompletions(chatRequest, { headers: limitedHeaders, maxRetries: 0 })).pipe(
    Effect.map((e) => {
      if (e._tag !== "RpmLimitExceeded") throw new Error(`sky: expected RpmLimitExceeded, got ${e._tag}`)
    })
  )
  const many = (effect: Effect.Effect<unknown, unknown>, count: number, width: number) =>
    runtime.runPromise(Effect.forEach(Array.from({ length: count }), () => effect, { concurrency: width, discard: true }))
  return {
    chat: (count, width) => many(chat, count, width),
    limited: (count, width) => many(limited, count, width),
    stream: () => runtime.runPromise(Stream.runCount(client.chatCompletionsStream(chatRequest))),
    close: () => runtime.dispose()
  }
}

/** The bare client's stream: the body's text split into lines, every data line but `[DONE]` parsed, counted. */
export const bareStreamCount = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<number, unknown> =>
  response.stream.pipe(
    Stream.decodeText(),
    Stream.splitLines,
    Stream.filter((line) => line.startsWith("data:") && line !== "data: [DONE]"),
    Stream.map((line) => JSON.parse(line.slice(5)) as unknown),
    Stream.runCount
  )

/** The floor this design can reach on Effect 4: `HttpClient.execute` and `response.json` over the same undici layer. */
const platform = async (url: string): Promise<Contender> => {
  const runtime = ManagedRuntime.make(NodeHttpClient.layerUndici)
  const client = await runtime.runPromise(Effect.service(HttpClient.HttpClient))
  const endpoint = `${url}/v1/chat/completions`
  const headers = { authorization: `Bearer ${benchApiKey}`, accept: "application/json" }
  const request = (body: unknown, extra?: Record<string, string>) =>
    HttpClientRequest.post(endpoint).pipe(
      HttpClientRequest.setHeaders(extra === undefined ? headers : { ...headers, ...extra }),
      HttpClientRequest.bodyJsonUnsafe(body)
    )
  const chat = Effect.suspend(() => client.execute(request(chatRequest))).pipe(
    Effect.flatMap((response) => response.json),
    Effect.map((c) => {
      if ((c as { choices: ReadonlyArray<unknown> }).choices.length !== 1) throw new Error("platform: unexpected chat completion")
    })
  )
  const limited = Effect.suspend(() => client.execute(request(chatRequest, limitedHeaders))).pipe(
    Effect.flatMap((response) =>
      Effect.map(response.json, (body) => {
        if (response.status !== 429 || (body as { error?: { code?: unknown } }).error?.code !== 2007) {
          throw new Error("platform: expected a 2007")
        }
      })
    )
  )
  const many = (effect: Effect.Effect<unknown, unknown>, count: number, width: number) =>
    runtime.runPromise(Effect.forEach(Array.from({ length: count }), () => effect, { concurrency: width, discard: true }))
  const stream = Effect.suspend(() =>
    client.execute(request({ ...chatRequest, stream: true }, { accept: "text/event-stream" }))
  ).pipe(
    Effect.flatMap(bareStreamCount)
  )
  return {
    chat: (count, width) => many(chat, count, width),
    limited: (count, width) => many(limited, count, width),
    stream: () => runtime.runPromise(stream),
    close: () => runtime.dispose()
  }
}

/** The contenders, by the name `bench/run.ts` passes. */
export const contenders = { sky, platform, openai, undici } as const

if (process.argv[1]?.endsWith("contender.ts") === true) contenderProcess(contenders)
