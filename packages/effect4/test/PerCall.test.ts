import { describe, expect, it } from "@effect/vitest"
import { SkyError } from "../src/index.js"
import { construct } from "../src/internal/construct.js"

describe("the work a call schedules", () => {
  it("an error built from a response captures no JavaScript stack frames, and the process's stack limit is kept", () => {
    const before = Error.stackTraceLimit
    const error = construct("RpmLimitExceeded", { message: "requests per minute limit reached", status: 429 })
    expect(error).toBeInstanceOf(SkyError.RpmLimitExceeded)
    expect(error.message).toBe("requests per minute limit reached")
    expect(error.stack ?? "").not.toMatch(/\n\s+at /)
    expect(Error.stackTraceLimit).toBe(before)
    // An error the caller builds itself keeps its stack.
    expect(new SkyError.RpmLimitExceeded({ message: "mine" }).stack ?? "").toMatch(/\n\s+at /)
  })

  it("the stack limit is restored when building an error throws", () => {
    const before = Error.stackTraceLimit
    expect(() => construct("NoSuchTag" as SkyError.Tag, { message: "x" })).toThrow()
    expect(Error.stackTraceLimit).toBe(before)
  })
})
