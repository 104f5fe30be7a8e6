import { describe, expect, it } from "vitest"
import { cases, outcomeOf, render, retryCase, retryOutcomeOf, summary, width, wrap } from "../src/demo.js"
import { catalogue, tags } from "../src/table.js"
import { shapes } from "../src/wire.js"

describe("the demo's line breaking", () => {
  it("breaks at spaces, never inside a word, within the width", () => {
    const text = "The answer: \"echo: a rather long sentence that has to be broken somewhere sensible\"."
    const lines = wrap(text, 30, "  ")
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(30)
    expect(lines.map((l) => l.trim()).join(" ")).toBe(text)
    expect(wrap("x".repeat(40), 30, "")).toEqual(["x".repeat(40)])
  })
})

describe("the demo's cases", () => {
  it("cover a success, a stream, each table code once in the four shapes in turn, and the client-side failures", () => {
    const codes = tags.flatMap((tag) => catalogue[tag].code === undefined ? [] : [catalogue[tag].code])
    const tableCases = cases.filter((c) => c.name.startsWith("code "))
    expect(tableCases.map((c) => c.name)).toEqual(codes.map((code) => `code ${code}`))
    expect(tableCases.map((c) => c.fault)).toEqual(
      codes.map((code, i) => `error:${code},shape=${shapes[i % shapes.length]},retry-after=1`)
    )
    expect(cases.filter((c) => c.expected === "success")).toHaveLength(2)
    for (const tag of ["UnknownGatewayError", "ConnectionError", "RequestTimeout", "InvalidRequest", "InvalidResponse"]) {
      expect(cases.some((c) => c.expected === tag), tag).toBe(true)
    }
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length)
  })
})

describe("the demo's layout", () => {
  const outcome = {
    name: "code 2007",
    result: "HTTP 429, OpenAI body -> RpmLimitExceeded",
    detail: `Retryable, after 1s; the handler ${"slowed down ".repeat(12)}for 1s.`,
    passed: true
  }

  it("prints the verdict and the result, then the detail, within the width", () => {
    const lines = render(outcome, false).split("\n")
    expect(lines[0]).toBe("ok   code 2007: HTTP 429, OpenAI body -> RpmLimitExceeded")
    expect(lines.length).toBeGreaterThan(2)
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(width)
    expect(lines.slice(1).every((line) => line.startsWith("     "))).toBe(true)
    expect(render({ ...outcome, passed: false }, false)).toMatch(/^FAIL code 2007/)
  })

  it("colours the verdict only when asked", () => {
    expect(render(outcome, false)).not.toContain("\u001b[")
    expect(render(outcome, true)).toMatch(/^\u001b\[32mok {2}\u001b\[0m code 2007/)
    expect(render({ ...outcome, passed: false }, true)).toMatch(/^\u001b\[31mFAIL\u001b\[0m/)
  })

  it("ends with how many cases behaved", () => {
    expect(summary(22, 23)).toBe("22 of 23 cases behaved as expected")
  })
})

describe("the demo's verdicts", () => {
  const stall = cases.find((c) => c.fault === "stall")!
  const chat = cases[0]!
  const failure = {
    tag: "RequestTimeout" as const,
    code: undefined,
    status: undefined,
    message: "timed out",
    requestId: undefined,
    retryable: true,
    retryAfter: undefined
  }

  it("pass a case that ends as it expects, and fail one that does not", () => {
    const timedOut = outcomeOf(stall, { _tag: "Failure", failure, handled: "raised the timeout" })
    expect(timedOut).toEqual({
      name: "stall past the timeout",
      result: "no HTTP status, no answer -> RequestTimeout",
      detail: "Retryable; the handler raised the timeout.",
      passed: true
    })
    expect(outcomeOf(stall, { _tag: "Success", answer: "echo: hi" }).passed).toBe(false)
    const answered = outcomeOf(chat, { _tag: "Success", answer: "echo: hi" })
    expect(answered.detail).toBe(`The answer: "echo: hi".`)
    expect(answered.passed).toBe(true)
    expect(outcomeOf(chat, { _tag: "Failure", failure, handled: "x" }).passed).toBe(false)
    const rpm = outcomeOf(stall, {
      _tag: "Failure",
      failure: { ...failure, tag: "RpmLimitExceeded", status: 429, retryAfter: "1s" },
      handled: "slowed down for 1s"
    })
    expect(rpm.result).toBe("HTTP 429, no answer -> RpmLimitExceeded")
    expect(rpm.detail).toBe("Retryable, after 1s; the handler slowed down for 1s.")
  })

  it("pass the retried case only for an answer on the third attempt", () => {
    expect(retryCase.fault).toBe("error:2007,retry-after-ms=100")
    expect(retryOutcomeOf("success", [1, 2, 3]).passed).toBe(true)
    expect(retryOutcomeOf("success", [1, 2, 3]).detail).toContain("waited the 100 ms")
    expect(retryOutcomeOf("success", [1, 2]).passed).toBe(false)
    expect(retryOutcomeOf("RpmLimitExceeded", [1, 2, 3])).toMatchObject({
      result: "HTTP 429, 429, 200 -> RpmLimitExceeded",
      passed: false
    })
  })
})
