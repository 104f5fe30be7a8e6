// The core double over HTTP, without Effect: every surface's answers, the checks (keys, models, limits), the
// records and their bounds, and faults on demand, each asserted once for both lines.
import { describe, expect, it } from "vitest"
import * as MockServer from "../src/mockServer.js"
import { chat, events, hex32, key, post, postFails, start, stop } from "./mockSupport.js"

describe("the double's endpoints", () => {
  it("chat completions: a plain body in the gateway's shape, echoing the prompt", async () => {
    const mock = await start()
    expect(mock.url).toBe(`http://127.0.0.1:${mock.port}`)
    const answer = await post(mock.url, "/v1/chat/completions", chat("hello  big world"))
    expect(answer.status).toBe(200)
    expect(answer.headers.get("x-request-id")).toMatch(hex32)
    expect(answer.headers.get("content-type")).toContain("application/json")
    const body = answer.json
    expect(body.id).toMatch(hex32)
    expect(body.object).toBe("chat.completion")
    expect(body.system_fingerprint).toBe("")
    expect(body.model).toBe("doubao-seed-1-6")
    expect(body.choices).toHaveLength(1)
    expect(body.choices[0].message).toEqual({ role: "assistant", content: "echo: hello  big world" })
    expect(body.choices[0].finish_reason).toBe("stop")
    // "be brief" + "hello big world": 5 words; "echo: hello big world": 4 words
    expect(body.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 })
  })

  it("chat completions stream: choices [] first, a chunk per word, usage last, then [DONE]", async () => {
    const mock = await start()
    const answer = await post(mock.url, "/v1/chat/completions", chat("one two", { stream: true }))
    expect(answer.status).toBe(200)
    expect(answer.headers.get("content-type")).toContain("text/event-stream")
    const list = events(answer.text)
    expect(list.map((e) => e.event)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined])
    expect(list[list.length - 1]!.data).toBe("[DONE]")
    const chunks = list.slice(0, -1).map((e) => JSON.parse(e.data))
    expect(chunks[0].choices).toEqual([])
    expect(chunks[0].created).toBe(0)
    expect(chunks.every((c) => hex32.test(c.id) && c.id === chunks[0].id && c.system_fingerprint === "")).toBe(true)
    const deltas = chunks.slice(1, -1)
    expect(deltas.map((c) => c.choices[0].delta.content)).toEqual(["echo:", " one", " two"])
    expect(deltas[0].choices[0].delta.role).toBe("assistant")
    expect(deltas.map((c) => c.choices[0].finish_reason)).toEqual([null, null, "stop"])
    const last = chunks[chunks.length - 1]
    expect(last.choices).toEqual([])
    expect(last.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 })
    expect(answer.text.endsWith("data: [DONE]\n\n")).toBe(true)
  })

  it("responses: plain, and a stream of named events ending at response.completed without [DONE]", async () => {
    const mock = await start()
    const plain = await post(mock.url, "/v1/responses", { model: "gpt-4.1", input: "say hi", instructions: "short" })
    expect(plain.status).toBe(200)
    expect(plain.json.id).toMatch(hex32)
    expect(plain.json.status).toBe("completed")
    expect(plain.json.output[0]).toMatchObject({
      type: "message",
      role: "assistant",
      content: [{ type: "output_text", text: "echo: say hi", annotations: [] }]
    })
    expect(plain.json.usage).toMatchObject({ input_tokens: 3, output_tokens: 3, total_tokens: 6 })

    const streamed = await post(mock.url, "/v1/responses", {
      model: "gpt-4.1",
      input: [{ role: "user", content: [{ type: "input_text", text: "say hi" }] }],
      stream: true
    })
    const list = events(streamed.text)
    expect(list.map((e) => e.event)).toEqual([
      "response.created",
      "response.output_item.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.completed"
    ])
    const payloads = list.map((e) => JSON.parse(e.data))
    expect(payloads.map((p) => p.type)).toEqual(list.map((e) => e.event))
    expect(payloads.map((p) => p.sequence_number)).toEqual([0, 1, 2, 3, 4, 5, 6])
    expect(payloads.slice(2, 5).map((p) => p.delta).join("")).toBe("echo: say hi")
    expect(payloads[5].text).toBe("echo: say hi")
    expect(payloads[6].response.output[0].content[0].text).toBe("echo: say hi")
    expect(streamed.text).not.toContain("[DONE]")
  })

  it("messages: Go zero values, stop_sequence \"\", and a stream whose events carry every union field", async () => {
    const mock = await start()
    const request = { model: "claude-sonnet-4", max_tokens: 100, system: "terse", messages: [{ role: "user", content: "ping pong" }] }
    const plain = await post(mock.url, "/v1/messages", request, { "anthropic-version": "2023-06-01" })
    expect(plain.status).toBe(200)
    expect(plain.json.id).toMatch(hex32)
    expect(plain.json.stop_reason).toBe("end_turn")
    expect(plain.json.stop_sequence).toBe("")
    expect(plain.json.content).toEqual([{
      type: "text",
      text: "echo: ping pong",
      id: "",
      name: "",
      input: null,
      thinking: "",
      signature: "",
      data: "",
      citations: null
    }])
    expect(plain.json.usage).toMatchObject({ input_tokens: 3, output_tokens: 3 })

    const streamed = await post(mock.url, "/v1/messages", { ...request, stream: true })
    const list = events(streamed.text)
    expect(list.map((e) => e.event)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop"
    ])
    const payloads = list.map((e) => JSON.parse(e.data))
    for (const payload of payloads) {
      expect(Object.keys(payload).sort()).toEqual(["content_block", "delta", "index", "message", "type", "usage"])
    }
    expect(payloads[0].message.stop_sequence).toBe("")
    expect(payloads[2].delta).toEqual({
      type: "text_delta",
      text: "echo:",
      partial_json: "",
      thinking: "",
      signature: "",
      stop_reason: "",
      stop_sequence: ""
    })
    expect(payloads.slice(2, 5).map((p) => p.delta.text).join("")).toBe("echo: ping pong")
    expect(payloads[6].delta.stop_reason).toBe("end_turn")
    expect(payloads[6].usage.output_tokens).toBe(3)
    expect(payloads[7].message).toBeNull()
  })

  it("gemini: sdkHttpResponse, and a stream without terminator whose last chunk has finishReason STOP", async () => {
    const mock = await start()
    const request = { contents: [{ role: "user", parts: [{ text: "the sky" }] }] }
    const plain = await post(mock.url, "/v1beta/models/gemini-2.5-flash:generateContent", request)
    expect(plain.status).toBe(200)
    expect(plain.json.sdkHttpResponse.headers["Content-Type"]).toEqual(["application/json; charset=UTF-8"])
    expect(plain.json.candidates[0]).toMatchObject({
      content: { role: "model", parts: [{ text: "echo: the sky" }] },
      finishReason: "STOP"
    })
    expect(plain.json.modelVersion).toBe("gemini-2.5-flash")
    expect(plain.json.usageMetadata).toMatchObject({ promptTokenCount: 2, candidatesTokenCount: 3, totalTokenCount: 5 })

    const streamed = await post(mock.url, "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", request)
    const list = events(streamed.text)
    expect(list).toHaveLength(3)
    expect(list.every((e) => e.event === undefined)).toBe(true)
    const payloads = list.map((e) => JSON.parse(e.data))
    expect(payloads.map((p) => p.candidates[0].content.parts[0].text).join("")).toBe("echo: the sky")
    expect(payloads.map((p) => p.candidates[0].finishReason)).toEqual([undefined, undefined, "STOP"])
    expect(payloads.every((p) => p.sdkHttpResponse !== undefined)).toBe(true)
    expect(streamed.text).not.toContain("[DONE]")
  })

  it("embeddings: deterministic vectors, 8 floats by default, base64 on demand", async () => {
    const mock = await start()
    const first = await post(mock.url, "/v1/embeddings", { model: "embed", input: ["alpha beta", "gamma"] })
    const again = await post(mock.url, "/v1/embeddings", { model: "embed", input: "alpha beta" })
    expect(first.status).toBe(200)
    expect(first.json.data).toHaveLength(2)
    const [a, b] = first.json.data
    expect(a.embedding).toHaveLength(8)
    expect(a.embedding.every((x: number) => x >= -1 && x < 1)).toBe(true)
    expect(again.json.data[0].embedding).toEqual(a.embedding)
    expect(b.embedding).not.toEqual(a.embedding)
    expect(first.json.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 })

    const wide = await post(mock.url, "/v1/embeddings", { model: "embed", input: "alpha beta", dimensions: 20 })
    expect(wide.json.data[0].embedding).toHaveLength(20)
    expect(wide.json.data[0].embedding.slice(0, 8)).toEqual(a.embedding)

    const encoded = await post(mock.url, "/v1/embeddings", { model: "embed", input: "alpha beta", encoding_format: "base64" })
    const bytes = Buffer.from(encoded.json.data[0].embedding as string, "base64")
    expect(bytes.length).toBe(8 * 4)
    const vector = Array.from({ length: 8 }, (_, i) => bytes.readFloatLE(i * 4))
    vector.forEach((x, i) => expect(x).toBeCloseTo(a.embedding[i], 5))
  })
})

describe("the double's checks", () => {
  it("unknown path: 404 in the gateway shape; non-JSON: 2005; no model: 2004; unknown model: 2104", async () => {
    const mock = await start()
    const missing = await post(mock.url, "/v1/nope", {})
    expect(missing.status).toBe(404)
    expect(missing.json.error).toMatchObject({ message: "no route for POST /v1/nope", type: "NotFound" })
    expect(missing.json.error.trace_id).toBe(missing.headers.get("x-request-id"))

    const notJson = await post(mock.url, "/v1/chat/completions", "{not json")
    expect(notJson.status).toBe(400)
    expect(notJson.json.error.code).toBe(2005)
    expect(notJson.json.error.trace_id).toBe(notJson.headers.get("x-request-id"))

    const noModel = await post(mock.url, "/v1/chat/completions", { messages: [] })
    expect(noModel.status).toBe(400)
    expect(noModel.json.error).toMatchObject({ code: 2004, message: "the model parameter is required" })

    for (const model of ["unknown-model", "missing-gpt"]) {
      const unknown = await post(mock.url, "/v1/chat/completions", chat("x", { model }))
      expect(unknown.status).toBe(400)
      expect(unknown.json.error.code).toBe(2104)
    }
    const gemini = await post(mock.url, "/v1beta/models/missing-gemini:generateContent", { contents: [] })
    expect(gemini.json.error.code).toBe(2104)
  })

  it("keys: any ak- key of the right form, Bearer or x-api-key; otherwise 2101", async () => {
    const mock = await start()
    const viaApiKey = await post(mock.url, "/v1/chat/completions", chat("hi"), {
      authorization: "",
      "x-api-key": "ak-" + "B1".repeat(16)
    })
    expect(viaApiKey.status).toBe(200)

    for (const authorization of ["", "Bearer ak-short", "Bearer sk-" + "a".repeat(32), "Basic " + key]) {
      const answer = await post(mock.url, "/v1/chat/completions", chat("hi"), { authorization })
      expect(answer.status).toBe(401)
      expect(answer.json.error).toMatchObject({
        code: 2101,
        message: "The API key in the request is missing or invalid",
        type: "Unauthorized"
      })
      expect(answer.json.error.trace_id).toBe(answer.headers.get("x-request-id"))
    }

    // /v1/messages answers 2101 in the Anthropic shape, as the documentation shows it.
    const anthropic = await post(mock.url, "/v1/messages", { model: "claude", max_tokens: 1, messages: [] }, {
      authorization: ""
    })
    expect(anthropic.status).toBe(401)
    expect(anthropic.json).toEqual({
      type: "error",
      request_id: anthropic.headers.get("x-request-id"),
      error: {
        type: "The API key in the request is missing or invalid",
        message: "The API key in the request is missing or invalid",
        code: 2101
      }
    })
  })

  it("2101 and 2104 carry the table's fixed English message on every surface", async () => {
    const mock = await start()
    const surfaces: ReadonlyArray<readonly [string, (model: string) => unknown]> = [
      ["/v1/chat/completions", (model) => ({ model, messages: [{ role: "user", content: "hi" }] })],
      ["/v1/responses", (model) => ({ model, input: "hi" })],
      ["/v1/messages", (model) => ({ model, max_tokens: 1, messages: [{ role: "user", content: "hi" }] })],
      ["/v1/embeddings", (model) => ({ model, input: "hi" })]
    ]
    for (const [path, body] of surfaces) {
      const noKey = await post(mock.url, path, body("m"), { authorization: "" })
      expect(noKey.json.error.code, path).toBe(2101)
      expect(noKey.json.error.message, path).toBe("The API key in the request is missing or invalid")
      const unknown = await post(mock.url, path, body("unknown-model"))
      expect(unknown.json.error.code, path).toBe(2104)
      expect(unknown.json.error.message, path).toBe("specified model is not found")
      for (const answer of [noKey, unknown]) expect(answer.text, path).not.toMatch(/[\u3000-\u9fff]/)
    }
    const gemini = await post(mock.url, "/v1beta/models/unknown-model:generateContent", { contents: [] })
    expect(gemini.json.error.message).toBe("specified model is not found")
  })

  it("every answer carries the request id as x-request-id and as request-id", async () => {
    const mock = await start()
    const answers = [
      await post(mock.url, "/v1/chat/completions", chat("hi")),
      await post(mock.url, "/v1/chat/completions", { ...chat("hi"), stream: true }),
      await post(mock.url, "/v1/messages", { model: "m", max_tokens: 1, messages: [] }, { authorization: "" }),
      await post(mock.url, "/v1/chat/completions", chat("hi"), { "x-sky-mock": "html502" }),
      await post(mock.url, "/v1/chat/completions", chat("hi"), { "x-sky-mock": "error:2007" }),
      await post(mock.url, "/nowhere", chat("hi"))
    ]
    const recorded = MockServer.recordsOf(mock.state)
    answers.forEach((answer, i) => {
      expect(answer.headers.get("x-request-id")).toMatch(hex32)
      expect(answer.headers.get("request-id")).toBe(answer.headers.get("x-request-id"))
      expect(recorded[i]!.requestId).toBe(answer.headers.get("request-id"))
    })
  })

  it("requests keeps the newest maxRecords records, each body cut to recordBodyLimit characters", async () => {
    const mock = await start({ maxRecords: 3, recordBodyLimit: 200 })
    for (let i = 0; i < 5; i++) await post(mock.url, "/v1/chat/completions", chat(`call ${i}`))
    const long = "x".repeat(500)
    await post(mock.url, "/v1/chat/completions", chat(long))
    const recorded = MockServer.recordsOf(mock.state)
    expect(recorded).toHaveLength(3)
    expect(recorded.slice(0, 2).map((r) => (r.body as { messages: Array<{ content: string }> }).messages[1]!.content))
      .toEqual(["call 3", "call 4"])
    expect(recorded.slice(0, 2).map((r) => r.bodyTruncated)).toEqual([false, false])
    expect(recorded[2]!.bodyTruncated).toBe(true)
    expect(recorded[2]!.body).toBe(JSON.stringify(chat(long)).slice(0, 200))

    // The defaults: 1,000 records, 64 KiB of each body; invalid limits fall back to them.
    const bounded = await start({ maxRecords: Number.NaN, recordBodyLimit: -1 })
    const huge = "y".repeat(100 * 1024)
    await post(bounded.url, "/v1/chat/completions", chat(huge))
    const [big] = MockServer.recordsOf(bounded.state)
    expect(big!.bodyTruncated).toBe(true)
    expect((big!.body as string).length).toBe(64 * 1024)
    for (let i = 0; i < 1005; i += 16) {
      await Promise.all(Array.from({ length: Math.min(16, 1005 - i) }, (_, j) => post(bounded.url, "/nowhere", `${i + j}`)))
    }
    expect(MockServer.recordsOf(bounded.state)).toHaveLength(1000)

    const none = await start({ maxRecords: 0 })
    await post(none.url, "/v1/chat/completions", chat("hi"))
    expect(MockServer.recordsOf(none.state)).toEqual([])
  }, 60_000)

  it("apiKeys restricts the keys to the listed ones", async () => {
    const mock = await start({ apiKeys: ["ak-" + "k".repeat(32), "custom-key"] })
    const other = await post(mock.url, "/v1/chat/completions", chat("hi"))
    expect(other.status).toBe(401)
    expect(other.json.error.code).toBe(2101)
    const listed = await post(mock.url, "/v1/chat/completions", chat("hi"), { authorization: "Bearer custom-key" })
    expect(listed.status).toBe(200)
    const first = await post(mock.url, "/v1/chat/completions", chat("hi"), {
      authorization: "Bearer ak-" + "k".repeat(32)
    })
    expect(first.status).toBe(200)
  })

  it("rpm: the third request within a minute is 429 with code 2007 and retry-after", async () => {
    const mock = await start({ rpm: 2 })
    expect((await post(mock.url, "/v1/chat/completions", chat("a"))).status).toBe(200)
    expect((await post(mock.url, "/v1/chat/completions", chat("b"))).status).toBe(200)
    const limited = await post(mock.url, "/v1/chat/completions", chat("c"))
    expect(limited.status).toBe(429)
    expect(limited.json.error.code).toBe(2007)
    expect(limited.json.error.trace_id).toBe(limited.headers.get("x-request-id"))
    const retryAfter = Number(limited.headers.get("retry-after"))
    expect(retryAfter).toBeGreaterThanOrEqual(59)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect(Number(limited.headers.get("retry-after-ms"))).toBeGreaterThan(58_000)
    // the limit is per key
    const otherKey = await post(mock.url, "/v1/chat/completions", chat("d"), {
      authorization: "Bearer ak-" + "z".repeat(32)
    })
    expect(otherKey.status).toBe(200)
    // clear forgets the window
    MockServer.clear(mock.state)
    expect((await post(mock.url, "/v1/chat/completions", chat("e"))).status).toBe(200)
  })

  it("tpm: tokens over the limit in a minute are 429 with code 2008 and retry-after", async () => {
    const mock = await start({ tpm: 12 })
    // prompt "one two" (2) + answer "echo: one two" (3) = 5 tokens
    const request = { model: "m", messages: [{ role: "user", content: "one two" }] }
    expect((await post(mock.url, "/v1/chat/completions", request)).status).toBe(200)
    expect((await post(mock.url, "/v1/chat/completions", request)).status).toBe(200)
    const limited = await post(mock.url, "/v1/chat/completions", request)
    expect(limited.status).toBe(429)
    expect(limited.json.error.code).toBe(2008)
    expect(limited.json.error.message).toContain("10 tokens in the last 60 s")
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(59)
    // a request larger than the whole limit is told not to retry
    const huge = await post(mock.url, "/v1/chat/completions", {
      model: "m",
      messages: [{ role: "user", content: "w ".repeat(20) }]
    })
    expect(huge.status).toBe(429)
    expect(huge.json.error.code).toBe(2008)
    expect(huge.headers.get("x-should-retry")).toBe("false")
  })

  it("records every request in order: attempts, lower-cased headers, redacted keys, bodies, faults", async () => {
    const mock = await start()
    await post(mock.url, "/v1/chat/completions", chat("one"), { "x-sky-attempt": "1", "X-Custom": "Yes" })
    await post(mock.url, "/v1/chat/completions", "raw text", { "x-sky-attempt": "2", authorization: "Bearer nope" })
    await post(mock.url, "/v1/messages", { model: "c", max_tokens: 1, messages: [] }, {
      authorization: "",
      "x-api-key": key,
      "x-sky-mock": "error:2007, retry-after-ms=5"
    })
    const requests = MockServer.recordsOf(mock.state)
    expect(requests).toHaveLength(3)
    const [first, second, third] = requests
    expect(first).toMatchObject({ method: "POST", path: "/v1/chat/completions", attempt: 1, authorized: true })
    expect(first!.body).toEqual(chat("one"))
    expect(first!.headers["authorization"]).toBe("<redacted>")
    expect(first!.headers["x-custom"]).toBe("Yes")
    expect(JSON.stringify(requests)).not.toContain(key)
    expect(first!.requestId).toMatch(hex32)
    expect(first!.fault).toBeUndefined()
    expect(second).toMatchObject({ attempt: 2, authorized: false, body: "raw text" })
    expect(third).toMatchObject({ path: "/v1/messages", authorized: true, fault: "error:2007,retry-after-ms=5" })
    expect(third!.headers["x-api-key"]).toBe("<redacted>")
    expect(third!.attempt).toBeUndefined()
    MockServer.clear(mock.state)
    expect(MockServer.recordsOf(mock.state)).toEqual([])
  })
})

describe("the double's faults over HTTP", () => {
  it("x-sky-mock error: the code's status and body in the chosen shape, with the retry headers", async () => {
    const mock = await start()
    const gateway = await post(mock.url, "/v1/chat/completions", chat("x"), {
      "x-sky-mock": "error:2007,retry-after=2,message=slow down, please"
    })
    expect(gateway.status).toBe(429)
    expect(gateway.headers.get("retry-after")).toBe("2")
    expect(gateway.headers.get("retry-after-ms")).toBe("2000")
    expect(gateway.json).toEqual({
      error: {
        code: 2007,
        message: "slow down, please",
        type: "TooManyRequests",
        details: [],
        trace_id: gateway.headers.get("x-request-id")
      }
    })
    const problem = await post(mock.url, "/v1/chat/completions", chat("x"), {
      "x-sky-mock": "error:2103,shape=problem,should-retry=false"
    })
    expect(problem.status).toBe(403)
    expect(problem.headers.get("content-type")).toBe("application/problem+json")
    expect(problem.headers.get("x-should-retry")).toBe("false")
    expect(problem.json).toMatchObject({ type: "urn:skyengine:error:2103", status: 403, code: 2103 })
    expect(problem.json.instance).toBe(problem.headers.get("x-request-id"))
    const openai = await post(mock.url, "/v1/chat/completions", chat("x"), { "x-sky-mock": "error:2106,shape=openai" })
    expect(openai.status).toBe(499)
    expect(openai.json.error).toEqual({ code: 2106, message: "client closed request", param: "", type: "ClientClosedRequest" })
  })

  it("a fault in the model name; queued faults come first, one per request", async () => {
    const mock = await start()
    const byModel = await post(mock.url, "/v1/chat/completions", chat("x", { model: "sky-mock/error:2002" }))
    expect(byModel.status).toBe(424)
    expect(byModel.json.error.code).toBe(2002)
    const gemini = await post(
      mock.url,
      `/v1beta/models/${encodeURIComponent("sky-mock/error:2102")}:generateContent`,
      { contents: [] }
    )
    expect(gemini.status).toBe(403)
    expect(gemini.json.error.code).toBe(2102)
    const latent = await post(mock.url, "/v1/chat/completions", chat("slow", { model: "sky-mock/latency:1" }))
    expect(latent.status).toBe(200)
    expect(latent.json.model).toBe("sky-mock/latency:1")

    MockServer.enqueue(mock.state, { _tag: "ErrorResponse", code: 2105 }, 2)
    const statuses: Array<number> = []
    for (let i = 0; i < 3; i++) {
      statuses.push((await post(mock.url, "/v1/chat/completions", chat("x"), { "x-sky-mock": "error:2001" })).status)
    }
    expect(statuses).toEqual([500, 500, 400])
    const faults = (MockServer.recordsOf(mock.state)).slice(-3).map((r) => r.fault)
    expect(faults).toEqual(["error:2105", "error:2105", "error:2001"])
  })

  it("an invalid x-sky-mock spec is answered 400 with a clear message", async () => {
    const mock = await start()
    const answer = await post(mock.url, "/v1/chat/completions", chat("x"), { "x-sky-mock": "error:9999" })
    expect(answer.status).toBe(400)
    expect(answer.json.error.type).toBe("SkyMockInvalidFault")
    expect(answer.json.error.message).toContain(`invalid fault spec "error:9999" in the x-sky-mock header`)
    expect(answer.json.error.message).toContain("not a SkyEngine error code")
    expect(answer.json.error.code).toBeUndefined()
    const byModel = await post(mock.url, "/v1/chat/completions", chat("x", { model: "sky-mock/explode" }))
    expect(byModel.status).toBe(400)
    expect(byModel.json.error.message).toContain(`unknown fault "explode"`)
    // the server keeps answering
    expect((await post(mock.url, "/v1/chat/completions", chat("x"))).status).toBe(200)
  })

  it("html502, truncated-json, oversize, stream faults", async () => {
    const mock = await start()
    const html = await post(mock.url, "/v1/chat/completions", chat("x"), { "x-sky-mock": "html502" })
    expect(html.status).toBe(502)
    expect(html.headers.get("content-type")).toBe("text/html")
    expect(html.headers.get("x-request-id")).toMatch(hex32)
    expect(html.text).toContain("<center><h1>502 Bad Gateway</h1></center>")

    const truncated = await post(mock.url, "/v1/chat/completions", chat("x"), { "x-sky-mock": "truncated-json" })
    expect(truncated.status).toBe(200)
    expect(truncated.text.startsWith("{\"id\":")).toBe(true)
    expect(truncated.json).toBeUndefined()

    const oversize = await post(mock.url, "/v1/chat/completions", chat("x"), { "x-sky-mock": "oversize:100000" })
    expect(oversize.status).toBe(500)
    expect(Buffer.byteLength(oversize.text)).toBe(100_000)
    expect(oversize.json.error.code).toBe(2105)

    const midStream = await post(mock.url, "/v1/chat/completions", chat("a b c", { stream: true }), {
      "x-sky-mock": "mid-stream-error:2003,message=upstream slept"
    })
    expect(midStream.status).toBe(200)
    const list = events(midStream.text)
    expect(list).toHaveLength(3)
    expect(JSON.parse(list[2]!.data).error).toMatchObject({ code: 2003, message: "upstream slept" })
    expect(midStream.text).not.toContain("[DONE]")

    const responsesError = await post(mock.url, "/v1/responses", { model: "m", input: "a b", stream: true }, {
      "x-sky-mock": "mid-stream-error:2003"
    })
    const responseEvents = events(responsesError.text)
    expect(responseEvents.map((e) => e.event)).toEqual(["response.created", "response.output_item.added", "response.error"])
    expect(JSON.parse(responseEvents[2]!.data)).toMatchObject({ type: "response.error", error: { code: 2003 } })

    const messagesError = await post(mock.url, "/v1/messages", { model: "m", max_tokens: 1, messages: [], stream: true }, {
      "x-sky-mock": "mid-stream-error:2003"
    })
    const messageEvents = events(messagesError.text)
    expect(messageEvents.map((e) => e.event)).toEqual(["message_start", "content_block_start", "error"])
    expect(JSON.parse(messageEvents[2]!.data)).toMatchObject({
      type: "error",
      error: { type: "api_error", code: 2003 }
    })

    const cut = await post(mock.url, "/v1beta/models/g:streamGenerateContent?alt=sse", {
      contents: [{ parts: [{ text: "a b c" }] }]
    }, { "x-sky-mock": "stream-cut" })
    const cutEvents = events(cut.text).map((e) => JSON.parse(e.data))
    expect(cutEvents).toHaveLength(2)
    expect(cutEvents.every((e) => e.candidates[0].finishReason === undefined)).toBe(true)
  })

  it("reset-before-headers and reset-mid-body break the connection", async () => {
    const mock = await start()
    const before = await postFails(mock.url, "/v1/chat/completions", chat("x"), { "x-sky-mock": "reset-before-headers" })
    expect(String(before)).toContain("fetch failed")
    expect(String((before as Error).cause)).toMatch(/ECONNRESET|other side closed|socket/i)
    const mid = await postFails(mock.url, "/v1/chat/completions", chat("x"), { "x-sky-mock": "reset-mid-body" })
    // the headers came (200), the body did not complete
    expect(String(mid)).toMatch(/terminated/)
    // the server still answers afterwards
    expect((await post(mock.url, "/v1/chat/completions", chat("x"))).status).toBe(200)
  })

  it("stall: never answered, and the socket is closed when the server stops", async () => {
    const mock = await start()
    const request = fetch(mock.url + "/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "x-sky-mock": "stall" },
      body: JSON.stringify(chat("x"))
    }).then(() => "answered", (error: unknown) => `failed: ${String(error)}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(MockServer.recordsOf(mock.state).map((r) => r.fault)).toEqual(["stall"])
    const early = await Promise.race([request, new Promise((r) => setTimeout(() => r("pending"), 20))])
    expect(early).toBe("pending")
    await stop(mock)
    expect(await request).toContain("failed")
    // and the server is gone
    const after = await postFails(mock.url, "/v1/chat/completions", chat("x"))
    expect(String(after)).toContain("fetch failed")
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
