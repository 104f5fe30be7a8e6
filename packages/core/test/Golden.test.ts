// The golden error responses (fixtures/golden.json) through the core's classifier; each line checks its own
// decodeError against the same file (test/Golden.test.ts in the Effect 3 line).
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { classifyError } from "../src/classify.js"
import { catalogue, tags } from "../src/table.js"

interface Golden {
  readonly name: string
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string
  readonly expected: {
    readonly tag: string
    readonly code: number | string | null
    readonly status: number
    readonly requestId: string | null
    readonly retryAfterMillis: number | null
    readonly shouldRetry: boolean | null
  }
}

const golden: ReadonlyArray<Golden> = JSON.parse(
  readFileSync(new URL("./fixtures/golden.json", import.meta.url), "utf8")
)

describe("golden error responses", () => {
  it("cover every table code and the foreign shapes", () => {
    const codes = new Set(golden.map((g) => g.expected.code))
    for (const tag of tags) {
      const code = catalogue[tag].code
      if (code !== undefined) expect(codes.has(code), `code ${code}`).toBe(true)
    }
    expect(golden.some((g) => g.body === "")).toBe(true)
    expect(golden.some((g) => g.body.startsWith("<html"))).toBe(true)
    expect(golden.some((g) => g.headers["content-type"] === "application/problem+json")).toBe(true)
  })

  it.each(golden.map((g) => [g.name, g] as const))("%s", (_, g) => {
    const { fields, tag } = classifyError({ status: g.status, headers: g.headers, body: g.body }, { now: 0 })
    expect(tag).toBe(g.expected.tag)
    expect(fields.code ?? catalogue[tag].code ?? null).toBe(g.expected.code)
    expect(fields.status).toBe(g.expected.status)
    expect(fields.requestId ?? null).toBe(g.expected.requestId)
    expect(fields.retryAfterMillis ?? null).toBe(g.expected.retryAfterMillis)
    expect(fields.shouldRetry ?? null).toBe(g.expected.shouldRetry)
    // The evidence: the body as sent (all of these are under the limit), the headers lower-cased.
    expect(fields.body ?? "").toBe(g.body)
    for (const [name, value] of Object.entries(g.headers)) expect(fields.headers?.[name.toLowerCase()]).toBe(value)
  })
})
