/**
 * The Effect 4 line's `SkyWire.decodeError` is a total and faithful adapter of the core's `classifyError`. The core
 * fuzzes the classification itself with over 100,000 inputs (`packages/core/test/Fuzz.test.ts`); here a sample of the same
 * generated inputs (`packages/core/test/support/arbitraries.ts`, same seed) checks what this line adds: for every
 * input the decoder does not throw or fall back to its catch-all (the only result without `headers`), and gives an
 * instance of the class of the tag the core computed, with exactly the core's fields capped to `fieldLimits`
 * (milliseconds as `Duration`s), that its Schema encodes and that can be turned into JSON.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Redacted, Schema } from "effect"
import * as fc from "fast-check"
import { isDeepStrictEqual } from "node:util"
import { classifyError, type ErrorResponse } from "../../core/src/classify.js"
import { capFields } from "../../core/src/limits.js"
import { catalogue } from "../../core/src/table.js"
import { fuzzSecret, gridInputs, nonNumberStatuses, responseArb, seed } from "../../core/test/support/arbitraries.js"
import { SkyError, SkyWire } from "../src/index.js"

const encodeSky = Schema.encodeSync(SkyError.SkyError)
const lineOptions: SkyWire.DecodeOptions = { now: 0, secrets: [Redacted.make(fuzzSecret)] }
const coreOptions = { now: 0, secrets: [fuzzSecret] }
const durations: Readonly<Record<string, string>> = { retryAfterMillis: "retryAfter", timeoutMillis: "timeout" }

const stats = { runs: 0 }
const failures: Array<string> = []

const fail = (what: string, input: unknown): false => {
  if (failures.length < 10) {
    let shown: string
    try {
      shown = JSON.stringify(input, (_k, v) => (v instanceof Uint8Array ? `<${v.byteLength} bytes>` : v))
    } catch {
      shown = String(input)
    }
    failures.push(`${what}: ${String(shown).slice(0, 500)}`)
  }
  return false
}

/** The first way the error differs from the core's classification (capped, durations converted), or undefined. */
const unfaithful = (error: SkyError.SkyError, input: ErrorResponse): string | undefined => {
  const { fields, tag } = classifyError(input, coreOptions)
  if (error._tag !== tag || !(error instanceof SkyError.classes[tag])) return `${error._tag} instead of ${tag}`
  const expected = capFields(fields as Record<string, unknown>)
  const own = error as unknown as Record<string, unknown>
  for (const [key, value] of Object.entries(expected)) {
    if (value === undefined) continue
    const name = durations[key]
    const actual = name === undefined ? own[key] : Duration.toMillis(own[name] as Duration.Duration)
    if (!isDeepStrictEqual(actual, value)) return `${key}: ${String(actual)} instead of ${String(value)}`
  }
  for (const key of Object.keys(SkyError.classes[tag].fields)) {
    const core = Object.keys(durations).find((k) => durations[k] === key) ?? key
    // a table class carries its own code
    const fixed = key === "_tag" || (key === "code" && own.code === catalogue[tag].code)
    if (!fixed && own[key] !== undefined && expected[core] === undefined) return `${key} not from the core`
  }
  return undefined
}

/** Decodes one input and checks the adapter; false (never a throw) so that fast-check shrinks the input. */
const check = (input: ErrorResponse): boolean => {
  stats.runs++
  let error: SkyError.SkyError
  try {
    error = SkyWire.decodeError(input, lineOptions)
  } catch (cause) {
    return fail(`decodeError threw ${String(cause)}`, input)
  }
  if (!SkyError.isSkyError(error)) return fail("not a SkyError", input)
  if (error.headers === undefined) return fail(`defect (catch-all fallback): ${error.message}`, input)
  const status = input.status
  if (typeof status === "number" && Number.isInteger(status) && error.status !== status) {
    return fail(`status ${String(error.status)} instead of ${status}`, input)
  }
  const differs = unfaithful(error, input)
  if (differs !== undefined) return fail(differs, input)
  try {
    JSON.stringify(error)
    JSON.stringify(encodeSky(error))
  } catch (cause) {
    return fail(`Schema.encodeSync or JSON.stringify failed: ${String(cause).slice(0, 300)}`, input)
  }
  return true
}

describe("SkyWire.decodeError adapts classifyError", { timeout: 120_000 }, () => {
  it("total and faithful over the core's generated inputs", () => {
    const details = fc.check(fc.property(responseArb, check), { seed, numRuns: 3_000 })
    expect(failures).toEqual([])
    expect(details.failed).toBe(false)
    expect(stats.runs).toBeGreaterThanOrEqual(3_000)
  })

  it("every status 0..999 (and non-finite, negative, fractional), with each kind of body", () => {
    const inputs = gridInputs()
    const broken = inputs.filter((input) => !check(input))
    expect(failures).toEqual([])
    expect(broken).toEqual([])
    expect(inputs.length).toBe(9_090)
  })

  it("statuses that are not numbers at all, as an untyped caller could send them", () => {
    for (const status of nonNumberStatuses) {
      const error = SkyWire.decodeError({ status, body: "{}" } as unknown as SkyWire.ErrorResponse)
      expect(SkyError.isSkyError(error)).toBe(true)
      expect(error.status).toBe(0)
      expect(error.headers).toEqual({})
    }
  })
})
