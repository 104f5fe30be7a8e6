/**
 * An interleaved A/B of two builds of the Effect 3 line's client in one process, over a stub `HttpClient` that
 * answers at once (no network, no server): the client's own CPU per call, nothing else. The Effect 4 line's
 * twin is `packages/effect4/bench/ab.ts`.
 *
 *   node --expose-gc --import tsx bench/ab.ts <chat|limited|stream> [rounds] [calls] [A] [B]
 *
 * A and B are each `bare` (the bare `@effect/platform` client over the same stub: `execute` and `response.json`,
 * as the overhead table's bare contender) or a directory holding the library's `index.js` or `index.ts` (e.g. a
 * copy of `dist/src` from another commit under `scratch/`, so that `effect` resolves to the root's copy); the
 * defaults are `bare` and `src`. Each round runs `calls` calls at concurrency 64 on A then B (the order alternated
 * each round; a stream is the bench's 10,000-chunk stream, one at a time, and its figure is per chunk) and takes
 * `process.cpuUsage`; it prints the medians and the median of the per-round B/A ratios.
 *
 * `BENCH_PIECE=512` sends a stream in 512-byte pieces (about two events a read, as a gateway writing each token as it
 * comes) instead of 64 KiB ones.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { chatRequest, limitedHeaders } from "./contenderProtocol.js"
import { bareStreamCount } from "./contender.js"
import { type AbSide, chatCompletion, interleaved, limitedBody, ssePieces, streamChunks } from "./shared.js"

const here = Path.dirname(fileURLToPath(import.meta.url))
const path = process.argv[2] ?? "chat"
const rounds = Number(process.argv[3] ?? "16")
const calls = Number(process.argv[4] ?? (path === "stream" ? "3" : "2000"))
const sides = [process.argv[5] ?? "bare", process.argv[6] ?? Path.join(here, "..", "src")] as const

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
          "x-request-id": "0123456789abcdef0123456789abcdef"
        }
      })
    )
  })
)

const many = (one: Effect.Effect<unknown, unknown>, count: number): Effect.Effect<void, unknown> =>
  Effect.forEach(Array.from({ length: count }), () => one, { concurrency: path === "stream" ? 1 : 64, discard: true })

/** The bare client over the same stub, as the overhead table's bare contender. */
const bare = (): AbSide => {
  const headers = { authorization: "Bearer sk-bench-0123456789", accept: "application/json" }
  const request = (extra?: Record<string, string>) =>
    HttpClientRequest.post("http://127.0.0.1:1/v1/chat/completions").pipe(
      HttpClientRequest.setHeaders(extra === undefined ? headers : { ...headers, ...extra }),
      HttpClientRequest.bodyUnsafeJson(path === "stream" ? { ...chatRequest, stream: true } : chatRequest)
    )
  const one: Effect.Effect<unknown, unknown> = path === "stream"
    ? Effect.flatMap(Effect.suspend(() => stub.execute(request({ accept: "text/event-stream" }))), bareStreamCount)
    : Effect.flatMap(
      Effect.suspend(() => stub.execute(request(path === "chat" ? undefined : limitedHeaders))),
      (response) => response.json
    )
  return { run: (count) => Effect.runPromise(many(one, count)) }
}

const sky = async (dir: string): Promise<AbSide> => {
  const entry = ["index.js", "index.ts"].map((f) => Path.join(dir, f)).find((f) => Fs.existsSync(f))
  if (entry === undefined) throw new Error(`no index.js or index.ts in ${dir}`)
  const { SkyClient } = (await import(pathToFileURL(entry).href)) as typeof import("../src/index.js")
  const runtime = ManagedRuntime.make(
    SkyClient.layer({ apiKey: Redacted.make("sk-bench-0123456789"), baseUrl: "http://127.0.0.1:1" }).pipe(
      Layer.provide(Layer.succeed(HttpClient.HttpClient, stub))
    )
  )
  const client = await runtime.runPromise(SkyClient.SkyClient)
  const one: Effect.Effect<unknown, unknown> = path === "stream"
    ? Stream.runCount(client.chatCompletionsStream(chatRequest))
    : path === "chat"
    ? client.chatCompletions(chatRequest)
    : Effect.map(Effect.flip(client.chatCompletions(chatRequest, { headers: limitedHeaders, maxRetries: 0 })), (e) => {
      if (e._tag !== "RpmLimitExceeded") throw new Error(`expected RpmLimitExceeded, got ${e._tag}`)
    })
  return { run: (count) => runtime.runPromise(many(one, count)) }
}

const main = async (): Promise<void> => {
  const [a, b] = await Promise.all(sides.map((side) => (side === "bare" ? bare() : sky(side))))
  const result = await interleaved(a!, b!, rounds, calls, path === "stream" ? calls * streamChunks : calls)
  console.log(
    `${path}: A ${result.a.toFixed(2)} µs, B ${result.b.toFixed(2)} µs per ${path === "stream" ? "chunk" : "call"} ` +
      `(medians of ${rounds} x ${calls}); B/A paired median ${result.ratio.toFixed(3)}`
  )
}

main().then(() => process.exit(0), (e: unknown) => {
  console.error(e)
  process.exit(1)
})
