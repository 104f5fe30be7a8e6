// The Effect 3 decodeError over collected bodies; the scanner and collector tests are in packages/core/test/BoundedBody.test.ts.
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { SkyWire } from "../src/index.js"
import * as BoundedBody from "../packages/core/src/boundedBody.js"

const encoder = new TextEncoder()

/** Pushes `text` in the given chunks and returns the collected body. */
const collect = (
  bytes: Uint8Array,
  cuts: ReadonlyArray<number> = [],
  options?: Parameters<typeof BoundedBody.makeCollector>[0]
): BoundedBody.CollectedBody => {
  const collector = BoundedBody.makeCollector(options)
  let from = 0
  for (const cut of [...cuts, bytes.length]) {
    if (cut < from) continue
    if (!collector.push(bytes.subarray(from, cut))) break
    from = cut
  }
  return collector.result()
}

describe("decodeError reads a collected body", () => {
  const bigEnvelope = (code: number, messageBytes: number): string =>
    `{"error":{"message":"${"x".repeat(messageBytes)}","type":"BadRequest","code":${code},"trace_id":"abc123"}}`

  it("a 5 MB gateway envelope whose code 2001 comes after the message is UnclassifiedLlmError (bytes)", () => {
    const bytes = encoder.encode(bigEnvelope(2001, 5_000_000))
    const e = SkyWire.decodeError({ status: 400, headers: { "content-type": "application/json" }, body: bytes })
    expect(e._tag).toBe("UnclassifiedLlmError")
    expect(e.requestId).toBe("abc123")
    expect(e.errorType).toBe("BadRequest")
    expect(e.message.length).toBeLessThanOrEqual(8_192)
    expect(e.body?.length).toBe(SkyWire.bodyLimit)
    expect(e.bodyTruncated).toBe(true)
  })

  it("the same envelope as a string, and as a collected body pushed in 64 KiB chunks", () => {
    const text = bigEnvelope(2007, 5_000_000)
    expect(SkyWire.decodeError({ status: 429, body: text })._tag).toBe("RpmLimitExceeded")
    const bytes = encoder.encode(text)
    const collector = BoundedBody.makeCollector()
    for (let i = 0; i < bytes.length && collector.push(bytes.subarray(i, i + 65_536)); i += 65_536);
    const body = collector.result()
    expect(body.bytes.length).toBe(65_536)
    const e = SkyWire.decodeError({ status: 429, body })
    expect(e._tag).toBe("RpmLimitExceeded")
    expect(e.requestId).toBe("abc123")
    expect(e.bodyTruncated).toBe(true)
  })

  it("a collected body that was wholly kept is parsed as before (structured message kept)", () => {
    const text = JSON.stringify({ error: { code: 2101, message: { en: "Invalid API Key", zh: "无效" } } })
    const body = collect(encoder.encode(text))
    const e = SkyWire.decodeError({ status: 401, body })
    expect(e._tag).toBe("InvalidApiKey")
    expect(e.message).toBe(JSON.stringify({ en: "Invalid API Key", zh: "无效" }))
    expect(e.body).toBe(text)
    expect(e.bodyTruncated).toBeUndefined()
  })

  it("a code past the scan limit is not found: the error is unknown, with the status kept", () => {
    const body = collect(encoder.encode(bigEnvelope(2001, 300_000)), [], { scanLimit: 100_000 })
    expect(body.complete).toBe(false)
    const e = SkyWire.decodeError({ status: 400, body })
    expect(e._tag).toBe("UnknownGatewayError")
    expect(e.status).toBe(400)
  })

  it("facts are not read from a body that declares another charset", () => {
    const body = collect(encoder.encode(bigEnvelope(2001, 200_000)))
    const e = SkyWire.decodeError({ status: 400, headers: { "content-type": "application/json; charset=utf-16le" }, body })
    expect(e._tag).toBe("UnknownGatewayError")
  })
})

describe("decodeError stays total over collected bodies", () => {
  it("arbitrary bytes, pushed in arbitrary chunks with arbitrary limits, always decode to a SkyError", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 400 }),
        (bytes, rawCuts, keep, scanLimit) => {
          const cuts = rawCuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b)
          const body = collect(bytes, cuts, { keep, scanLimit })
          expect(body.bytes.length).toBeLessThanOrEqual(keep)
          const e = SkyWire.decodeError({ status: 400, body })
          expect(e.status).toBe(400)
        }
      ),
      { seed: 8, numRuns: 3000 }
    )
  })
})
