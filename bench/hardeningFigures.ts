/**
 * What `bench/errorBodyMemory.ts` and `bench/lineEndings.ts` (and their 2.x twins under `packages/effect4/bench`)
 * share, without Effect: the servers they talk to and how they measure. Not a test: they print figures.
 */
import { spawn } from "node:child_process"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

// ---------------------------------------------------------------------------------------------------------------
// A 500 with a 200 MB body

/** The size of the error body the memory figure is about. */
export const bigErrorBytes = 200 * 1024 * 1024

const bigErrorServer = `
const http = require("node:http")
let written = 0
const server = http.createServer((req, res) => {
  req.resume()
  res.writeHead(500, { "content-type": "application/json", "content-length": String(${bigErrorBytes}) })
  const block = Buffer.alloc(65536, "x")
  written = 0
  const pump = () => {
    while (written < ${bigErrorBytes}) {
      written += block.length
      if (!res.write(block)) return void res.once("drain", pump)
    }
    res.end()
  }
  res.on("close", () => process.stderr.write("server wrote " + written + " bytes before the socket closed\\n"))
  pump()
})
server.listen(0, "127.0.0.1", () => process.stdout.write(String(server.address().port) + "\\n"))
`

const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(0)} MB`

/**
 * Starts the 200 MB server in a child process (so that only the client's memory is measured), runs `call` against
 * it, and prints what the error kept and the client's RSS before, after and at its peak.
 */
export const measureBigError = async (
  label: string,
  call: (baseUrl: string) => Promise<{ readonly _tag: string; readonly status?: number | undefined; readonly body?: string | undefined; readonly bodyTruncated?: boolean | undefined }>
): Promise<void> => {
  const child = spawn(process.execPath, ["-e", bigErrorServer], { stdio: ["ignore", "pipe", "inherit"] })
  const port = await new Promise<string>((resolve) => child.stdout.once("data", (d: Buffer) => resolve(d.toString().trim())))
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  const before = process.memoryUsage().rss
  const error = await call(`http://127.0.0.1:${port}`)
  const after = process.memoryUsage().rss
  gc?.()
  const peak = process.resourceUsage().maxRSS * 1024
  console.log(`${label}: ${error._tag} status ${error.status} body ${error.body?.length} chars truncated=${error.bodyTruncated}`)
  console.log(`RSS before ${mb(before)}, after ${mb(after)}, peak ${mb(peak)}`)
  child.kill()
}

// ---------------------------------------------------------------------------------------------------------------
// One chat stream per SSE line ending

const endings: ReadonlyArray<readonly [string, string]> = [["\\n", "\n"], ["\\r", "\r"], ["\\r\\n", "\r\n"]]

const event = (i: number, eol: string): string =>
  `data: {"id":"a","object":"chat.completion.chunk","created":0,"model":"m","choices":[{"index":0,"delta":{"content":"t${i}"},"finish_reason":null}]}${eol}${eol}`

/**
 * Starts a loopback server that answers each request with one chat stream of `chunks` events, in each line ending
 * in turn; `open(baseUrl)` gives a function that reads one whole stream and gives its count. Prints the median wall and CPU time per ending.
 */
export const timeLineEndings = async (
  chunks: number,
  rounds: number,
  open: (baseUrl: string) => Promise<() => Promise<number>>
): Promise<void> => {
  let eol = "\n"
  const server = createServer((request, response) => {
    request.resume()
    response.writeHead(200, { "content-type": "text/event-stream" })
    // One write per chunk, as a gateway flushes each; the socket may still coalesce them.
    for (let i = 0; i < chunks; i++) response.write(event(i, eol))
    response.end(`data: [DONE]${eol}${eol}`)
  })
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  try {
    const stream = await open(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    const once = async () => {
      const start = performance.now()
      const cpu = process.cpuUsage()
      const count = await stream()
      const used = process.cpuUsage(cpu)
      return { count, ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000 }
    }
    const median = (xs: Array<number>) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
    console.log(`${chunks} chunks per stream`)
    for (const [name, ending] of endings) {
      eol = ending
      await once() // warm-up
      const times: Array<{ ms: number; cpuMs: number }> = []
      for (let r = 0; r < rounds; r++) {
        const result = await once()
        if (result.count !== chunks) throw new Error(`${name}: ${result.count} chunks, expected ${chunks}`)
        times.push(result)
      }
      console.log(
        `${name.padEnd(5)} median wall ${median(times.map((t) => t.ms)).toFixed(0).padStart(6)} ms, ` +
          `median CPU ${median(times.map((t) => t.cpuMs)).toFixed(0).padStart(6)} ms (${rounds} rounds)`
      )
    }
  } finally {
    server.close()
  }
}
