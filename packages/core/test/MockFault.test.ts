// The double's fault specs as plain data: parse, print, and the messages of a bad spec.
import { describe, expect, it } from "vitest"
import { type Fault, formatFault, parseFault } from "../src/mockFault.js"

describe("parseFault (plain)", () => {
  const cases: ReadonlyArray<readonly [string, Fault]> = [
    ["error:2007", { _tag: "ErrorResponse", code: 2007 }],
    [
      "error:2008,shape=anthropic,retry-after=2,should-retry=true",
      { _tag: "ErrorResponse", code: 2008, shape: "anthropic", retryAfterMillis: 2000, shouldRetry: true }
    ],
    ["error:2101, shape=openai, retry-after-ms=1500", { _tag: "ErrorResponse", code: 2101, shape: "openai", retryAfterMillis: 1500 }],
    ["error:2105,shape=problem,should-retry=false", { _tag: "ErrorResponse", code: 2105, shape: "problem", shouldRetry: false }],
    ["error:2001,shape=gateway,message=bad, very bad", { _tag: "ErrorResponse", code: 2001, shape: "gateway", message: "bad, very bad" }],
    ["error:2002,message=%E6%A8%A1%E5%9E%8B", { _tag: "ErrorResponse", code: 2002, message: "模型" }],
    ["html502", { _tag: "Html502" }],
    ["reset-before-headers", { _tag: "ResetBeforeHeaders" }],
    ["reset-mid-body", { _tag: "ResetMidBody" }],
    ["stall", { _tag: "Stall" }],
    ["latency:250", { _tag: "Latency", millis: 250 }],
    ["truncated-json", { _tag: "TruncatedJson" }],
    ["oversize:100000", { _tag: "Oversize", bytes: 100_000 }],
    ["mid-stream-error:2003", { _tag: "MidStreamError", code: 2003, after: 2 }],
    ["mid-stream-error:2007,after=0,message=busy", { _tag: "MidStreamError", code: 2007, after: 0, message: "busy" }],
    ["stream-cut", { _tag: "StreamCut", after: 2 }],
    ["  STREAM-CUT,after=5 ", { _tag: "StreamCut", after: 5 }]
  ]

  it.each(cases)("parses %s", (spec, fault) => {
    expect(parseFault(spec)).toEqual({ _tag: "Right", right: fault })
    // and the canonical spec parses back to the same fault
    expect(parseFault(formatFault(fault))).toEqual({ _tag: "Right", right: fault })
  })

  it("formats canonical specs", () => {
    expect(formatFault({ _tag: "ErrorResponse", code: 2008, shape: "anthropic", retryAfterMillis: 2000 }))
      .toBe("error:2008,shape=anthropic,retry-after-ms=2000")
    expect(formatFault({ _tag: "ErrorResponse", code: 2002, message: "模型 100%" }))
      .toBe("error:2002,message=%E6%A8%A1%E5%9E%8B 100%25")
    expect(formatFault({ _tag: "StreamCut", after: 2 })).toBe("stream-cut,after=2")
  })

  const bad: ReadonlyArray<readonly [string, string]> = [
    ["", "empty fault spec"],
    ["explode", `unknown fault "explode"`],
    ["error", "error needs a code"],
    ["error:9999", `"9999" is not a SkyEngine error code`],
    ["error:abc", `"abc" is not a SkyEngine error code`],
    ["error:2007,shape=xml", "shape must be one of gateway, anthropic, openai, problem"],
    ["error:2007,retry-after=soon", "retry-after must be a number of seconds"],
    ["error:2007,retry-after-ms=-5", "retry-after-ms must be an integer"],
    ["error:2007,should-retry=maybe", "should-retry must be true or false"],
    ["error:2007,colour=red", `unknown option "colour" for error`],
    ["error:2007,oops", `"oops" is not an option`],
    ["html502:1", "html502 takes no argument"],
    ["stall,after=1", "stall takes no options"],
    ["latency", "latency needs a number of milliseconds"],
    ["latency:fast", "latency must be an integer"],
    ["oversize:0", "oversize must be an integer from 1"],
    ["mid-stream-error", "mid-stream-error needs a code"],
    ["mid-stream-error:2003,after=x", "after must be an integer"],
    ["stream-cut:3", "write stream-cut,after=N"]
  ]

  it.each(bad)("rejects %j with a clear message", (spec, message) => {
    const parsed = parseFault(spec)
    expect(parsed._tag).toBe("Left")
    expect(parsed._tag === "Left" ? parsed.left : "").toContain(message)
  })
})
