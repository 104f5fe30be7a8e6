import { describe, expect, it } from "@effect/vitest"
import { createHash } from "node:crypto"
import { execFile, execFileSync } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, beforeAll } from "vitest"

/**
 * The packed package, installed as a user installs it, against the lowest and
 * the highest version of each peer range, with no network: the consumer gets a
 * lockfile made from this checkout's own, so `npm ci --offline` takes every
 * tarball from the npm cache that `npm ci` here filled. A version of a range
 * that this checkout does not install must be in its lockfile as a
 * devDependency alias (e.g. `"effect-lowest": "npm:effect@3.22.4"`), or this
 * test says which alias to add.
 */
const root = resolve(import.meta.dirname, "..")
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  readonly peerDependencies: Record<string, string>
  readonly peerDependenciesMeta: Record<string, { readonly optional?: boolean }>
}
interface LockEntry {
  readonly name?: string
  readonly version: string
  readonly dependencies?: Record<string, string>
  readonly optionalDependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
  readonly peerDependenciesMeta?: Record<string, { readonly optional?: boolean }>
  readonly [key: string]: unknown
}
const lock = (JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as {
  readonly packages: Record<string, LockEntry>
}).packages

const required = Object.keys(manifest.peerDependencies).filter((name) => manifest.peerDependenciesMeta[name]?.optional !== true)
const peers = Object.keys(manifest.peerDependencies)

/** The lockfile entry of `name` at `version`: installed under its own name, or as an alias. */
const lockEntry = (name: string, version: string): LockEntry | undefined =>
  Object.entries(lock).find(([path, entry]) =>
    path.startsWith("node_modules/") && !path.slice(13).includes("node_modules/") &&
    (entry.name ?? path.slice(13)) === name && entry.version === version
  )?.[1]

/** The lowest version of a `^x.y.z` or `~x.y.z` range, and the highest this lockfile resolved it to. */
const bounds = (name: string): { readonly lowest: string; readonly highest: string } => ({
  lowest: manifest.peerDependencies[name]!.replace(/^[\^~]/, ""),
  highest: lock[`node_modules/${name}`]!.version
})

const versionSets: ReadonlyArray<readonly [string, Record<string, string>]> = (() => {
  const lowest = Object.fromEntries(peers.map((name) => [name, bounds(name).lowest]))
  const highest = Object.fromEntries(peers.map((name) => [name, bounds(name).highest]))
  return JSON.stringify(lowest) === JSON.stringify(highest)
    ? [["lowest = highest", lowest]]
    : [["lowest", lowest], ["highest", highest]]
})()

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs a process without blocking the test worker (a blocked worker misses vitest's own calls). */
const sh = (command: string, args: ReadonlyArray<string>, cwd: string): Promise<Run> =>
  new Promise((done) => {
    execFile(command, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1
      done({ code, stdout, stderr })
    })
  })

/** Runs a process that must succeed; its stdout. */
const ok = async (command: string, args: ReadonlyArray<string>, cwd: string): Promise<string> => {
  const run = await sh(command, args, cwd)
  if (run.code !== 0) throw new Error(`${command} ${args.join(" ")} exited ${run.code}: ${run.stderr}`)
  return run.stdout
}

let work = ""
let tarball = ""
let packedFiles: Array<string> = []
const projects = new Map<string, string>()
let bare = ""

/**
 * A consumer project with the tarball and `versions`, installed by `npm ci
 * --offline` from a lockfile holding the closure of those packages' entries
 * in this checkout's lockfile.
 */
const installProject = async (label: string, versions: Record<string, string>): Promise<string> => {
  const project = join(work, label.replace(/\W+/g, "-"))
  mkdirSync(project)
  const file = "effect-skyengine.tgz"
  copyFileSync(tarball, join(project, file))
  const packed = JSON.parse(execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" }))
  const dependencies = { "effect-skyengine": `file:${file}`, ...versions }
  const packages: Record<string, unknown> = {
    "": { name: "consumer", dependencies },
    "node_modules/effect-skyengine": {
      version: packed.version,
      resolved: `file:${file}`,
      integrity: `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`,
      license: packed.license,
      bin: packed.bin,
      peerDependencies: packed.peerDependencies,
      peerDependenciesMeta: packed.peerDependenciesMeta
    }
  }
  const pending = Object.entries(versions).map(([name, version]) => ({ name, version }))
  const seen = new Set<string>()
  while (pending.length > 0) {
    const { name, version }: { name: string; version: string | undefined } = pending.pop()!
    if (seen.has(name)) continue
    seen.add(name)
    const entry = version === undefined ? lock[`node_modules/${name}`] : lockEntry(name, version)
    if (entry === undefined) {
      throw new Error(
        `${name}@${version} is not in package-lock.json: add the devDependency ` +
          `"${name.replace(/^@[^/]+\//, "")}-${label.split(" ")[0]}": "npm:${name}@${version}" and run npm install`
      )
    }
    const { name: _alias, dev: _dev, devOptional: _devOptional, peer: _peer, ...kept } = entry
    packages[`node_modules/${name}`] = kept
    const optionalPeers = entry.peerDependenciesMeta ?? {}
    for (
      const dependency of [
        ...Object.keys(entry.dependencies ?? {}),
        ...Object.keys(entry.optionalDependencies ?? {}),
        ...Object.keys(entry.peerDependencies ?? {}).filter((peer) => optionalPeers[peer]?.optional !== true)
      ]
    ) {
      if (lock[`node_modules/${dependency}`] !== undefined) pending.push({ name: dependency, version: versions[dependency] })
    }
  }
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module", dependencies }))
  writeFileSync(join(project, "package-lock.json"), JSON.stringify({ name: "consumer", lockfileVersion: 3, requires: true, packages }))
  await ok("npm", ["ci", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"], project)
  return project
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "sky-consumer-"))
  // Packed once; dist/ is built by test/globalSetup.ts, so the prepack build is skipped.
  const packed = JSON.parse(
    await ok("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], root)
  ) as Array<{ filename: string; files: Array<{ path: string }> }>
  tarball = join(work, packed[0]!.filename)
  packedFiles = packed[0]!.files.map((f) => f.path)
  for (const [label, versions] of versionSets) projects.set(label, await installProject(label, versions))
  // The required peers only, linked from this checkout: what `npm i effect-skyengine` alone gives.
  bare = join(work, "bare")
  const target = join(bare, "node_modules", "effect-skyengine")
  mkdirSync(target, { recursive: true })
  await ok("tar", ["-xzf", tarball, "-C", target, "--strip-components=1"], bare)
  for (const name of required) {
    mkdirSync(join(bare, "node_modules", name, ".."), { recursive: true })
    symlinkSync(join(root, "node_modules", name), join(bare, "node_modules", name), "dir")
  }
  writeFileSync(join(bare, "package.json"), JSON.stringify({ name: "consumer", type: "module", private: true }))
}, 300_000)

afterAll(() => {
  if (work !== "") rmSync(work, { recursive: true, force: true })
})

const importCheck = `
import { SkyError, SkyWire } from "effect-skyengine"
import * as SkyErrorModule from "effect-skyengine/SkyError"
const e = SkyWire.decodeError({ status: 429, body: '{"error":{"code":2008,"message":"tpm"}}' })
let blocked = "no"
try { await import("effect-skyengine/internal/decode") } catch (err) { blocked = err.code }
console.log(JSON.stringify({
  tag: e._tag,
  code: e.code,
  same: SkyErrorModule.TpmLimitExceeded === SkyError.TpmLimitExceeded,
  isSky: SkyError.isSkyError(e),
  blocked
}))
`

const mockCheck = `
import { Effect } from "effect"
import { SkyClient } from "effect-skyengine"
import * as SkyMock from "effect-skyengine/SkyMock"
const answer = await Effect.runPromise(Effect.flatMap(SkyClient.SkyClient, (sky) =>
  sky.chatCompletions({ model: "m", messages: [{ role: "user", content: "hi" }] })
).pipe(Effect.provide(SkyMock.layerClient())))
console.log(answer.choices[0].message.content)
`

const consumerTs = `
import { Effect } from "effect"
import { SkyError, SkyWire } from "effect-skyengine"
const code: 2007 = new SkyError.RpmLimitExceeded().code
declare const call: Effect.Effect<string, SkyError.SkyError>
export const safe: Effect.Effect<string, never> = call.pipe(
  Effect.catchIf(SkyError.isTooManyRequests, () => Effect.succeed("later")),
  Effect.catchAll((e) => Effect.succeed(e._tag))
)
export const decoded: SkyError.SkyError = SkyWire.decodeError({ status: 401 })
export { code }
`

describe("the packed package", () => {
  it("holds dist, no sources, no tests, no source maps", () => {
    expect(packedFiles).toContain("dist/src/index.js")
    expect(packedFiles).toContain("dist/src/index.d.ts")
    expect(packedFiles).toContain("dist/src/SkyError.js")
    expect(packedFiles.some((f) => f.startsWith("src/") || f.startsWith("test/") || f.endsWith(".map"))).toBe(false)
  })

  it("makes effect and every @effect package a peer, so the app's single copy of Effect is used", () => {
    const packed = JSON.parse(execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" }))
    expect(packed.dependencies ?? {}).toEqual({})
    expect(Object.keys(packed.peerDependencies)).toEqual(
      expect.arrayContaining(["effect", "@effect/platform", "@effect/experimental"])
    )
    for (const name of ["effect", "@effect/platform", "@effect/experimental"]) {
      expect(packed.peerDependenciesMeta?.[name]?.optional ?? false, name).toBe(false)
    }
    // Each version tested below is one of its peer's range.
    for (const name of peers) {
      const { highest, lowest } = bounds(name)
      expect(lockEntry(name, lowest), `${name}@${lowest}`).toBeDefined()
      expect(lockEntry(name, highest), `${name}@${highest}`).toBeDefined()
    }
  })

  describe.each(versionSets)("installed with the peers' %s versions", (label, versions) => {
    const project = (): string => projects.get(label)!

    it("installs one copy of each peer, every peer range satisfied", async () => {
      for (const [name, version] of Object.entries(versions)) {
        expect(JSON.parse(readFileSync(join(project(), "node_modules", name, "package.json"), "utf8")).version).toBe(version)
      }
      expect(existsSync(join(project(), "node_modules", "effect-skyengine", "node_modules"))).toBe(false)
      // npm ls exits non-zero, naming the package, for a peer that is missing or outside its range.
      const ls = await sh("npm", ["ls", "--all", "--offline"], project())
      expect(ls.stdout + ls.stderr).not.toMatch(/invalid|UNMET (PEER )?DEPENDENCY/)
      expect(ls.code).toBe(0)
    })

    it("imports by the root and by subpath, and blocks internal modules", async () => {
      writeFileSync(join(project(), "main.mjs"), importCheck)
      const out = await ok(process.execPath, ["main.mjs"], project())
      expect(JSON.parse(out)).toEqual({
        tag: "TpmLimitExceeded",
        code: 2008,
        same: true,
        isSky: true,
        blocked: "ERR_PACKAGE_PATH_NOT_EXPORTED"
      })
    })

    it("runs the sky bin and the double", async () => {
      const out = await ok(join(project(), "node_modules", ".bin", "sky"), ["errors"], project())
      expect(out).toMatch(/2008\s+429\s+TooManyRequests\s+TpmLimitExceeded/)
      writeFileSync(join(project(), "mock.mjs"), mockCheck)
      expect((await ok(process.execPath, ["mock.mjs"], project())).trim()).toBe("echo: hi")
    }, 60_000)

    it("type-checks a consumer against the published declarations", async () => {
      writeFileSync(
        join(project(), "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            exactOptionalPropertyTypes: true,
            module: "NodeNext",
            moduleResolution: "NodeNext",
            target: "ES2022",
            noEmit: true,
            skipLibCheck: true,
            types: []
          },
          files: ["consumer.ts"]
        })
      )
      writeFileSync(join(project(), "consumer.ts"), consumerTs)
      const tsc = await sh(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "."], project())
      expect(tsc.stdout).toBe("")
      expect(tsc.code).toBe(0)
    }, 120_000)
  })

  describe("with the required peers only", () => {
    it("sky names the optional peers to install, with versions, and exits 1 without a stack trace", async () => {
      const run = await sh(process.execPath, [join(bare, "node_modules", "effect-skyengine", "dist", "src", "bin", "sky.js"), "errors"], bare)
      expect(run.code).toBe(1)
      expect(run.stdout).toBe("")
      const optional = peers.filter((name) => !required.includes(name))
      expect(run.stderr).toContain(`not installed: ${optional.join(", ")}.`)
      expect(run.stderr).toContain(
        `npm i ${optional.map((name) => `"${name}@${manifest.peerDependencies[name]}"`).join(" ")}`
      )
      expect(run.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|\n\s+at /)
    })

    it("the double and its client work (over fetch, without @effect/platform-node)", async () => {
      writeFileSync(join(bare, "mock.mjs"), mockCheck)
      expect((await ok(process.execPath, ["mock.mjs"], bare)).trim()).toBe("echo: hi")
    })
  })
})
