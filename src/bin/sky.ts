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

/** Whether `name` resolves from this file, as the command's own imports will. */
const isInstalled = (name: string): boolean => {
  try {
    import.meta.resolve(name)
    return true
  } catch {
    return false
  }
}

/**
 * The message for missing peers: which are missing, and one `npm i` command
 * with the ranges from this package's own `peerDependencies`, so that npm does
 * not pick a major version that conflicts (e.g. `@effect/platform-node` 4.x).
 */
const missingPeersMessage = (
  missing: ReadonlyArray<string>,
  peerRanges: Readonly<Record<string, string>>
): string => {
  const specs = missing.map((name) => `"${name}@${peerRanges[name] ?? "latest"}"`)
  return [
    `sky: ${missing.length === 1 ? "a package it needs is" : "packages it needs are"} not installed: ${missing.join(", ")}.`,
    "Install them next to effect-skyengine (the versions it supports):",
    "",
    `  npm i ${specs.join(" ")}`,
    ""
  ].join("\n")
}

const missing = needed.filter((name) => !isInstalled(name))
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
