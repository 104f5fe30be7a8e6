// Scrubbing called directly (moved from test/Secrets.test.ts: run once for both lines).
import { describe, expect, it } from "vitest"
import * as Evidence from "../src/evidence.js"

describe("scrub skips only texts too short to hold any form of a secret", () => {
  const keys = ["ak-0123456789abcdefghij", "shortkey", "k\u00e9y-\u{1F511}-secret-value"]
  it.each(keys)("%s: the shortest forms, alone, are still redacted", (key) => {
    const bytes = new TextEncoder().encode(key)
    const run = Buffer.from(bytes).toString("base64").slice(0, Math.floor((bytes.length * 8) / 6))
    expect(Evidence.scrub(key, [key])).toBe(Evidence.redactedText)
    expect(Evidence.scrub(key.toUpperCase(), [key])).toBe(Evidence.redactedText)
    if (run.length >= Evidence.minBase64Run) expect(Evidence.scrub(run, [key])).toBe(Evidence.redactedText)
    expect(Evidence.scrub(`x${key}`, [key])).toBe(`x${Evidence.redactedText}`)
    // One code unit shorter than the key and its runs: nothing to find, returned as it is.
    const short = key.slice(0, 3)
    expect(Evidence.scrub(short, [key])).toBe(short)
  })
})

describe("scrubTail: a text cut short does not end in the start of a secret", () => {
  const key = "ak-0123456789abcdefghij"
  it("redacts an end that starts the key (from minSecretTail characters), and leaves other ends alone", () => {
    expect(Evidence.scrubTail(`bad key ${key.slice(0, 15)}`, [key])).toBe(`bad key ${Evidence.redactedText}`)
    expect(Evidence.scrubTail(`bad key ${key.slice(0, Evidence.minSecretTail)}`, [key])).toBe(`bad key ${Evidence.redactedText}`)
    expect(Evidence.scrubTail(`bad key ${key.slice(0, Evidence.minSecretTail - 1)}`, [key])).toBe(`bad key ak-`)
    expect(Evidence.scrubTail("a body that ends well", [key])).toBe("a body that ends well")
    expect(Evidence.scrubTail(key.slice(0, 10), [key])).toBe(Evidence.redactedText)
    expect(Evidence.scrubTail("x", [key, "", "  "])).toBe("x")
  })
})
