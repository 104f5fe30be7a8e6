/**
 * What every contender process of the overhead table shares, whichever Effect line it measures: the protocol with
 * `bench/run.ts` (warm up, print `ready`, one round per line read on stdin, one JSON line per round), the
 * measurement, the workloads, and the two contenders that use no Effect (`openai` and raw undici). The Effect 3
 * line's contenders are in `bench/contender.ts`, the Effect 4 line's in `packages/effect4/bench/contender.ts`.
 *
 * - chat: chat completions at concurrency 64 (SkyClient with its default retry policy: it never retries here).
 * - limited: a 429 with code 2007, retries off, at concurrency 64; each contender checks that it got the 2007.
 * - stream: one 10,000-chunk chat stream, every chunk parsed.
 *
 * `cpu` is the process's CPU time (user + system) per call (per chunk for the stream) in microseconds, the
 * client's own cost whatever the server and the machine's load do; `rate` is calls (chunks) per second of wall time.
 */
import OpenAI from "openai"
import * as Readline from "node:readline"
import * as Undici from "undici"
import { streamChunks } from "./shared.js"

/** The double's default key (`SkyMock.defaultApiKey` on both lines); the bench server accepts any. */
export const benchApiKey = "ak-" + "0".repeat(32)

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

/** One contender: its three workloads. */
export interface Contender {
  /** `count` calls at `concurrency`. */
  readonly chat: (count: number, concurrency: number) => Promise<void>
  readonly limited: (count: number, concurrency: number) => Promise<void>
  /** One stream, its chunk count. */
  readonly stream: () => Promise<number>
  readonly close: () => Promise<void>
}

/** The concurrency of the chat and 429 paths. */
export const concurrency = 64
const model = "bench-model"
/** The chat request every contender sends. */
export const chatRequest = { model, messages: [{ role: "user" as const, content: "Say hello to the benchmark." }] }
/** The header that makes the bench server answer 429 with code 2007. */
export const limitedHeaders = { "x-bench-answer": "429" }

/** `count` calls by `width` promise workers. */
export const workers = async (count: number, width: number, call: () => Promise<unknown>): Promise<void> => {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next++ < count) await call()
  }
  await Promise.all(Array.from({ length: width }, worker))
}

/** The `openai` package. */
export const openai = async (url: string): Promise<Contender> => {
  const client = new OpenAI({ apiKey: benchApiKey, baseURL: `${url}/v1`, maxRetries: 0 })
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

/** Raw `undici.request` and `JSON.parse`. */
export const undici = async (url: string): Promise<Contender> => {
  const endpoint = `${url}/v1/chat/completions`
  const headers = { authorization: `Bearer ${benchApiKey}`, "content-type": "application/json", accept: "application/json" }
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

const measure = async (run: () => Promise<number>): Promise<PathSample> => {
  const cpu = process.cpuUsage()
  const start = performance.now()
  const count = await run()
  const ms = performance.now() - start
  const used = process.cpuUsage(cpu)
  return { cpu: (used.user + used.system) / count, rate: (count * 1000) / ms }
}

/**
 * The contender process's main loop, over the contenders a line offers:
 * `node --import tsx <contender.ts> <name> <url> <sizes as JSON>`.
 */
export const runContender = async (
  contenders: Readonly<Record<string, (url: string) => Promise<Contender>>>
): Promise<void> => {
  const [name, url, sizesText] = process.argv.slice(2)
  const make = name === undefined ? undefined : contenders[name]
  if (make === undefined || url === undefined || sizesText === undefined) {
    throw new Error(`usage: contender.ts <${Object.keys(contenders).join("|")}> <url> <sizes>`)
  }
  const sizes = JSON.parse(sizesText) as Sizes
  const contender = await make(url)
  await contender.chat(sizes.warmup, concurrency)
  await contender.limited(sizes.warmup, concurrency)
  if ((await contender.stream()) !== streamChunks) throw new Error(`${name}: expected ${streamChunks} chunks`)
  process.stdout.write("ready\n")
  // Each round starts warm: a contender waits while the others run (up to a minute). A tenth of a round's calls,
  // unmeasured, per path; this alone did not remove the outlier rounds that the pairing did (bench/findings.md 25).
  const rewarm = async (): Promise<void> => {
    const calls = Math.max(1, Math.round(sizes.calls / 10))
    await contender.chat(calls, concurrency)
    await contender.limited(calls, concurrency)
    await contender.stream()
  }
  const round = async (): Promise<ContenderSample> => {
    await rewarm()
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

/** Runs `runContender` and exits: 0 when stdin closes, 1 with the error on stderr. */
export const contenderProcess = (
  contenders: Readonly<Record<string, (url: string) => Promise<Contender>>>
): void => {
  runContender(contenders).then(() => process.exit(0), (error: unknown) => {
    process.stderr.write(`contender failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
    process.exit(1)
  })
}
