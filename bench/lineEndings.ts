/**
 * The time of one chat stream of N chunks (default 20,000) for each SSE line ending, through the client over
 * undici against a loopback server in this process. Not a test: it prints figures.
 *
 *   node --import tsx bench/lineEndings.ts [chunks] [rounds]
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Context, Effect, Layer, Redacted, Stream } from "effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { SkyClient } from "../src/index.js"

const chunks = Number(process.argv[2] ?? 20_000)
const rounds = Number(process.argv[3] ?? 3)
const endings: ReadonlyArray<readonly [string, string]> = [["\\n", "\n"], ["\\r", "\r"], ["\\r\\n", "\r\n"]]

const event = (i: number, eol: string): string =>
  `data: {"id":"a","object":"chat.completion.chunk","created":0,"model":"m","choices":[{"index":0,"delta":{"content":"t${i}"},"finish_reason":null}]}${eol}${eol}`

let eol = "\n"
const server = createServer((request, response) => {
  request.resume()
  response.writeHead(200, { "content-type": "text/event-stream" })
  // One write per chunk, as a gateway flushes each; the socket may still coalesce them.
  for (let i = 0; i < chunks; i++) response.write(event(i, eol))
  response.end(`data: [DONE]${eol}${eol}`)
})
await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

const program = Effect.gen(function*() {
  const sky = Context.get(
    yield* Layer.build(
      SkyClient.layer({ apiKey: Redacted.make("ak-bench-0123456789"), baseUrl, maxRetries: 0 }).pipe(
        Layer.provide(NodeHttpClient.layerUndici)
      )
    ),
    SkyClient.SkyClient
  )
  const once = Effect.suspend(() => {
    const start = performance.now()
    const cpu = process.cpuUsage()
    return Effect.map(
      Stream.runCount(sky.chatCompletionsStream({ model: "m", messages: [] })),
      (count) => {
        const used = process.cpuUsage(cpu)
        return { count, ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000 }
      }
    )
  })
  const rows: Array<string> = []
  for (const [name, ending] of endings) {
    eol = ending
    yield* once // warm-up
    const times: Array<{ ms: number; cpuMs: number }> = []
    for (let r = 0; r < rounds; r++) {
      const result = yield* once
      if (result.count !== chunks) throw new Error(`${name}: ${result.count} chunks, expected ${chunks}`)
      times.push(result)
    }
    const median = (xs: Array<number>) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
    rows.push(
      `${name.padEnd(5)} median wall ${median(times.map((t) => t.ms)).toFixed(0).padStart(6)} ms, ` +
        `median CPU ${median(times.map((t) => t.cpuMs)).toFixed(0).padStart(6)} ms (${rounds} rounds)`
    )
  }
  return rows
})

const rows = await Effect.runPromise(Effect.scoped(program))
console.log(`${chunks} chunks per stream`)
for (const row of rows) console.log(row)
server.close()
