import { describe, expect, it } from "vitest"
import * as Table from "../src/table.js"

describe("the error table", () => {
  it("has the fourteen codes of the gateway's table, each once, in tag order", () => {
    const codes = Table.tags.flatMap((tag) => {
      const code: number | undefined = Table.catalogue[tag].code
      return code === undefined ? [] : [code]
    })
    expect(codes).toEqual([2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008, 2101, 2102, 2103, 2104, 2105, 2106])
  })

  it("keys every entry by its own tag and finds each code's entry", () => {
    for (const tag of Table.tags) {
      const entry: Table.CatalogueEntry = Table.catalogue[tag]
      expect(entry.tag).toBe(tag)
      if (entry.code !== undefined) expect(Table.entryOfCode(entry.code)).toBe(entry)
    }
    expect(Table.entryOfCode(2009)).toBeUndefined()
  })

  it("puts every tag but UnknownGatewayError and the 5xx rows in exactly one group of its type", () => {
    const grouped = Object.values(Table.groups).flat()
    expect(new Set(grouped).size).toBe(grouped.length)
    for (const [group, members] of Object.entries(Table.groups)) {
      for (const tag of members) {
        expect(Table.catalogue[tag].type, tag).toBe(group)
      }
    }
  })

  it("retries 408, 409, 424, 429 and every 5xx by status, nothing else", () => {
    const retried = Array.from({ length: 600 }, (_, i) => i).filter(Table.isRetryableStatus)
    expect(retried).toEqual([408, 409, 424, 429, ...Array.from({ length: 100 }, (_, i) => 500 + i)])
  })
})
