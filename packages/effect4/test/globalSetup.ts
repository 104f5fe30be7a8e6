/**
 * Builds `dist/` once before any test file runs: the CLI tests run the built
 * JavaScript with this suite's Node (no per-process TypeScript compile), so
 * their time does not grow with the machine's load. The build is skipped when
 * `dist/` is newer than every source (this line's and the core's), manifest
 * and tsconfig.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join, resolve } from "node:path"

const dir = resolve(import.meta.dirname, "..")
const stamp = join(dir, "dist", ".built")

const newestModification = (path: string): number => {
  const info = statSync(path)
  if (!info.isDirectory()) return info.mtimeMs
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestModification(join(path, entry))), info.mtimeMs)
}

export default function setup(): void {
  const inputs = ["src", "../core/src", "package.json", "tsconfig.json", "tsconfig.build.json"].map((p) => join(dir, p))
  const upToDate = existsSync(stamp) && statSync(stamp).mtimeMs > Math.max(...inputs.map(newestModification))
  if (upToDate) return
  // The package's own build (`npm run build`), run with this Node: tsc from this workspace (or the root's).
  rmSync(join(dir, "dist"), { recursive: true, force: true })
  const tsc = createRequire(join(dir, "package.json")).resolve("typescript/bin/tsc")
  try {
    execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: dir, stdio: "pipe", encoding: "utf8" })
  } catch (error) {
    // tsc reports on stdout: the build's own messages, not only "Command failed".
    throw new Error(`the build of dist/ failed:\n${(error as { stdout?: string }).stdout ?? String(error)}`)
  }
  writeFileSync(stamp, "")
}
