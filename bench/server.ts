/**
 * The benchmark's server process: the local double of the gateway
 * (`SkyMock`, on 127.0.0.1, node:http keep-alive) plus a tiny node:http server
 * that answers any POST with one pre-built 10,000-chunk chat stream, so that the
 * stream benchmark can also measure decoding alone (no per-request generation
 * on the server).
 *
 * A third server, `handUrl`, is written by hand (no SkyMock) for the overhead
 * table: a POST with `x-bench-answer: 429` gets the gateway's 429 with code
 * 2007, a body asking for `"stream":true` the pre-built stream, anything else
 * one fixed chat completion. Every answer is built once, at start.
 *
 * It runs in its own process so that the servers and the clients under test do
 * not share one event loop. It prints one JSON line with the two URLs, and
 * stops (closing both servers) when its stdin closes or on SIGTERM/SIGINT.
 */
import * as Http from "node:http"
import type * as Net from "node:net"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { SkyError, SkyWire } from "../src/index.js"
import * as SkyMock from "../src/SkyMock.js"
import { chatCompletion, streamChunks, sseBody } from "./shared.js"

const host = "127.0.0.1"


const main = async (): Promise<void> => {
  const scope = Effect.runSync(Scope.make())
  const mock = await Effect.runPromise(Scope.extend(SkyMock.make({ host }), scope))

  // The double records every request; forget them now and then so that its memory stays flat.
  const clearing = setInterval(() => Effect.runSync(mock.clear), 1_000)

  const body = Buffer.from(sseBody(streamChunks), "utf8")
  const sse = Http.createServer((req, res) => {
    req.resume()
    req.on("end", () => {
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "content-length": String(body.byteLength),
        "x-request-id": "0123456789abcdef0123456789abcdef"
      })
      res.end(body)
    })
  })
  sse.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => sse.listen(0, host, resolve))
  const ssePort = (sse.address() as Net.AddressInfo).port

  const chat = Buffer.from(JSON.stringify(chatCompletion), "utf8")
  const limited = SkyWire.encodeError(
    new SkyError.RpmLimitExceeded({ message: "requests per minute limit reached", requestId: "0123456789abcdef0123456789abcdef" })
  )
  const limitedBody = Buffer.from(limited.body, "utf8")
  const hand = Http.createServer((req, res) => {
    const parts: Array<Buffer> = []
    req.on("data", (part: Buffer) => parts.push(part))
    req.on("end", () => {
      if (req.headers["x-bench-answer"] === "429") {
        res.writeHead(limited.status, { ...limited.headers, "content-length": String(limitedBody.byteLength) })
        res.end(limitedBody)
      } else if (Buffer.concat(parts).includes('"stream":true')) {
        res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "content-length": String(body.byteLength) })
        res.end(body)
      } else {
        res.writeHead(200, { "content-type": "application/json", "content-length": String(chat.byteLength), "x-request-id": "0123456789abcdef0123456789abcdef" })
        res.end(chat)
      }
    })
  })
  hand.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => hand.listen(0, host, resolve))
  const handPort = (hand.address() as Net.AddressInfo).port

  let stopping = false
  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    clearInterval(clearing)
    sse.closeAllConnections()
    hand.closeAllConnections()
    await new Promise<void>((resolve) => hand.close(() => resolve()))
    await new Promise<void>((resolve) => sse.close(() => resolve()))
    await Effect.runPromise(Scope.close(scope, Exit.void))
    process.exit(0)
  }
  process.stdin.on("end", () => void stop())
  process.stdin.on("close", () => void stop())
  process.stdin.resume()
  process.on("SIGTERM", () => void stop())
  process.on("SIGINT", () => void stop())

  process.stdout.write(JSON.stringify({ mockUrl: mock.url, sseUrl: `http://${host}:${ssePort}`, handUrl: `http://${host}:${handPort}`, pid: process.pid }) + "\n")
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server failed: ${String(error)}\n`)
  process.exit(1)
})
