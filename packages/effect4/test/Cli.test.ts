import { describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")
/** The built command (test/globalSetup.ts builds dist/ once): this suite's Node (>= 22.19), no TypeScript compile per run. */
const bin = resolve(root, "dist", "effect4", "src", "bin", "sky.js")

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the built `sky` (or another copy of it) as a real process, its output piped (not a terminal). */
const sky = (args: ReadonlyArray<string>, env: Record<string, string | undefined> = {}, command = bin): Promise<Run> =>
  new Promise((done, fail) => {
    const { SKYENGINE_API_KEY: _key, SKYENGINE_BASE_URL: _url, ...base } = process.env
    const child = spawn(process.execPath, [command, ...args], {
      cwd: root,
      env: { ...base, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    child.on("error", fail)
    child.on("close", (code) => done({ code, stdout, stderr }))
  })

// Each test starts its own processes and servers on free ports: they run side by side, and their deadlines are wide,
// so that a loaded machine makes them slower, never failing.
describe.concurrent("sky", { timeout: 180_000 }, () => {
  it("errors prints the catalogue", async () => {
    const run = await sky(["errors"])
    expect(run.code).toBe(0)
    const lines = run.stdout.trim().split("\n")
    expect(lines).toHaveLength(2 + 19)
    expect(lines[0]).toMatch(/^code\s+status\s+type\s+tag\s+retryable\s+meaning$/)
    expect(run.stdout).toMatch(/2007\s+429\s+TooManyRequests\s+RpmLimitExceeded\s+yes/)
    expect(run.stdout).toMatch(/-\s+-\s+Client\s+RequestTimeout\s+yes/)
  })

  it("demo walks through every case and exits 0", async () => {
    const run = await sky(["demo"])
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    for (const tag of ["RpmLimitExceeded", "TpmLimitExceeded", "InvalidApiKey", "ClientClosedRequest", "ConnectionError", "RequestTimeout", "InvalidRequest", "InvalidResponse", "UnknownGatewayError"]) {
      expect(run.stdout).toContain(tag)
    }
    expect(run.stdout).toMatch(/(\d+) of \1 cases behaved as expected/)
    expect(run.stdout).not.toContain("FAIL")
    const lines = run.stdout.split("\n")
    // It fits 100 columns, and prints each case once: one verdict line per case, no summary table after them.
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(100)
    const total = Number(/(\d+) of \d+ cases/.exec(run.stdout)![1])
    expect(lines.filter((line) => /^(ok  |FAIL) /.test(line))).toHaveLength(total)
    expect(lines.filter((line) => line.includes("code 2007:"))).toHaveLength(1)
    // The answer is printed whole, not cut mid-word; piped, there is no colour.
    expect(run.stdout).toContain(`"echo: hello from the demo"`)
    expect(run.stdout).not.toContain("\u001b[")
    // Plain English, not field names.
    expect(run.stdout).not.toMatch(/retryAfter|retry-after-ms/)
  })

  it("chat answers from the embedded double without a key, and says so", async () => {
    const run = await sky(["chat", "--model", "m", "hello", "there"])
    expect(run.code).toBe(0)
    expect(run.stdout.trim()).toBe("echo: hello there")
    expect(run.stderr).toContain("embedded double")
  })

  it("chat --stream prints the streamed text", async () => {
    const run = await sky(["chat", "--stream", "streamed", "words"])
    expect(run.code).toBe(0)
    expect(run.stdout.trim()).toBe("echo: streamed words")
  })

  it("a failed chat prints tag, code, meaning, request id and what to do, and exits 1", async () => {
    const run = await sky(["chat", "--model", "sky-mock/error:2007,retry-after=1", "hi"])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain("RpmLimitExceeded (code 2007, HTTP 429)")
    expect(run.stderr).toContain("requests-per-minute")
    expect(run.stderr).toMatch(/request id: [0-9a-f]{32}/)
    expect(run.stderr).toContain("what to do:")
    // Plain English: a Duration as a person writes it, and a remedy without field names.
    expect(run.stderr).toContain("retryable:  yes (the server asked to wait 1s)")
    expect(run.stderr).not.toMatch(/Duration\(|retryAfter/)
  })

  it("with SKYENGINE_API_KEY it calls SKYENGINE_BASE_URL, sending the key as a bearer token", async () => {
    const seen: Array<string | undefined> = []
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization)
      res.writeHead(200, { "content-type": "application/json" })
      res.end(JSON.stringify({
        id: "0123456789abcdef0123456789abcdef",
        object: "chat.completion",
        created: 0,
        model: "m",
        choices: [{ index: 0, message: { role: "assistant", content: "from the configured gateway" }, finish_reason: "stop" }],
        usage: { prompt_tokens: 1, completion_tokens: 4, total_tokens: 5 }
      }))
    })
    await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready))
    try {
      const { port } = server.address() as AddressInfo
      const key = "ak-" + "k".repeat(32)
      const run = await sky(["chat", "hi"], { SKYENGINE_API_KEY: key, SKYENGINE_BASE_URL: `http://127.0.0.1:${port}` })
      expect(run.code).toBe(0)
      expect(run.stdout.trim()).toBe("from the configured gateway")
      expect(run.stderr).not.toContain("embedded double")
      expect(seen).toEqual([`Bearer ${key}`])
    } finally {
      await new Promise((closed) => server.close(closed))
    }
  })

  it("mock serves until interrupted", async () => {
    const child = spawn(process.execPath, [bin, "mock", "--port", "0"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"]
    })
    try {
      const url = await new Promise<string>((found, fail) => {
        let out = ""
        child.stdout.on("data", (d) => {
          out += d
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
          if (match) found(match[1]!)
        })
        child.on("close", () => fail(new Error(`sky mock exited early: ${out}`)))
      })
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ak-${"0".repeat(32)}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "ping" }] })
      })
      expect(response.status).toBe(200)
      const body = await response.json() as { choices: Array<{ message: { content: string } }> }
      expect(body.choices[0]?.message.content).toBe("echo: ping")
      const closed = new Promise<number | null>((done) => child.on("close", done))
      child.kill("SIGINT")
      // Interrupted, it closes the server and exits cleanly.
      expect(await closed).toBe(0)
    } finally {
      child.kill("SIGKILL")
    }
  })

  it("an unknown option, or an option without its value, is a usage error, not part of the prompt", async () => {
    const [noValue, unknown, literal] = await Promise.all([
      sky(["chat", "--model"]),
      sky(["chat", "--model", "m", "--temperature", "2", "hi"]),
      sky(["chat", "-m", "m", "--", "--temperature", "2"])
    ])
    expect(noValue.code).toBe(2)
    expect(noValue.stdout).toBe("")
    expect(noValue.stderr).toContain("sky chat: --model needs a value")
    expect(noValue.stderr).toContain("usage: sky chat")
    expect(unknown.code).toBe(2)
    expect(unknown.stdout).toBe("")
    expect(unknown.stderr).toContain("sky chat: unknown option --temperature")
    // After --, every word is the prompt's.
    expect(literal.code).toBe(0)
    expect(literal.stdout.trim()).toBe("echo: --temperature 2")
  })

  it("help has no ANSI codes when piped, nor with NO_COLOR", async () => {
    const [help, chatHelp] = await Promise.all([sky(["--help"]), sky(["chat", "--help"], { NO_COLOR: "1" })])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain("USAGE")
    expect(help.stdout).not.toContain("\u001b[")
    expect(chatHelp.stdout).toContain("--model")
    expect(chatHelp.stdout + chatHelp.stderr).not.toContain("\u001b[")
  })

  it("--version prints the package's own version", async () => {
    const run = await sky(["--version"])
    const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { readonly version: string }
    expect(run.code).toBe(0)
    expect(run.stdout.trim()).toBe(`sky v${version}`)
  })

  it("bad arguments get a usage message and exit 2", async () => {
    const [unknown, badPort, outOfRange, nothing, noPrompt] = await Promise.all([
      sky(["bogus"]),
      sky(["mock", "--port", "not-a-number"]),
      sky(["mock", "--port", "99999"]),
      sky([]),
      sky(["chat"])
    ])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr + unknown.stdout).toMatch(/demo.*chat.*mock.*errors/s)
    expect(badPort.code).toBe(2)
    expect(outOfRange.code).toBe(2)
    expect(outOfRange.stderr).toContain("--port must be 0 to 65535")
    expect(nothing.code).toBe(2)
    expect(nothing.stderr).toContain("usage: sky <demo|chat|mock|errors>")
    expect(noPrompt.code).toBe(2)
    expect(noPrompt.stderr).toContain("usage: sky chat")
  })
})

// The built package copied into a project whose node_modules holds only what each test gives it: the bin then
// resolves its peers from there, as an installed package does (a symlink to dist/ would resolve from here).
describe("sky without its optional peer", { timeout: 180_000 }, () => {
  const project = (peers: ReadonlyArray<string>): { readonly bin: string; readonly remove: () => void } => {
    const work = mkdtempSync(join(tmpdir(), "sky4-peers-"))
    const pkg = join(work, "node_modules", "effect-skyengine")
    mkdirSync(pkg, { recursive: true })
    cpSync(join(root, "package.json"), join(pkg, "package.json"))
    cpSync(join(root, "dist"), join(pkg, "dist"), { recursive: true })
    for (const peer of peers) symlinkSync(join(root, "node_modules", peer), join(work, "node_modules", peer), "dir")
    return { bin: join(pkg, "dist", "effect4", "src", "bin", "sky.js"), remove: () => rmSync(work, { recursive: true, force: true }) }
  }

  it("names @effect/platform-node with this package's range and exits 1, without a stack trace", async () => {
    const { bin: copy, remove } = project(["effect"])
    try {
      const [chat, errors] = await Promise.all([sky(["chat", "hi"], {}, copy), sky(["errors"], {}, copy)])
      expect(chat.code).toBe(1)
      expect(chat.stdout).toBe("")
      expect(chat.stderr).toContain("a package it needs is not installed: @effect/platform-node.")
      expect(chat.stderr).toContain(`npm i "@effect/platform-node@^4.1.0"`)
      expect(chat.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|\n\s+at /)
      // sky errors needs neither peer.
      expect(errors.code).toBe(0)
      expect(errors.stdout.trim().split("\n")).toHaveLength(2 + 19)
    } finally {
      remove()
    }
  })

  it("names effect too when it is missing", async () => {
    const { bin: copy, remove } = project([])
    try {
      const demo = await sky(["demo"], {}, copy)
      expect(demo.code).toBe(1)
      expect(demo.stderr).toContain("packages it needs are not installed: effect, @effect/platform-node.")
      expect(demo.stderr).toContain(`npm i "effect@^4.1.0" "@effect/platform-node@^4.1.0"`)
    } finally {
      remove()
    }
  })
})
