// The core double on loopback, without Effect: start, answer, record, inject faults, clear, stop.
import { describe, expect, it } from "vitest"
import { classifyError } from "../src/classify.js"
import * as MockServer from "../src/mockServer.js"
import { start } from "./mockSupport.js"

const key = "ak-" + "0".repeat(32)

const chat = (url: string, init: { headers?: Record<string, string>; body?: unknown } = {}) =>
  fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...init.headers },
    body: JSON.stringify(init.body ?? { model: "m", messages: [{ role: "user", content: "hello there" }] })
  })

describe("the core double", () => {
  it("answers a chat completion, with the request id in headers, and records the request (key redacted)", async () => {
    const mock = await start()
    const response = await chat(mock.url, { headers: { "x-sky-attempt": "1" } })
    expect(response.status).toBe(200)
    const body = await response.json() as { choices: Array<{ message: { content: string } }> }
    expect(body.choices[0]!.message.content).toBe("echo: hello there")
    const requestId = response.headers.get("x-request-id")
    expect(requestId).toMatch(/^[0-9a-f]{32}$/)
    expect(response.headers.get("request-id")).toBe(requestId)
    const [record] = MockServer.recordsOf(mock.state)
    expect(record).toMatchObject({ method: "POST", path: "/v1/chat/completions", authorized: true, attempt: 1, requestId })
    expect(record!.headers.authorization).toBe(MockServer.redacted)
  })

  it("a queued fault comes first; the header and the model name pick one too; errors classify back", async () => {
    const mock = await start()
    MockServer.enqueue(mock.state, { _tag: "ErrorResponse", code: 2007, retryAfterMillis: 1500 }, 1)
    const queued = await chat(mock.url)
    const wire = { status: queued.status, headers: queued.headers, body: await queued.text() }
    expect(classifyError(wire).tag).toBe("RpmLimitExceeded")
    expect(classifyError(wire).fields.retryAfterMillis).toBe(1500)
    const byHeader = await chat(mock.url, { headers: { [MockServer.faultHeader]: "error:2104,shape=problem" } })
    expect(byHeader.status).toBe(400)
    expect(byHeader.headers.get("content-type")).toBe("application/problem+json")
    const byModel = await chat(mock.url, { body: { model: `${MockServer.faultModelPrefix}html502`, messages: [] } })
    expect(byModel.status).toBe(502)
    expect(await byModel.text()).toContain("nginx")
    expect(MockServer.recordsOf(mock.state).map((r) => r.fault)).toEqual([
      "error:2007,retry-after-ms=1500",
      "error:2104,shape=problem",
      "html502"
    ])
  })

  it("checks the key, the body and the route; an invalid spec is a 400 that says why", async () => {
    const mock = await start({ apiKeys: [key] })
    const noKey = await fetch(`${mock.url}/v1/chat/completions`, { method: "POST", body: "{}" })
    expect(classifyError({ status: noKey.status, body: await noKey.text() }).tag).toBe("InvalidApiKey")
    const notJson = await fetch(`${mock.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${key}` }, body: "nope" })
    expect(classifyError({ status: notJson.status, body: await notJson.text() }).tag).toBe("RequestParseFailed")
    const noRoute = await fetch(`${mock.url}/v2/nothing`, { method: "POST", headers: { authorization: `Bearer ${key}` } })
    expect(noRoute.status).toBe(404)
    const invalid = await chat(mock.url, { headers: { [MockServer.faultHeader]: "explode" } })
    const classified = classifyError({ status: invalid.status, body: await invalid.text() })
    expect(classified.fields.errorType).toBe("SkyMockInvalidFault")
    expect(classified.fields.message).toContain(`unknown fault "explode"`)
  })

  it("enforces rpm per key, with the wait until the window frees", async () => {
    const mock = await start({ rpm: 1 })
    expect((await chat(mock.url)).status).toBe(200)
    const limited = await chat(mock.url)
    const { fields, tag } = classifyError({ status: limited.status, headers: limited.headers, body: await limited.text() })
    expect(tag).toBe("RpmLimitExceeded")
    expect(fields.retryAfterMillis).toBeGreaterThan(0)
    expect(fields.retryAfterMillis).toBeLessThanOrEqual(60_000)
  })

  it("bounds its records and forgets them on clear", async () => {
    const mock = await start({ maxRecords: 2, recordBodyLimit: 10 })
    for (let i = 0; i < 3; i++) await (await chat(mock.url)).text()
    const records = MockServer.recordsOf(mock.state)
    expect(records).toHaveLength(2)
    expect(records[0]!.bodyTruncated).toBe(true)
    expect(typeof records[0]!.body === "string" && records[0]!.body.length).toBe(10)
    MockServer.enqueue(mock.state, { _tag: "Stall" }, 3)
    MockServer.clear(mock.state)
    expect(MockServer.recordsOf(mock.state)).toEqual([])
    expect(mock.state.queue).toEqual([])
  })

  it("a port in use, or an invalid port, fails to listen with the system's code", async () => {
    const mock = await start()
    const port = Number(new URL(mock.url).port)
    const state = MockServer.makeState()
    const server = MockServer.createServer({}, state)
    const failure = await new Promise<MockServer.ListenFailure | number>((resolve) =>
      MockServer.listen(server, "127.0.0.1", port, (r) => resolve(r._tag === "Right" ? r.right : r.left))
    )
    expect(failure).toMatchObject({ host: "127.0.0.1", port, code: "EADDRINUSE" })
    expect((failure as MockServer.ListenFailure).message).toContain(`127.0.0.1:${port}`)
    const invalid = await new Promise<MockServer.ListenFailure | number>((resolve) =>
      MockServer.listen(MockServer.createServer({}, MockServer.makeState()), "127.0.0.1", 70_000, (r) =>
        resolve(r._tag === "Right" ? r.right : r.left))
    )
    expect(invalid).toMatchObject({ port: 70_000, code: "ERR_SOCKET_BAD_PORT" })
  })
})

// The files share their worker's modules (isolate: false): the stop after each test must hold in every file, not
// only in the first one to import the support module.
describe("a double started in a test", () => {
  let started: { readonly server: { readonly listening: boolean } } | undefined
  it("is running while the test runs", async () => {
    started = await start()
    expect(started.server.listening).toBe(true)
  })
  it("is stopped when that test ends", () => {
    expect(started?.server.listening).toBe(false)
  })
})
