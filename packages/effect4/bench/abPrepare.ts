/**
 * `prepare` and one `execute` of the Effect 4 line's request module, A (a copy, as in `ab.ts`) against B (`src`),
 * interleaved in one process, without sending anything: the per-call cost of making the call's request and log.
 *
 *   $N22 --import tsx packages/effect4/bench/abPrepare.ts [rounds] [calls] [A dir]
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const here = Path.dirname(fileURLToPath(import.meta.url))
const rounds = Number(process.argv[2] ?? "10")
const calls = Number(process.argv[3] ?? "50000")
const aDir = process.argv[4] ?? Path.join(here, "..", "scratch", "A", "packages", "effect4", "src")
const body = { model: "bench-model", messages: [{ role: "user", content: "Say hello to the benchmark." }] }
const ok = new Response("{}", { status: 200 })

const load = async (dir: string) => {
  const Request = await import(pathToFileURL(Path.join(dir, "internal", "request.ts")).href)
  const SkyRetry = await import(pathToFileURL(Path.join(dir, "SkyRetry.ts")).href)
  const apiKey = Redacted.make("sk-bench-0123456789")
  const settings = {
    apiKey,
    baseUrl: "http://127.0.0.1:1",
    base: Request.baseUrlOf("http://127.0.0.1:1", ["sk-bench-0123456789"]),
    timeout: Duration.seconds(60),
    retry: SkyRetry.policy({}),
    headers: {},
    anthropicVersion: "2023-06-01",
    streamTimeout: Duration.infinity
  }
  const endpoint = { operation: "chatCompletions", method: "POST", path: "/v1/chat/completions", body, model: "bench-model" }
  const client = HttpClient.makeWith((request: Effect.Effect<any, any>) =>
    Effect.map(request, (r) => HttpClientResponse.fromWeb(r, ok)), Effect.succeed)
  const one = Effect.flatMap(Request.prepare(settings, endpoint, undefined), (call: any) => Request.execute(client, call, 1)) as Effect.Effect<unknown, unknown>
  return () => {
    for (let i = 0; i < calls; i++) Effect.runSync(one)
  }
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const main = async () => {
  const a = await load(aDir)
  const b = await load(Path.join(here, "..", "src"))
  a()
  b()
  const as: Array<number> = []
  const bs: Array<number> = []
  const time = (f: () => void) => {
    const start = process.cpuUsage()
    f()
    const used = process.cpuUsage(start)
    return (used.user + used.system) / calls
  }
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      as.push(time(a))
      bs.push(time(b))
    } else {
      bs.push(time(b))
      as.push(time(a))
    }
  }
  console.log(`prepare + execute: A ${median(as).toFixed(2)} µs, B ${median(bs).toFixed(2)} µs (medians of ${rounds} x ${calls})`)
}

main().then(() => process.exit(0), (e) => {
  console.error(e)
  process.exit(1)
})
