// The cross-line check, Effect 3 half: packages/core/test/fixtures/encoded.json holds one encoded SkyError per tag
// (the JSON of `Schema.encode(SkyError.SkyError)`). This line decodes each to its class and encodes it back to
// exactly that JSON; packages/effect4/test/CrossLine.test.ts asserts the same on Effect 4. Together: an error
// encoded by either line decodes in the other, to the same class with the same fields.
import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { readFileSync } from "node:fs"
import { SkyError, SkyWire } from "../src/index.js"

const encoded: ReadonlyArray<{ readonly _tag: string } & Record<string, unknown>> = JSON.parse(
  readFileSync(new URL("../packages/core/test/fixtures/encoded.json", import.meta.url), "utf8")
)

describe("errors encoded by either line (Effect 3)", () => {
  it("the fixture has one error per tag", () => {
    expect(encoded.map((e) => e._tag)).toEqual([...SkyError.tags])
  })

  it.each(encoded.map((e) => [e._tag, e] as const))("%s decodes to its class and encodes back to the same JSON", (tag, json) => {
    const e = Schema.decodeUnknownSync(SkyError.SkyError)(json)
    expect(e).toBeInstanceOf(SkyError.classes[tag as SkyError.Tag])
    expect(SkyError.isSkyError(e)).toBe(true)
    expect(e._tag).toBe(tag)
    expect(JSON.parse(JSON.stringify(Schema.encodeSync(SkyError.SkyError)(e)))).toEqual(json)
    // and the error crosses the wire in every shape to the same tag
    for (const shape of SkyWire.shapes) expect(SkyWire.decodeError(SkyWire.encodeError(e, { shape }))._tag, shape).toBe(tag)
  })

  it("the whole array decodes and encodes back at once", () => {
    const decoded = Schema.decodeUnknownSync(Schema.Array(SkyError.SkyError))(encoded)
    expect(JSON.parse(JSON.stringify(Schema.encodeSync(Schema.Array(SkyError.SkyError))(decoded)))).toEqual(encoded)
  })
})
