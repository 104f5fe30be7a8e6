/**
 * Packing a line and installing its tarball as a user does, with no network: the consumer project gets a lockfile
 * made from this checkout's own, so `npm ci --offline` takes every tarball from the npm cache that `npm ci` here
 * filled. Shared by both lines' package tests (`test/Package.test.ts`, `packages/effect4/test/Package.test.ts`).
 */
import { execFile, execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"

/** The repository root, whose package-lock.json holds both lines' installs. */
export const repositoryRoot = resolve(import.meta.dirname, "..", "..")

/** One entry of package-lock.json's `packages`. */
export interface LockEntry {
  readonly name?: string
  readonly version: string
  readonly dependencies?: Record<string, string>
  readonly optionalDependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
  readonly peerDependenciesMeta?: Record<string, { readonly optional?: boolean }>
  readonly [key: string]: unknown
}

/** A line's manifest, as far as the package tests read it. */
export interface Manifest {
  readonly version: string
  readonly peerDependencies: Record<string, string>
  readonly peerDependenciesMeta?: Record<string, { readonly optional?: boolean }>
}

/** A finished process. */
export interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs a process without blocking the test worker (a blocked worker misses vitest's own calls). */
export const sh = (
  command: string,
  args: ReadonlyArray<string>,
  cwd: string,
  env?: NodeJS.ProcessEnv
): Promise<Run> =>
  new Promise((done) => {
    execFile(
      command,
      args,
      { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...(env === undefined ? {} : { env }) },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1
        done({ code, stdout, stderr })
      }
    )
  })

/** Runs a process that must succeed; its stdout. */
export const ok = async (
  command: string,
  args: ReadonlyArray<string>,
  cwd: string,
  env?: NodeJS.ProcessEnv
): Promise<string> => {
  const run = await sh(command, args, cwd, env)
  if (run.code !== 0) throw new Error(`${command} ${args.join(" ")} exited ${run.code}: ${run.stderr}${run.stdout}`)
  return run.stdout
}

/**
 * The installs of one line in this checkout's lockfile: `prefixes` are the lockfile folders searched in order
 * (the Effect 4 line's own nested installs first, then the root's).
 */
export interface LineLock {
  /** The entry of `name` at `version` (any version when undefined): installed under its own name or as an alias. */
  readonly entry: (name: string, version?: string) => LockEntry | undefined
  /** The version this checkout installs for `name`. */
  readonly installed: (name: string) => string | undefined
}

/** The lockfile's entries as one line sees them. */
export const lineLock = (prefixes: ReadonlyArray<string>): LineLock => {
  const lock = (JSON.parse(readFileSync(join(repositoryRoot, "package-lock.json"), "utf8")) as {
    readonly packages: Record<string, LockEntry>
  }).packages
  const direct = (path: string, prefix: string): string | undefined => {
    if (!path.startsWith(prefix)) return undefined
    const rest = path.slice(prefix.length)
    return rest.includes("node_modules/") ? undefined : rest
  }
  const entry = (name: string, version?: string): LockEntry | undefined => {
    for (const prefix of prefixes) {
      const found = Object.entries(lock).find(([path, e]) => {
        const installedAs = direct(path, prefix)
        return installedAs !== undefined && (e.name ?? installedAs) === name &&
          (version === undefined ? e.name === undefined : e.version === version)
      })
      if (found !== undefined) return found[1]
    }
    return undefined
  }
  return { entry, installed: (name) => entry(name)?.version }
}

/** The required and optional peers of a manifest. */
export const peersOf = (manifest: Manifest): { readonly all: Array<string>; readonly required: Array<string> } => {
  const all = Object.keys(manifest.peerDependencies)
  return { all, required: all.filter((name) => manifest.peerDependenciesMeta?.[name]?.optional !== true) }
}

/** Packs the package in `dir` into `work` (its `dist/` must be built); the tarball's path and its files. */
export const pack = async (
  dir: string,
  work: string
): Promise<{ readonly tarball: string; readonly files: ReadonlyArray<string> }> => {
  const packed = JSON.parse(
    await ok("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], dir)
  ) as Array<{ filename: string; files: Array<{ path: string }> }>
  return { tarball: join(work, packed[0]!.filename), files: packed[0]!.files.map((f) => f.path) }
}

/** The package.json inside a tarball. */
export const packedManifest = (tarball: string): Record<string, unknown> & Manifest =>
  JSON.parse(execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" }))

/**
 * A consumer project in `project` with the tarball and `versions` (name → exact version), installed by
 * `npm ci --offline` from a lockfile holding the closure of those packages' entries in this checkout's lockfile.
 */
export const installProject = async (options: {
  readonly project: string
  readonly tarball: string
  readonly versions: Record<string, string>
  readonly lock: LineLock
  /** Named in the message when a version is missing from the lockfile, e.g. `lowest`. */
  readonly label: string
  readonly env?: NodeJS.ProcessEnv
}): Promise<void> => {
  const { lock, project, tarball, versions } = options
  mkdirSync(project, { recursive: true })
  const file = "effect-skyengine.tgz"
  copyFileSync(tarball, join(project, file))
  const packed = packedManifest(tarball)
  const dependencies = { "effect-skyengine": `file:${file}`, ...versions }
  const packages: Record<string, unknown> = {
    "": { name: "consumer", dependencies },
    "node_modules/effect-skyengine": {
      version: packed.version,
      resolved: `file:${file}`,
      integrity: `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`,
      license: packed.license,
      bin: packed.bin,
      engines: packed.engines,
      peerDependencies: packed.peerDependencies,
      peerDependenciesMeta: packed.peerDependenciesMeta
    }
  }
  const pending = Object.entries(versions).map(([name, version]) => ({ name, version }))
  const seen = new Set<string>()
  while (pending.length > 0) {
    const { name, version }: { name: string; version: string | undefined } = pending.pop()!
    if (seen.has(name)) continue
    seen.add(name)
    const entry = lock.entry(name, version)
    if (entry === undefined) {
      throw new Error(
        `${name}@${version} is not in package-lock.json: add the devDependency ` +
          `"${name.replace(/^@[^/]+\//, "")}-${options.label.split(" ")[0]}": "npm:${name}@${version}" and run npm install`
      )
    }
    const { name: _alias, dev: _dev, devOptional: _devOptional, peer: _peer, ...kept } = entry
    packages[`node_modules/${name}`] = kept
    const optionalPeers = entry.peerDependenciesMeta ?? {}
    for (
      const dependency of [
        ...Object.keys(entry.dependencies ?? {}),
        ...Object.keys(entry.optionalDependencies ?? {}),
        ...Object.keys(entry.peerDependencies ?? {}).filter((peer) => optionalPeers[peer]?.optional !== true)
      ]
    ) {
      if (lock.entry(dependency) !== undefined) pending.push({ name: dependency, version: versions[dependency] })
    }
  }
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module", dependencies }))
  writeFileSync(join(project, "package-lock.json"), JSON.stringify({ name: "consumer", lockfileVersion: 3, requires: true, packages }))
  await ok("npm", ["ci", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"], project, options.env)
}

/** The tsconfig of a consumer project: strict, NodeNext, checking `files` against the published declarations. */
export const consumerTsconfig = (files: ReadonlyArray<string>): string =>
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
    files
  })
