// The golden error responses of the core (packages/core/test/fixtures/golden.json) through the Effect 4
// `SkyWire.decodeError`: the expected tag, code, status, request id and retry hints, and the same fields as the
// core's `classifyError` gives.
import { describe, expect, it } from "@effect/vitest"
import { Duration } from "effect"
import { readFileSync } from "node:fs"
import { classifyError } from "../../core/src/classify.js"
import { SkyError, SkyWire } from "../src/index.js"

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
  readFileSync(new URL("../../core/test/fixtures/golden.json", import.meta.url), "utf8")
)

describe("golden error responses (Effect 4)", () => {
  it("the fixture is there", () => {
    expect(golden.length).toBeGreaterThanOrEqual(22)
  })

  it.each(golden.map((g) => [g.name, g] as const))("%s", (_, g) => {
    const response = { status: g.status, headers: g.headers, body: g.body }
    const e = SkyWire.decodeError(response, { now: 0 })
    expect(SkyError.isSkyError(e)).toBe(true)
    expect(e).toBeInstanceOf(SkyError.classes[e._tag])
    expect(e._tag).toBe(g.expected.tag)
    expect(SkyError.codeOf(e) ?? null).toBe(g.expected.code)
    expect(e.status).toBe(g.expected.status)
    expect(e.requestId ?? null).toBe(g.expected.requestId)
    expect(e.retryAfter === undefined ? null : Duration.toMillis(e.retryAfter)).toBe(g.expected.retryAfterMillis)
    expect(e.shouldRetry ?? null).toBe(g.expected.shouldRetry)

    // Every field the core classifies is on the class, as it was classified.
    const { fields, tag } = classifyError(response, { now: 0 })
    expect(e._tag).toBe(tag)
    for (const [key, value] of Object.entries(fields)) {
      if (key === "retryAfterMillis") expect(Duration.toMillis(e.retryAfter!)).toBe(value)
      else expect((e as unknown as Record<string, unknown>)[key], key).toEqual(value)
    }
  })
})
