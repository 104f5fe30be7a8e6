/**
 * An interleaved A/B of two copies of the Effect 4 line's client in one process, over a stub `HttpClient` that
 * answers at once (no network, no server): the client's own CPU per call, nothing else.
 *
 *   git archive <commit> packages/effect4/src packages/core/src | tar -x -C packages/effect4/scratch/A
 *   $N22 --expose-gc --import tsx packages/effect4/bench/ab.ts <chat|limited|stream> [rounds] [calls] [A dir]
 *
 * A is the copy (`bare` for the bare `effect/http` client over the same stub; `packages/effect4/scratch/A` by default: inside `packages/effect4` so that `effect` resolves to
 * 4.x), B is `packages/effect4/src`. Each round runs `calls` calls at concurrency 64 on A then B (the order
 * alternated each round; a stream is the bench's 10,000-chunk stream, one at a time, and its figure is per stream) and
 * takes `process.cpuUsage`; it prints the medians per call and the median of the
 * per-round B/A ratios.
 *
 * `BENCH_PIECE=512` sends a stream in 512-byte pieces (about two events a read, as a gateway writing each token as it
 * comes) instead of 64 KiB ones.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Stream from "effect/Stream"
import * as Redacted from "effect/Redacted"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import { existsSync } from "node:fs"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { chatRequest } from "../../../bench/contenderProtocol.js"
import { chatCompletion, interleaved, limitedBody, ssePieces } from "../../../bench/shared.js"
import { bareStreamCount } from "./contender.js"

const here = Path.dirname(fileURLToPath(import.meta.url))
const path = process.argv[2] ?? "chat"
const rounds = Number(process.argv[3] ?? "16")
const calls = Number(process.argv[4] ?? "2000")
const aDir = process.argv[5] ?? Path.join(here, "..", "scratch", "A", "packages", "effect4", "src")

const completion = JSON.stringify(chatCompletion)
const limited = limitedBody

const stub = HttpClient.make((request) =>
  Effect.sync(() => {
    if (request.headers["accept"] === "text/event-stream") {
      return HttpClientResponse.fromWeb(
        request,
        new Response(ssePieces(), { status: 200, headers: { "content-type": "text/event-stream; charset=utf-8" } })
      )
    }
    const is429 = request.headers["x-bench-answer"] === "429"
    const body = is429 ? limited : completion
    return HttpClientResponse.fromWeb(
      request,
      new Response(body, {
        status: is429 ? 429 : 200,
        headers: {
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(body)),
          "x-request-id": "0123456789abcdef0123456789abcdef",
          ...(is429 ? { "retry-after": "1" } : {})
        }
      })
    )
  })
)

/** The bare client over the same stub: `execute` and `response.json`, as the overhead table's bare contender. */
const bare = async () => {
  const headers = { authorization: "Bearer sk-bench-0123456789", accept: "application/json" }
  const request = (extra?: Record<string, string>) =>
    HttpClientRequest.post("http://127.0.0.1:1/v1/chat/completions").pipe(
      HttpClientRequest.setHeaders(extra === undefined ? headers : { ...headers, ...extra }),
      HttpClientRequest.bodyJsonUnsafe(chatRequest)
    )
  const one: Effect.Effect<unknown, unknown> = path === "stream"
    ? Effect.suspend(() => stub.execute(request({ accept: "text/event-stream" }))).pipe(Effect.flatMap(bareStreamCount))
    : Effect.suspend(() => stub.execute(request(path === "chat" ? undefined : { "x-bench-answer": "429" }))).pipe(
      Effect.flatMap((response) => response.json)
    )
  const run = (count: number) =>
    Effect.runPromise(
      Effect.forEach(Array.from({ length: count }), () => one, { concurrency: path === "stream" ? 1 : 64, discard: true })
    )
  return { run }
}

const contender = async (dir: string) => {
  if (dir === "bare") return bare()
  // A copy of the sources, or a build (`dist/src`).
  const index = ["index.ts", "index.js"].map((name) => Path.join(dir, name)).find((file) => existsSync(file))
  if (index === undefined) throw new Error(`no index.ts or index.js in ${dir}`)
  const { SkyClient } = await import(pathToFileURL(index).href)
  const runtime = ManagedRuntime.make(
    SkyClient.layer({ apiKey: Redacted.make("sk-bench-0123456789"), baseUrl: "http://127.0.0.1:1" }).pipe(
      Layer.provide(Layer.succeed(HttpClient.HttpClient, stub))
    )
  )
  const client = await runtime.runPromise(Effect.service(SkyClient.SkyClient as any)) as any
  const one: Effect.Effect<unknown, unknown> = path === "stream"
    ? Stream.runCount(client.chatCompletionsStream(chatRequest))
    : path === "chat"
    ? client.chatCompletions(chatRequest)
    : Effect.flip(client.chatCompletions(chatRequest, { headers: { "x-bench-answer": "429" }, maxRetries: 0 })).pipe(
      Effect.map((e: any) => {
        if (e._tag !== "RpmLimitExceeded") throw new Error(`expected RpmLimitExceeded, got ${e._tag}`)
      })
    )
  const run = (count: number) =>
    runtime.runPromise(
      Effect.forEach(Array.from({ length: count }), () => one, { concurrency: path === "stream" ? 1 : 64, discard: true })
    )
  return { run }
}

const main = async () => {
  // AB_ONLY=A or AB_ONLY=B runs one side only (for a profile of it).
  const only = process.env["AB_ONLY"]
  const a = only === "B" ? { run: async () => {} } : await contender(aDir)
  const b = only === "A" ? { run: async () => {} } : await contender(Path.join(here, "..", "src"))
  const result = await interleaved(a, b, rounds, calls)
  console.log(
    `${path}: A ${result.a.toFixed(1)} µs, B ${result.b.toFixed(1)} µs per call (medians of ${rounds} x ${calls}); ` +
      `B/A paired median ${result.ratio.toFixed(3)}`
  )
}

main().then(() => process.exit(0), (e) => {
  console.error(e)
  process.exit(1)
})
