/**
 * The Effect 3 line's contenders of the overhead table, each in its own process (so that no two clients share a
 * heap, a JIT or an event loop): `node --import tsx bench/contender.ts <sky|platform|openai|undici> <handUrl>
 * <sizes as JSON>`. The protocol, the workloads and the contenders without Effect are in `contenderProtocol.ts`.
 *
 * The two Effect contenders run their calls in one `Effect.forEach` with concurrency 64, as an Effect program
 * would; `openai` and raw undici run 64 promise workers.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import {
  benchApiKey,
  chatRequest,
  type Contender,
  type ContenderSample,
  contenderProcess,
  limitedHeaders,
  openai,
  type PathSample,
  type Sizes,
  undici
} from "./contenderProtocol.js"

export type { ContenderSample, PathSample, Sizes }

const sky = async (url: string): Promise<Contender> => {
  // `BENCH_SKY_SRC` points at another copy of the library (e.g. an older commit's `src/index.ts`), so that a
  // run can put before and after side by side (`npm run bench -- --before=<dir>`).
  const { SkyClient } = (process.env.BENCH_SKY_SRC === undefined
    ? await import("../src/index.js")
    : await import(process.env.BENCH_SKY_SRC)) as typeof import("../src/index.js")
  const runtime = ManagedRuntime.make(
    // The default policy (two retries) as a user gets it; the 429 path turns retries off per call.
    SkyClient.layer({ apiKey: Redacted.make(benchApiKey), baseUrl: url }).pipe(
      Layer.provide(NodeHttpClient.layerUndici)
    )
  )
  const client = await runtime.runPromise(SkyClient.SkyClient)
  const chat = client.chatCompletions(chatRequest).pipe(Effect.tap((c) => {
    if (c.choices.length !== 1) throw new Error("sky: unexpected chat completion")
  }))
  const limited = Effect.flip(client.chatCompletions(chatRequest, { headers: limitedHeaders, maxRetries: 0 })).pipe(Effect.tap((e) => {
    if (e._tag !== "RpmLimitExceeded") throw new Error(`sky: expected RpmLimitExceeded, got ${e._tag}`)
  }))
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

/** The floor this design can reach: `HttpClient.execute` and `response.json` over the same undici layer. */
const platform = async (url: string): Promise<Contender> => {
  const runtime = ManagedRuntime.make(NodeHttpClient.layerUndici)
  const client = await runtime.runPromise(HttpClient.HttpClient)
  const endpoint = `${url}/v1/chat/completions`
  const headers = { authorization: `Bearer ${benchApiKey}`, accept: "application/json" }
  const request = (body: unknown, extra?: Record<string, string>) =>
    HttpClientRequest.post(endpoint).pipe(
      HttpClientRequest.setHeaders(extra === undefined ? headers : { ...headers, ...extra }),
      HttpClientRequest.bodyUnsafeJson(body)
    )
  const chat = Effect.suspend(() => client.execute(request(chatRequest))).pipe(
    Effect.flatMap((response) => response.json),
    Effect.tap((c) => {
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

/** The contenders' names, in the order of the table. */
export type ContenderName = keyof typeof contenders

// Run only as a script: bench/profile.ts imports the contenders.
if (process.argv[1]?.endsWith("contender.ts") === true) contenderProcess(contenders)
