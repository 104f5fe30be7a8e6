/**
 * Builds `dist/` once before any test file runs, with this suite's Node
 * (skipped when it is newer than every input; `scripts/build-dist.mjs` says
 * which): the CLI tests run the built JavaScript, so their time does not grow
 * with the machine's load.
 */
import { execFileSync } from "node:child_process"
import { resolve } from "node:path"

const dir = resolve(import.meta.dirname, "..")

export default function setup(): void {
  try {
    execFileSync(process.execPath, [resolve(dir, "../../scripts/build-dist.mjs"), dir], { stdio: "pipe", encoding: "utf8" })
  } catch (error) {
    throw new Error((error as { stderr?: string }).stderr ?? String(error))
  }
}
