#!/usr/bin/env node
/**
 * The `sky` command: `demo`, `chat`, `mock`, `errors`.
 *
 * Every command runs on `effect`, a required peer, and on the optional peer
 * `@effect/platform-node` (the command line's Node services and runtime),
 * except `sky errors`, which prints the catalogue from the package's own
 * table without loading either. The bin checks that what the command needs
 * is installed before loading it, and when a package is missing prints which
 * to install (with the versions this package declares) and exits 1, instead
 * of Node's `ERR_MODULE_NOT_FOUND` stack trace.
 *
 * @since 2.0.0
 */
import { readFileSync } from "node:fs"
import * as CatalogueTable from "../../../core/src/catalogueTable.js"
import { missingPackages, missingPeersMessage } from "../../../core/src/command.js"

const args = process.argv.slice(2)
/** `sky errors` needs nothing but this package's table; every other command needs both peers. */
const errorsOnly = args.length === 1 && args[0] === "errors"
const missing = errorsOnly ? [] : missingPackages(["effect", "@effect/platform-node"], (name) => import.meta.resolve(name))

if (errorsOnly) {
  // The same table the command line's `errors` prints, without loading the command line.
  process.stdout.write(CatalogueTable.text(CatalogueTable.header, CatalogueTable.rows()) + "\n")
} else if (missing.length > 0) {
  // The package's own manifest, by self-reference: the same from src/bin (development) and dist/effect4/src/bin.
  const manifest = JSON.parse(readFileSync(new URL(import.meta.resolve("effect-skyengine/package.json")), "utf8")) as {
    readonly peerDependencies?: Readonly<Record<string, string>>
  }
  process.stderr.write(missingPeersMessage(missing, manifest.peerDependencies ?? {}))
  process.exitCode = 1
} else {
  const cli = await import("../internal/cli.js")
  cli.main(process.argv)
}
