/**
 * Measures the client's memory for a 500 with a 200 MB body (not a test).
 *
 *   node --expose-gc --import tsx bench/errorBodyMemory.ts [undici|fetch]
 *
 * The server runs in a child process, so that only the client's memory is measured.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { FetchHttpClient } from "@effect/platform"
import { Effect, Layer, Redacted } from "effect"
import { spawn } from "node:child_process"
import { SkyClient } from "../src/index.js"

const size = 200 * 1024 * 1024
const serverSource = `
const http = require("node:http")
let written = 0
const server = http.createServer((req, res) => {
  req.resume()
  res.writeHead(500, { "content-type": "application/json", "content-length": String(${size}) })
  const block = Buffer.alloc(65536, "x")
  written = 0
  const pump = () => {
    while (written < ${size}) {
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
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`
const gc = (globalThis as { gc?: () => void }).gc

const main = async () => {
  const child = spawn(process.execPath, ["-e", serverSource], { stdio: ["ignore", "pipe", "inherit"] })
  const port = await new Promise<string>((resolve) => child.stdout.once("data", (d: Buffer) => resolve(d.toString().trim())))
  const transport = process.argv[2] === "fetch" ? FetchHttpClient.layer : NodeHttpClient.layerUndici
  const layer = SkyClient.layer({ apiKey: Redacted.make("ak-" + "r".repeat(32)), baseUrl: `http://127.0.0.1:${port}`, maxRetries: 0 })
    .pipe(Layer.provide(transport))
  // Warm up everything the call loads before the first measure.
  gc?.()
  const before = process.memoryUsage().rss
  const error = await Effect.runPromise(
    Effect.flip(Effect.flatMap(SkyClient.SkyClient, (sky) => sky.request({ path: "/v1/x", body: {} }))).pipe(
      Effect.provide(layer)
    )
  )
  const after = process.memoryUsage().rss
  gc?.()
  const peak = process.resourceUsage().maxRSS * 1024
  console.log(`${process.argv[2] ?? "undici"}: ${error._tag} status ${error.status} body ${error.body?.length} chars truncated=${error.bodyTruncated}`)
  console.log(`RSS before ${mb(before)}, after ${mb(after)}, peak ${mb(peak)}`)
  child.kill()
}
main()
