/**
 * Fuzzing the core's `classifyError`, once for both lines: well over 100,000 generated error responses under one
 * fixed seed (`support/arbitraries.ts`). For every input the classifier must not throw and must give plain data
 * that holds every invariant below; each line then checks, over a sample of the same inputs, that its
 * `SkyWire.decodeError` builds exactly this result as an instance of its class (`test/Fuzz.test.ts`,
 * `packages/effect4/test/Fuzz.test.ts`).
 *
 * The invariants: a known tag; the status kept as sent when it is an integer, always a finite integer; a `code`
 * only on an `UnknownGatewayError`; a non-empty message; the redacted headers always present (`{}` when none);
 * every text bounded before the cap (limit + scrub margin) and within `fieldLimits` after `capFields`, the body
 * within the body limit; a finite non-negative wait; no secret in any field; JSON-serialisable.
 */
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type Classified, classifyError, defaultBodyLimit, type ErrorResponse } from "../src/classify.js"
import { scrubMargin } from "../src/evidence.js"
import { capFields, fieldLimits } from "../src/limits.js"
import { tags } from "../src/table.js"
import { families, fuzzSecret, gridInputs, nonNumberStatuses, seed } from "./support/arbitraries.js"

// ---------------------------------------------------------------------------
// Bookkeeping
// ---------------------------------------------------------------------------

const stats = { runs: 0, throws: 0, invalid: 0, secretsCaught: 0 }
const started = performance.now()
const failures: Array<string> = []

const describeInput = (input: unknown): string => {
  try {
    return JSON.stringify(input, (_k, v) =>
      v instanceof Uint8Array
        ? `<${v.byteLength} bytes>`
        : typeof v === "number" && !Number.isFinite(v)
        ? String(v)
        : typeof v === "bigint"
        ? `${v}n`
        : v)
      .slice(0, 500)
  } catch {
    return String(input)
  }
}

const fail = (what: string, input: unknown): false => {
  stats.invalid++
  if (failures.length < 10) failures.push(`${what}: ${describeInput(input)}`)
  return false
}

const knownTags: ReadonlySet<string> = new Set(tags)
const secret = fuzzSecret.toLowerCase()
const options = { now: 0, secrets: [fuzzSecret] }

/** The capped text fields and their limits (`code` only when it is a string). */
const textLimits = [
  ["message", fieldLimits.message],
  ["requestId", fieldLimits.requestId],
  ["errorType", fieldLimits.errorType],
  ["code", fieldLimits.code],
  ["url", fieldLimits.url]
] as const

/** Every text a classified error keeps: its text fields, the body (and its bytes), the headers' names and values. */
const textsOf = (fields: Classified["fields"]): Array<string> => {
  const texts: Array<string> = []
  for (const value of Object.values(fields)) if (typeof value === "string") texts.push(value)
  if (fields.bodyBase64 !== undefined) texts.push(atob(fields.bodyBase64))
  for (const [name, value] of Object.entries(fields.headers ?? {})) texts.push(name, value)
  return texts
}

/** The first invariant that does not hold, or undefined. */
const violation = (input: ErrorResponse, { fields, tag }: Classified): string | undefined => {
  if (!knownTags.has(tag)) return `unknown tag ${String(tag)}`
  const status = input.status
  if (typeof status === "number" && Number.isInteger(status) && fields.status !== status) {
    return `status ${String(fields.status)} instead of ${status}`
  }
  if (typeof fields.status !== "number" || !Number.isInteger(fields.status)) {
    return `status not a finite integer: ${String(fields.status)}`
  }
  if (fields.code !== undefined && tag !== "UnknownGatewayError") return `code ${String(fields.code)} on a ${tag}`
  if (typeof fields.message !== "string" || fields.message.length === 0) return "no message"
  if (typeof fields.headers !== "object" || fields.headers === null) return "no headers (a decode always keeps them)"
  if (fields.retryAfterMillis !== undefined &&
    !(Number.isFinite(fields.retryAfterMillis) && fields.retryAfterMillis >= 0)) {
    return `retryAfterMillis ${fields.retryAfterMillis}`
  }
  if (fields.shouldRetry !== undefined && typeof fields.shouldRetry !== "boolean") return "shouldRetry not a boolean"
  if (fields.body !== undefined && (fields.body.length === 0 || fields.body.length > defaultBodyLimit)) {
    return `body of ${fields.body.length} characters`
  }
  if (fields.bodyTruncated !== undefined && fields.bodyTruncated !== true) return "bodyTruncated not true"
  const capped = capFields(fields as Record<string, unknown>) as Classified["fields"]
  for (const [key, limit] of textLimits) {
    const raw = fields[key]
    const kept = capped[key]
    if (typeof raw === "string" && raw.length > limit + scrubMargin) return `${key} of ${raw.length} before the cap`
    if (typeof kept === "string" && kept.length > limit) return `${key} of ${kept.length} after the cap`
  }
  const headers = Object.entries(capped.headers ?? {})
  if (headers.length > fieldLimits.headerCount) return `${headers.length} headers`
  for (const [name, value] of headers) {
    if (name.length > fieldLimits.headerName || value.length > fieldLimits.headerValue) return `header ${name} too long`
  }
  if (textsOf(fields).some((text) => text.toLowerCase().includes(secret))) return "the secret survived"
  try {
    JSON.stringify(fields)
  } catch (cause) {
    return `JSON.stringify threw ${String(cause)}`
  }
  return undefined
}

/** Classifies one input and checks every invariant; false (never a throw) so that fast-check shrinks the input. */
const check = (input: ErrorResponse): boolean => {
  stats.runs++
  let result: Classified
  try {
    result = classifyError(input, options)
  } catch (cause) {
    stats.throws++
    return fail(`classifyError threw ${String(cause)}`, input)
  }
  if (describeInput(input).toLowerCase().includes(secret)) stats.secretsCaught++
  const broken = violation(input, result)
  return broken === undefined ? true : fail(broken, input)
}

// 100,000 inputs take several seconds on a quiet 2-core machine and more under load: the fuzz counts inputs, not
// seconds, so its tests get a timeout no machine speed reaches.
describe("fuzz: classifyError", { timeout: 300_000 }, () => {
  for (const { arb, name, runs } of families) {
    it(name, () => {
      fc.assert(fc.property(arb, check), { seed, numRuns: runs })
    })
  }

  it("every status 0..999 (and non-finite, negative, fractional), with each kind of body", () => {
    let ok = true
    for (const input of gridInputs()) ok = check(input) && ok
    // without a body only a status that names exactly one code classifies; every other is an UnknownGatewayError
    const byStatus: Record<number, string> = { 401: "InvalidApiKey", 499: "ClientClosedRequest", 500: "InternalError" }
    for (const input of gridInputs().filter((i) => i.body === undefined || i.body === "")) {
      const { tag } = classifyError(input, options)
      const status = Number.isFinite(input.status) ? Math.trunc(input.status) : 0
      if (tag !== (byStatus[status] ?? "UnknownGatewayError")) ok = fail(`${tag} for an empty ${status}`, input)
    }
    // statuses that are not numbers at all, as an untyped caller could send them
    for (const status of nonNumberStatuses) {
      const input = { status, body: "{}" } as unknown as ErrorResponse
      stats.runs++
      const result = classifyError(input)
      ok = result.fields.status === 0 && violation(input, result) === undefined && ok
    }
    expect(ok).toBe(true)
  })

  it("totals: at least 100,000 inputs, no throws, no broken invariant, secrets among the inputs", () => {
    expect(failures).toEqual([])
    expect(stats.throws).toBe(0)
    expect(stats.invalid).toBe(0)
    expect(stats.runs).toBeGreaterThanOrEqual(100_000)
    expect(stats.secretsCaught).toBeGreaterThan(1_000)
    console.info(
      `fuzz: ${stats.runs} inputs classified (seed ${seed}), ${stats.throws} throws, ${stats.invalid} broken, ` +
        `${stats.secretsCaught} carrying the secret, ${Math.round(performance.now() - started)} ms`
    )
  })
})
