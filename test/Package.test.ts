import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, beforeAll } from "vitest"

const root = resolve(import.meta.dirname, "..")
let project = ""

/**
 * Packs the package as `npm pack` does (which builds it first), unpacks the
 * tarball into an empty project's node_modules, and links the peers from this
 * checkout, so the test needs no registry.
 */
beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), "sky-consumer-"))
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--pack-destination", project], { cwd: root, encoding: "utf8" })
  ) as Array<{ filename: string; files: Array<{ path: string }> }>
  const tarball = join(project, packed[0]!.filename)
  const target = join(project, "node_modules", "effect-skyengine")
  mkdirSync(target, { recursive: true })
  execFileSync("tar", ["-xzf", tarball, "-C", target, "--strip-components=1"])
  const peers = ["effect", "@effect/platform", "@effect/experimental", "@effect/platform-node", "@effect/cli", "@effect/printer", "@effect/printer-ansi"]
  // The optional Node peers' own dependencies resolve from this checkout through the symlinks' real paths.
  for (const dep of [...peers, "typescript"]) {
    mkdirSync(join(project, "node_modules", dep, ".."), { recursive: true })
    symlinkSync(join(root, "node_modules", dep), join(project, "node_modules", dep), "dir")
  }
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", type: "module", private: true }))
}, 180_000)

afterAll(() => {
  if (project !== "") rmSync(project, { recursive: true, force: true })
})

describe("the packed package", () => {
  it("holds dist, no sources, no tests, no source maps", () => {
    const files = JSON.parse(
      execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8" })
    )[0].files.map((f: { path: string }) => f.path) as Array<string>
    expect(files).toContain("dist/index.js")
    expect(files).toContain("dist/index.d.ts")
    expect(files).toContain("dist/SkyError.js")
    expect(files.some((f) => f.startsWith("src/") || f.startsWith("test/") || f.endsWith(".map"))).toBe(false)
  })

  it("imports in an empty project, by the root and by subpath, and blocks internal modules", () => {
    writeFileSync(
      join(project, "main.mjs"),
      `
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
    )
    const out = execFileSync(process.execPath, ["main.mjs"], { cwd: project, encoding: "utf8" })
    expect(JSON.parse(out)).toEqual({
      tag: "TpmLimitExceeded",
      code: 2008,
      same: true,
      isSky: true,
      blocked: "ERR_PACKAGE_PATH_NOT_EXPORTED"
    })
  })

  it("runs the sky bin from the package", () => {
    const bin = JSON.parse(readFileSync(join(project, "node_modules", "effect-skyengine", "package.json"), "utf8")).bin.sky
    const out = execFileSync(process.execPath, [join(project, "node_modules", "effect-skyengine", bin), "errors"], {
      cwd: project,
      encoding: "utf8"
    })
    expect(out).toMatch(/2008\s+429\s+TooManyRequests\s+TpmLimitExceeded/)
    expect(readFileSync(join(project, "node_modules", "effect-skyengine", bin), "utf8").startsWith("#!/usr/bin/env node")).toBe(true)
  })

  it("type-checks a consumer against the published declarations", () => {
    writeFileSync(
      join(project, "tsconfig.json"),
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
    writeFileSync(
      join(project, "consumer.ts"),
      `
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
    )
    const tsc = join(project, "node_modules", "typescript", "bin", "tsc")
    const result = (() => {
      try {
        return execFileSync(process.execPath, [tsc, "-p", "."], { cwd: project, encoding: "utf8" })
      } catch (error) {
        return String((error as { stdout?: string }).stdout ?? error)
      }
    })()
    expect(result).toBe("")
    const pkg = JSON.parse(readFileSync(join(project, "node_modules", "effect-skyengine", "package.json"), "utf8"))
    expect(pkg.exports["./internal/*"]).toBeNull()
  })
})
