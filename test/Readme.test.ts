import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import * as CatalogueTable from "../packages/core/src/catalogueTable.js"

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")

describe("README", () => {
  it("starts with the two setup commands", () => {
    const firstBlock = readme.slice(readme.indexOf("```sh"), readme.indexOf("```", readme.indexOf("```sh") + 5))
    expect(firstBlock).toContain("npm ci && npm start")
    expect(firstBlock).toContain("npm ci && npm test")
  })

  it("shows the error table exactly as the catalogue has it", () => {
    expect(readme).toContain(CatalogueTable.markdown())
  })

  const examples = [...readme.matchAll(/<!-- example: (\S+) -->\n```ts\n([\s\S]*?)```/g)]

  it("has examples", () => {
    expect(examples.length).toBeGreaterThanOrEqual(2)
  })

  // The example files are compiled by `npm test`'s typecheck; this keeps the README's copies identical to them.
  for (const [, file, code] of examples) {
    it(`shows ${file} verbatim`, () => {
      expect(code).toBe(readFileSync(new URL(`../${file}`, import.meta.url), "utf8"))
    })
  }
})
