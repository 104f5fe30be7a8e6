import { describe, expect, it } from "vitest"
import * as Checks from "../src/requestChecks.js"
import * as Rules from "../src/streamRules.js"

const key = "ak-TRANSPORTsecretTRANSPORT01234567"

describe("request checks", () => {
  it("base URLs, headers and keys", () => {
    expect(Checks.baseUrlOf("http://127.0.0.1:8080/base/", [])).toEqual({ _tag: "Valid", origin: "http://127.0.0.1:8080" })
    const invalid = Checks.baseUrlOf(`ftp://h/?key=${key}`, [key])
    expect(invalid._tag).toBe("Invalid")
    expect(JSON.stringify(invalid)).not.toContain(key)
    expect(Checks.baseUrlOf("not a url", [])).toMatchObject({ _tag: "Invalid", reason: expect.stringContaining("not a valid URL") })
    expect(Checks.headersProblem({ "bad name": "x" })).toContain("is not an HTTP token")
    expect(Checks.headersProblem({ "x-a": "one\r\ntwo" })).toContain("holds a line break")
    expect(Checks.headersProblem({ "x-a": "a\u0000" })).toContain("holds a NUL")
    expect(Checks.headersProblem({ "x-a": "caf\u00e9 \u2603" })).toContain("outside Latin-1")
    expect(Checks.headersProblem({ "x-a": "caf\u00e9", authorization: `Bearer ${key}` })).toBeUndefined()
    expect(Checks.apiKeyProblem("")).toBe("the API key is empty")
    expect(Checks.apiKeyProblem("  ")).toBe("the API key is only whitespace")
    expect(Checks.apiKeyProblem(`${key}\n`)).toBe(`the API key holds a control character (U+000A at index ${key.length})`)
    expect(Checks.apiKeyProblem(" k é ")).toBeUndefined()
    expect(Checks.joinUrl("http://h/base/", "/v1/x")).toBe("http://h/base/v1/x")
    expect(Checks.joinUrl("http://h/base", "http://other/v1")).toBe("http://other/v1")
    expect(Checks.originOfUrl("http://h:1/x")).toBe("http://h:1")
    expect(Checks.originOfUrl("nope")).toBeUndefined()
  })
})


describe("stream rules", () => {
  it("terminators and in-stream errors per surface", () => {
    expect(Rules.isDone(" [DONE] ")).toBe(true)
    expect(Rules.isDone("{}")).toBe(false)
    expect(Rules.isResponsesTerminal("response.completed")).toBe(true)
    expect(Rules.isResponsesTerminal("response.output_text.delta")).toBe(false)
    expect(Rules.isMessagesTerminal("message_stop")).toBe(true)
    expect(Rules.errorOfPayload({ error: { code: 2007 } })).toEqual({ error: { code: 2007 } })
    // The gateway's Go zero values are not an error.
    expect(Rules.errorOfPayload({ error: { type: "", message: "" } })).toBeUndefined()
    expect(Rules.responsesErrorOf({ type: "response.failed", response: { error: { code: "x" } } })).toEqual({ error: { code: "x" } })
    expect(Rules.responsesErrorOf({ type: "response.failed", response: { error: null } })).toBeUndefined()
    expect(Rules.messagesErrorOf({ type: "error", error: { type: "overloaded_error" } })).toMatchObject({ type: "error" })
    expect(Rules.hasFinishReason({ candidates: [{ finishReason: "STOP" }] })).toBe(true)
    expect(Rules.hasFinishReason({ candidates: [{ finishReason: "" }] })).toBe(false)
  })

  it("the folds are total: an empty stream gives the empty value", () => {
    expect(Rules.accumulateChat([])).toMatchObject({ id: "", object: "chat.completion", choices: [] })
    expect(Rules.accumulateResponse([])).toMatchObject({ object: "response", status: "in_progress", output: [] })
    expect(Rules.accumulateMessage([])).toMatchObject({ type: "message", role: "assistant", content: [] })
    expect(Rules.accumulateGemini([])).toEqual({ candidates: [] })
  })
})

describe("timeoutProblem", () => {
  it("refuses zero, negative, NaN and what is not a duration; takes any positive length and Infinity", () => {
    for (const millis of [0, -0, -5, -Infinity, NaN]) {
      expect(Checks.timeoutProblem("timeout", millis)).toBe("timeout must be positive (Duration.infinity means no deadline)")
    }
    expect(Checks.timeoutProblem("streamTimeout", undefined)).toMatch(/^streamTimeout is not a duration .*Duration\.infinity means no deadline/)
    for (const millis of [1, 0.5, 90_000, Infinity]) expect(Checks.timeoutProblem("timeout", millis)).toBeUndefined()
  })
})
