#!/usr/bin/env node
/**
 * The `sky` command: `demo`, `chat`, `mock`, `errors`.
 *
 * The command needs the optional peers `@effect/platform-node`, `@effect/cli`,
 * `@effect/printer` and `@effect/printer-ansi` besides the required ones. It
 * checks that each is installed before loading the command, and when one is
 * missing prints which to install (with the versions this package declares)
 * and exits 1, instead of Node's `ERR_MODULE_NOT_FOUND` stack trace.
 *
 * @since 0.1.0
 */
import { readFileSync } from "node:fs"
import { missingPackages, missingPeersMessage } from "../../packages/core/src/command.js"

/** The peers `sky` imports, required ones first. */
const needed: ReadonlyArray<string> = [
  "effect",
  "@effect/platform",
  "@effect/experimental",
  "@effect/platform-node",
  "@effect/cli",
  "@effect/printer",
  "@effect/printer-ansi"
]

const missing = missingPackages(needed, (name) => import.meta.resolve(name))
if (missing.length > 0) {
  // The package's own manifest, by self-reference: the same from src/bin (development) and dist/src/bin.
  const manifest = JSON.parse(readFileSync(new URL(import.meta.resolve("effect-skyengine/package.json")), "utf8")) as {
    readonly peerDependencies?: Readonly<Record<string, string>>
  }
  process.stderr.write(missingPeersMessage(missing, manifest.peerDependencies ?? {}))
  process.exitCode = 1
} else {
  const cli = await import("../internal/cli.js")
  cli.main(process.argv)
}
