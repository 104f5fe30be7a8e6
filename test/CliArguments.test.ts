import { describe, expect, it } from "@effect/vitest"
import { chatArgumentProblem, useColour } from "../src/internal/cli.js"
import { wrap } from "../src/internal/demo.js"

describe("sky chat's arguments", () => {
  it("accepts its options, with their values, and any words", () => {
    expect(chatArgumentProblem(["hello", "there"])).toBeUndefined()
    expect(chatArgumentProblem(["--model", "m", "--stream", "hi"])).toBeUndefined()
    expect(chatArgumentProblem(["-m", "m", "-s", "hi"])).toBeUndefined()
    expect(chatArgumentProblem(["--model=m", "hi"])).toBeUndefined()
    expect(chatArgumentProblem(["what", "is", "-1", "-", "--"])).toBeUndefined()
    expect(chatArgumentProblem(["--", "--temperature", "2"])).toBeUndefined()
  })

  it("rejects an unknown option and an option without its value", () => {
    expect(chatArgumentProblem(["--model"])).toBe("--model needs a value")
    expect(chatArgumentProblem(["--model", "--stream", "hi"])).toBe("--model needs a value")
    expect(chatArgumentProblem(["--model", "m", "--temperature", "2", "hi"])).toBe("unknown option --temperature")
    expect(chatArgumentProblem(["-t", "hi"])).toBe("unknown option -t")
    expect(chatArgumentProblem(["--stream=yes", "hi"])).toBe("--stream takes no value")
  })
})

describe("colour", () => {
  it("only on a terminal, and never with NO_COLOR", () => {
    expect(useColour({ isTTY: true }, {})).toBe(true)
    expect(useColour({ isTTY: false }, {})).toBe(false)
    expect(useColour({}, {})).toBe(false)
    expect(useColour({ isTTY: true }, { NO_COLOR: "1" })).toBe(false)
    expect(useColour({ isTTY: true }, { NO_COLOR: "" })).toBe(true)
  })
})

describe("the demo's line breaking", () => {
  it("breaks at spaces, never inside a word, within the width", () => {
    const text = "The answer: \"echo: a rather long sentence that has to be broken somewhere sensible\"."
    const lines = wrap(text, 30, "  ")
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(30)
    expect(lines.map((l) => l.trim()).join(" ")).toBe(text)
    expect(wrap("x".repeat(40), 30, "")).toEqual(["x".repeat(40)])
  })
})
