import { describe, expect, it } from "vitest"
import {
  chatArgumentProblem,
  explain,
  missingPackages,
  missingPeersMessage,
  portProblem,
  useColour
} from "../src/command.js"
import { catalogue } from "../src/table.js"

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

describe("sky mock's port", () => {
  it("is 0 to 65535", () => {
    expect(portProblem(0)).toBeUndefined()
    expect(portProblem(65535)).toBeUndefined()
    expect(portProblem(65536)).toBe("--port must be 0 to 65535, got 65536")
    expect(portProblem(-1)).toBe("--port must be 0 to 65535, got -1")
  })
})

describe("missing peers", () => {
  it("are the names the resolver cannot find", () => {
    const resolve = (name: string): string => {
      if (name === "effect") return "file:///x/effect/index.js"
      throw new Error(`Cannot find package '${name}'`)
    }
    expect(missingPackages(["effect", "@effect/platform-node"], resolve)).toEqual(["@effect/platform-node"])
    expect(missingPackages(["effect"], resolve)).toEqual([])
  })

  it("are named, with one npm i command at the package's own peer ranges", () => {
    const message = missingPeersMessage(["@effect/platform-node", "x"], { "@effect/platform-node": "^4.1.0" })
    expect(message).toContain("packages it needs are not installed: @effect/platform-node, x.")
    expect(message).toContain(`npm i "@effect/platform-node@^4.1.0" "x@latest"`)
    expect(missingPeersMessage(["effect"], {})).toContain("a package it needs is not installed: effect.")
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

describe("a failed chat, explained", () => {
  it("names tag, code, status, meaning, message, request id, retry and remedy, in plain English", () => {
    const text = explain({
      tag: "RpmLimitExceeded",
      code: 2007,
      status: 429,
      message: "slow down",
      requestId: "0123456789abcdef0123456789abcdef",
      retryable: true,
      retryAfter: "1s"
    })
    expect(text.split("\n")).toEqual([
      "error:      RpmLimitExceeded (code 2007, HTTP 429)",
      `meaning:    ${catalogue.RpmLimitExceeded.meaning}`,
      "message:    slow down",
      "request id: 0123456789abcdef0123456789abcdef",
      "retryable:  yes (the server asked to wait 1s)",
      `what to do: ${catalogue.RpmLimitExceeded.remedy}`
    ])
  })

  it("writes - for what a client-side failure has not", () => {
    const text = explain({
      tag: "ConnectionError",
      code: undefined,
      status: undefined,
      message: "no response",
      requestId: undefined,
      retryable: false,
      retryAfter: undefined
    })
    expect(text).toContain("error:      ConnectionError (code -)\n")
    expect(text).toContain("request id: -\n")
    expect(text).toContain("retryable:  no\n")
  })
})
