import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as RetryPolicy from "../src/retryPolicy.js"

const waits: RetryPolicy.Waits = {
  initialDelayMillis: RetryPolicy.defaults.initialDelayMillis,
  maxDelayMillis: RetryPolicy.defaults.maxDelayMillis,
  jitter: 0,
  maxRetryAfterMillis: RetryPolicy.defaults.maxRetryAfterMillis
}
const noRandom = (): number => {
  throw new Error("random drawn where the wait is not jittered")
}

describe("the retry policy's arithmetic", () => {
  it("has the official SDKs' defaults", () => {
    expect(RetryPolicy.defaults).toEqual({
      maxRetries: 2,
      initialDelayMillis: 500,
      maxDelayMillis: 8_000,
      jitter: 0.25,
      maxRetryAfterMillis: 60_000
    })
  })

  it("reads a caller's numbers, falling back on anything out of range", () => {
    expect(RetryPolicy.maxRetriesOr(3.9, 2)).toBe(3)
    expect(RetryPolicy.maxRetriesOr(0, 2)).toBe(0)
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, undefined]) expect(RetryPolicy.maxRetriesOr(bad, 2)).toBe(2)
    expect(RetryPolicy.jitterOr(0, 0.25)).toBe(0)
    expect(RetryPolicy.jitterOr(1, 0.25)).toBe(1)
    for (const bad of [-0.1, 1.1, Number.NaN, undefined]) expect(RetryPolicy.jitterOr(bad, 0.25)).toBe(0.25)
  })

  it("refuses a caller's bad retry option, naming it and saying what is accepted (retryOptionsProblem)", () => {
    // The decoded length of a duration, as a line reads it: a number is milliseconds, anything else unreadable.
    const millisOf = (input: unknown): number | undefined => typeof input === "number" ? input : undefined
    const problem = (maxRetries: unknown, retry?: RetryPolicy.RetryInputs) =>
      RetryPolicy.retryOptionsProblem(maxRetries, retry, millisOf)
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "2"]) {
      expect(problem(bad)).toEqual({
        option: "maxRetries",
        reason: "maxRetries must be a whole number, 0 or more (0 turns retries off)"
      })
      expect(problem(undefined, { maxRetries: bad as number })?.option).toBe("retry.maxRetries")
    }
    for (const bad of [-0.1, 1.1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(problem(undefined, { jitter: bad })).toEqual({
        option: "retry.jitter",
        reason: "retry.jitter must be a number from 0 to 1 (the share of a backoff wait that jitter may take off)"
      })
    }
    for (const name of ["initialDelay", "maxDelay", "maxRetryAfter"] as const) {
      for (const bad of [-1, Number.NaN, Number.NEGATIVE_INFINITY]) {
        expect(problem(undefined, { [name]: bad })).toEqual({
          option: `retry.${name}`,
          reason: `retry.${name} must be 0 or more (negative and NaN are refused; Duration.infinity is allowed)`
        })
      }
      // A negative input a line's decoder reads as zero (Effect 3 clamps): the input itself is refused.
      for (const bad of ["-5 seconds", [-1, 0], BigInt(-1)]) {
        expect(RetryPolicy.retryOptionsProblem(undefined, { [name]: bad }, () => 0)?.option).toBe(`retry.${name}`)
      }
      expect(problem(undefined, { [name]: "soon" })?.reason).toMatch(new RegExp(`^retry\\.${name} is not a duration \\(`))
      for (const good of [0, 1, 0.5, Number.POSITIVE_INFINITY]) expect(problem(undefined, { [name]: good })).toBeUndefined()
    }
    for (const good of [0, 1, 7]) expect(problem(good, { maxRetries: good })).toBeUndefined()
    for (const good of [0, 0.25, 1]) expect(problem(undefined, { jitter: good })).toBeUndefined()
    expect(problem(undefined, {})).toBeUndefined()
    expect(problem(undefined)).toBeUndefined()
    expect(RetryPolicy.retryDurationProblem("SKYENGINE_MAX_RETRY_AFTER", "-5 seconds", 0)).toMatch(/^SKYENGINE_MAX_RETRY_AFTER must be 0 or more/)
  })

  it("obeys the server's hint up to the cap, and draws no random for it", () => {
    expect(RetryPolicy.waitMillis({ ...waits, jitter: 0.5 }, 3, 1_500, noRandom)).toBe(1_500)
    expect(RetryPolicy.waitMillis({ ...waits, jitter: 0.5 }, 0, 600_000, noRandom)).toBe(60_000)
  })

  it("doubles the backoff from the first wait up to the longest; without jitter, no random is drawn", () => {
    expect([0, 1, 2, 3, 4, 5, 10].map((retry) => RetryPolicy.waitMillis(waits, retry, undefined, noRandom))).toEqual([
      500,
      1_000,
      2_000,
      4_000,
      8_000,
      8_000,
      8_000
    ])
  })

  it("takes off at most the jitter's share of the backoff, as the random number says", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (retry, jitter, r) => {
        const backoff = Math.min(500 * 2 ** retry, 8_000)
        const wait = RetryPolicy.waitMillis({ ...waits, jitter }, retry, undefined, () => r)
        expect(wait).toBe(jitter === 0 ? backoff : Math.round(backoff * (1 - jitter * r)))
        expect(wait).toBeLessThanOrEqual(backoff)
        expect(wait).toBeGreaterThanOrEqual(Math.floor(backoff * (1 - jitter)))
      })
    )
  })
})
