/**
 * Builds `dist/` once before any test file runs (skipped when it is newer than
 * every input; `scripts/build-dist.mjs` says which): the CLI and package tests
 * run the built JavaScript with plain `node` (no per-process TypeScript
 * compile), so their time does not grow with the machine's load.
 */
import { execFileSync } from "node:child_process"
import { resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")

export default function setup(): void {
  try {
    execFileSync(process.execPath, [resolve(root, "scripts/build-dist.mjs"), root], { stdio: "pipe", encoding: "utf8" })
  } catch (error) {
    throw new Error((error as { stderr?: string }).stderr ?? String(error))
  }
}
