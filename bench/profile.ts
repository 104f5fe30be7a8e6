/**
 * One benchmark scenario in a loop, for profiling:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile.ts <scenario> [iterations]
 *
 * Or one path of one contender of the overhead table, on the hand-written server:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile.ts <sky|platform|openai|undici> <chat|limited|stream> [calls]
 *
 * Scenarios: `chat` (SkyClient chat completions, concurrency 1), `chat64`, `error` (2007 answers),
 * `stream` (one 10,000-chunk chat stream from the pre-built body), `stream-openai`, `decode`
 * (`SkyWire.decodeError` on the three bodies of benchmark d). Starts and stops the bench servers itself.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Readline from "node:readline"
import { fileURLToPath } from "node:url"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import OpenAI from "openai"
import { SkyClient, SkyError, SkyWire } from "../src/index.js"
import { defaultApiKey } from "../src/SkyMock.js"
import { type ContenderName, contenders } from "./contender.js"
import { promptForChunks, streamChunks } from "./shared.js"

const here = Path.dirname(fileURLToPath(import.meta.url))
const scenario = process.argv[2] ?? "chat"
const iterations = Number(process.argv[scenario in contenders ? 4 : 3] ?? (process.argv[3] === "stream" ? "3" : "2000"))

const startServers = (): Promise<{ mockUrl: string; sseUrl: string; handUrl: string; stop: () => void }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, Fs.existsSync(Path.join(here, "server.ts")) ? ["--import", "tsx", Path.join(here, "server.ts")] : [Path.join(here, "server.js")], {
      stdio: ["pipe", "pipe", "inherit"]
    })
    child.once("error", reject)
    Readline.createInterface({ input: child.stdout }).once("line", (line) => {
      const urls = JSON.parse(line) as { mockUrl: string; sseUrl: string; handUrl: string }
      resolve({ ...urls, stop: () => child.stdin.end() })
    })
  })

const overheadPath = async (name: ContenderName, path: string): Promise<void> => {
  const servers = await startServers()
  const contender = await contenders[name](servers.handUrl)
  const run = async (count: number): Promise<number> => {
    if (path === "stream") {
      let chunks = 0
      for (let i = 0; i < count; i++) chunks += await contender.stream()
      return chunks
    }
    await (path === "chat" ? contender.chat(count, 64) : contender.limited(count, 64))
    return count
  }
  await run(path === "stream" ? 1 : 500)
  const cpuStart = process.cpuUsage()
  const done = await run(iterations)
  const cpu = process.cpuUsage(cpuStart)
  console.log(`${name} ${path}: ${((cpu.user + cpu.system) / done).toFixed(1)} µs of this process's CPU per ${path === "stream" ? "chunk" : "call"}`)
  await contender.close()
  servers.stop()
}

const main = async (): Promise<void> => {
  if (scenario in contenders) return overheadPath(scenario as ContenderName, process.argv[3] ?? "chat")
  if (scenario === "decode") {
    const encoder = new TextEncoder()
    const wire = SkyWire.encodeError(new SkyError.RpmLimitExceeded({ message: "rpm", requestId: "0123456789abcdef0123456789abcdef" }))
    const input = { status: wire.status, headers: wire.headers, body: encoder.encode(wire.body) }
    const start = performance.now()
    for (let i = 0; i < iterations; i++) SkyWire.decodeError(input, { now: 0 })
    console.log(`${scenario}: ${((performance.now() - start) * 1000 / iterations).toFixed(2)} µs each`)
    return
  }
  const servers = await startServers()
  const stream = scenario.startsWith("stream")
  const baseUrl = stream ? servers.sseUrl : servers.mockUrl
  const headers = scenario === "error" ? { "x-sky-mock": "error:2007" } : undefined
  const runtime = ManagedRuntime.make(
    SkyClient.layer({ apiKey: Redacted.make(defaultApiKey), baseUrl, maxRetries: 0, ...(headers ? { headers } : {}) })
      .pipe(Layer.provide(NodeHttpClient.layerUndici))
  )
  const sky = await runtime.runPromise(SkyClient.SkyClient)
  const openai = new OpenAI({ apiKey: defaultApiKey, baseURL: `${baseUrl}/v1`, maxRetries: 0 })
  const request = { model: "bench-model", messages: [{ role: "user" as const, content: stream ? promptForChunks(streamChunks) : "hi" }] }
  const start = performance.now()
  const cpuStart = process.cpuUsage()
  if (scenario === "chat" || scenario === "error") {
    for (let i = 0; i < iterations; i++) await runtime.runPromise(Effect.either(sky.chatCompletions(request)))
  } else if (scenario === "chat64") {
    await runtime.runPromise(
      Effect.forEach(Array.from({ length: iterations }), () => Effect.either(sky.chatCompletions(request)), {
        concurrency: 64,
        discard: true
      })
    )
  } else if (scenario === "stream") {
    for (let i = 0; i < iterations; i++) await runtime.runPromise(Stream.runCount(sky.chatCompletionsStream(request)))
  } else if (scenario === "stream-openai") {
    for (let i = 0; i < iterations; i++) {
      for await (const _ of await openai.chat.completions.create({ ...request, stream: true })) {
        // drain
      }
    }
  }
  const cpu = process.cpuUsage(cpuStart)
  console.log(
    `${scenario}: ${((performance.now() - start) / iterations).toFixed(3)} ms each, ` +
      `${((cpu.user + cpu.system) / iterations).toFixed(0)} µs of this process's CPU each`
  )
  await runtime.dispose()
  servers.stop()
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error)
  process.exit(1)
})
