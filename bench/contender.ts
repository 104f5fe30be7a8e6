/**
 * One contender of the overhead table in its own process (so that no two clients share a heap, a JIT or an
 * event loop): `node --import tsx bench/contender.ts <sky|platform|openai|undici> <handUrl> <sizes as JSON>`.
 *
 * It warms up, prints `ready`, then runs one round for every line it reads on stdin (the driver sends one to each
 * contender in turn, so that rounds interleave and only one contender runs at a time) and prints one JSON line
 * per round: `{ chat, limited, stream }`, each `{ cpu, rate }`; it stops when stdin closes. `cpu` is this process's CPU time (user +
 * system) per call (per chunk for the stream) in microseconds, the client's own cost whatever the server and the
 * machine's load do; `rate` is calls (chunks) per second of wall time.
 *
 * - chat: chat completions at concurrency 64 (SkyClient with its default retry policy: it never retries here).
 * - limited: a 429 with code 2007, retries off, at concurrency 64; each contender checks that it got the 2007.
 * - stream: one 10,000-chunk chat stream, every chunk parsed.
 *
 * The two Effect contenders run their calls in one `Effect.forEach` with concurrency 64, as an Effect program
 * would; `openai` and raw undici run 64 promise workers.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import OpenAI from "openai"
import * as Readline from "node:readline"
import * as Undici from "undici"
import { defaultApiKey } from "../src/SkyMock.js"
import { streamChunks } from "./shared.js"

/** The sizes of one contender run. */
export interface Sizes {
  readonly warmup: number
  readonly calls: number
  readonly streams: number
}

/** What one path costs one contender. */
export interface PathSample {
  /** Client CPU per call (per chunk for the stream), µs. */
  readonly cpu: number
  /** Calls (chunks) per second. */
  readonly rate: number
}

/** What a contender process prints. */
export interface ContenderSample {
  readonly chat: PathSample
  readonly limited: PathSample
  readonly stream: PathSample
}

interface Contender {
  /** `count` calls at `concurrency`. */
  readonly chat: (count: number, concurrency: number) => Promise<void>
  readonly limited: (count: number, concurrency: number) => Promise<void>
  /** One stream, its chunk count. */
  readonly stream: () => Promise<number>
  readonly close: () => Promise<void>
}

const concurrency = 64
const model = "bench-model"
const chatRequest = { model, messages: [{ role: "user" as const, content: "Say hello to the benchmark." }] }
const limitedHeaders = { "x-bench-answer": "429" }

const workers = async (count: number, width: number, call: () => Promise<unknown>): Promise<void> => {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next++ < count) await call()
  }
  await Promise.all(Array.from({ length: width }, worker))
}

const sky = async (url: string): Promise<Contender> => {
  // `BENCH_SKY_SRC` points at another copy of the library (e.g. an older commit's `src/index.ts`), so that a
  // run can put before and after side by side (`npm run bench -- --before=<dir>`).
  const { SkyClient } = (process.env.BENCH_SKY_SRC === undefined
    ? await import("../src/index.js")
    : await import(process.env.BENCH_SKY_SRC)) as typeof import("../src/index.js")
  const runtime = ManagedRuntime.make(
    // The default policy (two retries) as a user gets it; the 429 path turns retries off per call.
    SkyClient.layer({ apiKey: Redacted.make(defaultApiKey), baseUrl: url }).pipe(
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

/** The floor this design can reach: `HttpClient.execute` and `response.json` over the same undici layer. */
const platform = async (url: string): Promise<Contender> => {
  const runtime = ManagedRuntime.make(NodeHttpClient.layerUndici)
  const client = await runtime.runPromise(HttpClient.HttpClient)
  const endpoint = `${url}/v1/chat/completions`
  const headers = { authorization: `Bearer ${defaultApiKey}`, accept: "application/json" }
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
    Effect.flatMap((response) =>
      response.stream.pipe(
        Stream.decodeText(),
        Stream.splitLines,
        Stream.filter((line) => line.startsWith("data:") && line !== "data: [DONE]"),
        Stream.map((line) => JSON.parse(line.slice(5)) as unknown),
        Stream.runCount
      )
    )
  )
  return {
    chat: (count, width) => many(chat, count, width),
    limited: (count, width) => many(limited, count, width),
    stream: () => runtime.runPromise(stream),
    close: () => runtime.dispose()
  }
}

const openai = async (url: string): Promise<Contender> => {
  const client = new OpenAI({ apiKey: defaultApiKey, baseURL: `${url}/v1`, maxRetries: 0 })
  return {
    chat: (count, width) =>
      workers(count, width, async () => {
        const c = await client.chat.completions.create(chatRequest)
        if (c.choices.length !== 1) throw new Error("openai: unexpected chat completion")
      }),
    limited: (count, width) =>
      workers(count, width, () =>
        client.chat.completions.create(chatRequest, { headers: limitedHeaders }).then(
          () => {
            throw new Error("openai: expected a RateLimitError")
          },
          (error: unknown) => {
            if (!(error instanceof OpenAI.RateLimitError)) throw error
          }
        )),
    stream: async () => {
      let count = 0
      for await (const _chunk of await client.chat.completions.create({ ...chatRequest, stream: true })) count++
      return count
    },
    close: async () => {}
  }
}

const undici = async (url: string): Promise<Contender> => {
  const endpoint = `${url}/v1/chat/completions`
  const headers = { authorization: `Bearer ${defaultApiKey}`, "content-type": "application/json", accept: "application/json" }
  const post = (body: unknown, extra?: Record<string, string>) =>
    Undici.request(endpoint, { method: "POST", headers: extra === undefined ? headers : { ...headers, ...extra }, body: JSON.stringify(body) })
  return {
    chat: (count, width) =>
      workers(count, width, async () => {
        const response = await post(chatRequest)
        const c = JSON.parse(await response.body.text()) as { choices: ReadonlyArray<unknown> }
        if (response.statusCode !== 200 || c.choices.length !== 1) throw new Error("undici: unexpected chat completion")
      }),
    limited: (count, width) =>
      workers(count, width, async () => {
        const response = await post(chatRequest, limitedHeaders)
        const body = JSON.parse(await response.body.text()) as { error?: { code?: unknown } }
        if (response.statusCode !== 429 || body.error?.code !== 2007) throw new Error("undici: expected a 2007")
      }),
    stream: async () => {
      const response = await post({ ...chatRequest, stream: true }, { accept: "text/event-stream" })
      const decoder = new TextDecoder()
      let buffer = ""
      let count = 0
      for await (const bytes of response.body) {
        buffer += decoder.decode(bytes as Uint8Array, { stream: true })
        let end: number
        while ((end = buffer.indexOf("\n\n")) !== -1) {
          const data = buffer.slice(6, end)
          buffer = buffer.slice(end + 2)
          if (data !== "[DONE]") {
            JSON.parse(data)
            count++
          }
        }
      }
      return count
    },
    close: async () => {}
  }
}

/** The contenders, by the name `bench/run.ts` passes. */
export const contenders = { sky, platform, openai, undici } as const

/** The contenders' names, in the order of the table. */
export type ContenderName = keyof typeof contenders

const measure = async (run: () => Promise<number>): Promise<PathSample> => {
  const cpu = process.cpuUsage()
  const start = performance.now()
  const count = await run()
  const ms = performance.now() - start
  const used = process.cpuUsage(cpu)
  return { cpu: (used.user + used.system) / count, rate: (count * 1000) / ms }
}

const main = async (): Promise<void> => {
  const [name, url, sizesText] = process.argv.slice(2)
  const make = contenders[name as ContenderName]
  if (make === undefined || url === undefined || sizesText === undefined) {
    throw new Error("usage: contender.ts <sky|platform|openai|undici> <url> <sizes>")
  }
  const sizes = JSON.parse(sizesText) as Sizes
  const contender = await make(url)
  await contender.chat(sizes.warmup, concurrency)
  await contender.limited(sizes.warmup, concurrency)
  if ((await contender.stream()) !== streamChunks) throw new Error(`${name}: expected ${streamChunks} chunks`)
  process.stdout.write("ready\n")
  const round = async (): Promise<ContenderSample> => {
    const chat = await measure(async () => {
      await contender.chat(sizes.calls, concurrency)
      return sizes.calls
    })
    const limited = await measure(async () => {
      await contender.limited(sizes.calls, concurrency)
      return sizes.calls
    })
    const stream = await measure(async () => {
      let chunks = 0
      for (let i = 0; i < sizes.streams; i++) chunks += await contender.stream()
      return chunks
    })
    return { chat, limited, stream }
  }
  for await (const _line of Readline.createInterface({ input: process.stdin })) {
    process.stdout.write(JSON.stringify(await round()) + "\n")
  }
  await contender.close()
}

// Run only as a script: bench/profile.ts imports the contenders.
if (process.argv[1]?.endsWith("contender.ts") === true) {
  main().then(() => process.exit(0), (error: unknown) => {
    process.stderr.write(`contender failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
    process.exit(1)
  })
}
