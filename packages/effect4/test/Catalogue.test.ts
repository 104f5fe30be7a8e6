import { describe, expect, it } from "@effect/vitest"
import { SkyError } from "../src/index.js"

// The catalogue as the Effect 4 line exports it (the core's table, re-exported).
describe("the catalogue's texts", () => {
  it("read as plain English: no field names such as retryAfter or requestId", () => {
    for (const tag of SkyError.tags) {
      const entry: SkyError.CatalogueEntry = SkyError.catalogue[tag]
      for (const text of [entry.meaning, entry.remedy]) {
        expect(text, tag).not.toMatch(/\b[a-z]+[A-Z][A-Za-z]*\b/)
        expect(text, tag).toMatch(/^[A-Z].*[.a-z)]$/)
      }
    }
  })

  it("say who TokenOPS.AI is where they name it", () => {
    for (const tag of SkyError.tags) {
      const entry: SkyError.CatalogueEntry = SkyError.catalogue[tag]
      if (/tokenops/i.test(entry.remedy)) expect(entry.remedy, tag).toContain("white-labelled build of the TokenOPS.AI gateway")
    }
    expect(SkyError.catalogue.InternalError.remedy).toMatch(/TokenOPS\.AI/)
  })

  it("has one entry per tag, and one class per tag", () => {
    expect(Object.keys(SkyError.catalogue).sort()).toEqual([...SkyError.tags].sort())
    expect(Object.keys(SkyError.classes).sort()).toEqual([...SkyError.tags].sort())
    expect(SkyError.tags).toHaveLength(19)
  })
})
