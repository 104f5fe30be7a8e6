/**
 * Builds `dist/` once before any test file runs: the CLI and package tests run
 * the built JavaScript with plain `node` (no per-process TypeScript compile),
 * so their time does not grow with the machine's load. The build is skipped
 * when `dist/` is newer than every source, manifest and tsconfig.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")
const stamp = join(root, "dist", ".built")

const newestModification = (path: string): number => {
  const info = statSync(path)
  if (!info.isDirectory()) return info.mtimeMs
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestModification(join(path, entry))), info.mtimeMs)
}

export default function setup(): void {
  const inputs = ["src", "packages/core/src", "package.json", "tsconfig.json", "tsconfig.build.json"].map((p) => join(root, p))
  const upToDate = existsSync(stamp) &&
    statSync(stamp).mtimeMs > Math.max(...inputs.map(newestModification))
  if (upToDate) return
  execFileSync("npm", ["run", "build"], { cwd: root, stdio: "ignore" })
  writeFileSync(stamp, "")
}
