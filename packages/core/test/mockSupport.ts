// Test support for the core double: start it on loopback (stopped when the test that started it ends), post with
// plain fetch, read SSE.
import type * as Http from "node:http"
import { onTestFinished } from "vitest"
import * as MockServer from "../src/mockServer.js"

export const key = "ak-" + "a".repeat(32)
export const hex32 = /^[0-9a-f]{32}$/

export interface Running {
  readonly server: Http.Server
  readonly state: MockServer.State
  readonly url: string
  readonly port: number
}

const running: Array<Running> = []

/** Stops a running double (idempotent: a double already stopped is left as it is). */
export const stop = (mock: Running): Promise<void> => {
  const index = running.indexOf(mock)
  if (index < 0) return Promise.resolve()
  running.splice(index, 1)
  return new Promise<void>((resolve) => MockServer.close(mock.server, mock.state, resolve))
}

/** Listens on 127.0.0.1 (any free port unless `port`), resolving with the port or rejecting with the failure. */
export const listenOn = (server: Http.Server, port: number): Promise<number> =>
  new Promise<number>((resolve, reject) =>
    MockServer.listen(server, "127.0.0.1", port, (r) => r._tag === "Right" ? resolve(r.right) : reject(r.left))
  )

export const start = async (options: MockServer.Options = {}): Promise<Running> => {
  const state = MockServer.makeState()
  const server = MockServer.createServer(options, state)
  const port = await listenOn(server, options.port ?? 0)
  const mock = { server, state, port, url: MockServer.urlOf("127.0.0.1", port) }
  running.push(mock)
  // Registered by each test that starts one, not as a module-level afterEach: the files share their worker's
  // modules (isolate: false), so a hook registered when this module is first imported runs in that file only.
  onTestFinished(() => stop(mock))
  return mock
}

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: any
}

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const request = (url: string, path: string, body: unknown, headers: Record<string, string>): Promise<Response> =>
  fetch(url + path, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body)
  })

export const post = async (url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
  const response = await request(url, path, body, headers)
  const text = await response.text()
  return { status: response.status, headers: response.headers, text, json: parse(text) }
}

/** A post that must fail at the transport level: resolves with the error. */
export const postFails = async (url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> => {
  try {
    const response = await request(url, path, body, headers)
    const text = await response.text()
    throw new Error(`expected a transport failure, got ${response.status}: ${text.slice(0, 80)}`)
  } catch (error) {
    return error
  }
}

export interface Event {
  readonly event: string | undefined
  readonly data: string
}

export const events = (text: string): Array<Event> =>
  text.split("\n\n").filter((block) => block.trim() !== "").map((block) => {
    let event: string | undefined
    const data: Array<string> = []
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) event = line.slice("event: ".length)
      else if (line.startsWith("data: ")) data.push(line.slice("data: ".length))
    }
    return { event, data: data.join("\n") }
  })

export const chat = (content: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: "doubao-seed-1-6",
  messages: [{ role: "system", content: "be brief" }, { role: "user", content }],
  ...extra
})
