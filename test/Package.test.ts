import { describe, expect, it } from "@effect/vitest"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, beforeAll } from "vitest"
import {
  consumerTsconfig,
  installProject,
  lineLock,
  type Manifest,
  ok,
  pack,
  packedManifest,
  peersOf,
  sh
} from "./support/packed.js"

/**
 * The packed 1.x package, installed as a user installs it, against the lowest and the highest version of each
 * peer range, with no network (`test/support/packed.ts`). A version of a range that this checkout does not
 * install must be in its lockfile as a devDependency alias (e.g. `"effect-lowest": "npm:effect@3.22.4"`), or
 * this test says which alias to add.
 */
const root = resolve(import.meta.dirname, "..")
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Manifest
const lock = lineLock(["node_modules/"])
const { all: peers, required } = peersOf(manifest)

/** The lowest version of a `^x.y.z` or `~x.y.z` range, and the highest this lockfile resolved it to. */
const bounds = (name: string): { readonly lowest: string; readonly highest: string } => ({
  lowest: manifest.peerDependencies[name]!.replace(/^[\^~]/, ""),
  highest: lock.installed(name)!
})

const versionSets: ReadonlyArray<readonly [string, Record<string, string>]> = (() => {
  const lowest = Object.fromEntries(peers.map((name) => [name, bounds(name).lowest]))
  const highest = Object.fromEntries(peers.map((name) => [name, bounds(name).highest]))
  return JSON.stringify(lowest) === JSON.stringify(highest)
    ? [["lowest = highest", lowest]]
    : [["lowest", lowest], ["highest", highest]]
})()

let work = ""
let tarball = ""
let packedFiles: ReadonlyArray<string> = []
const projects = new Map<string, string>()
let bare = ""

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "sky-consumer-"))
  // Packed once; dist/ is built by test/globalSetup.ts, so the prepack build is skipped.
  ;({ tarball, files: packedFiles } = await pack(root, work))
  for (const [label, versions] of versionSets) {
    const project = join(work, label.replace(/\W+/g, "-"))
    await installProject({ project, tarball, versions, lock, label })
    projects.set(label, project)
  }
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
    const packed = packedManifest(tarball)
    expect(packed["dependencies"] ?? {}).toEqual({})
    expect(Object.keys(packed.peerDependencies)).toEqual(
      expect.arrayContaining(["effect", "@effect/platform", "@effect/experimental"])
    )
    for (const name of ["effect", "@effect/platform", "@effect/experimental"]) {
      expect(packed.peerDependenciesMeta?.[name]?.optional ?? false, name).toBe(false)
    }
    // Each version tested below is one of its peer's range.
    for (const name of peers) {
      const { highest, lowest } = bounds(name)
      expect(lock.entry(name, lowest), `${name}@${lowest}`).toBeDefined()
      expect(lock.entry(name, highest), `${name}@${highest}`).toBeDefined()
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
      writeFileSync(join(project(), "tsconfig.json"), consumerTsconfig(["consumer.ts"]))
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
