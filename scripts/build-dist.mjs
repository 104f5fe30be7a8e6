// Builds a line's `dist/` (`node scripts/build-dist.mjs <package dir>`), the package's own build with the Node
// running this script, unless `dist/` is newer than every input: the line's sources, the core's, its manifest and
// tsconfigs. Run by each suite's vitest globalSetup, and by `npm test` ahead of the suite, beside other work.
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join, resolve } from "node:path"

const dir = resolve(process.argv[2] ?? ".")
const stamp = join(dir, "dist", ".built")

const newestModification = (path) => {
  const info = statSync(path)
  if (!info.isDirectory()) return info.mtimeMs
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestModification(join(path, entry))), info.mtimeMs)
}

const inputs = [
  join(dir, "src"),
  resolve(import.meta.dirname, "../packages/core/src"),
  ...["package.json", "tsconfig.json", "tsconfig.build.json"].map((file) => join(dir, file))
]
if (!(existsSync(stamp) && statSync(stamp).mtimeMs > Math.max(...inputs.map(newestModification)))) {
  rmSync(join(dir, "dist"), { recursive: true, force: true })
  const tsc = createRequire(join(dir, "package.json")).resolve("typescript/bin/tsc")
  try {
    // --noCheck: emit only. The same sources are type-checked by the suite's typecheck (`npm test`), and the
    // emitted files are the same either way; the package's own `npm run build` still checks.
    execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--noCheck"], { cwd: dir, stdio: "pipe", encoding: "utf8" })
  } catch (error) {
    // tsc reports on stdout: the build's own messages, not only "Command failed".
    console.error(`the build of ${join(dir, "dist")} failed:\n${error.stdout ?? String(error)}`)
    process.exit(1)
  }
  writeFileSync(stamp, "")
}
