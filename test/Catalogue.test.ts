import { describe, expect, it } from "@effect/vitest"
import { SkyError } from "../src/index.js"

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
})
