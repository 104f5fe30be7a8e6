import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import * as CatalogueTable from "../../core/src/catalogueTable.js"

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")

describe("README of the Effect 4 line", () => {
  it("starts with its commands: install for Effect 4, the demo, the suite", () => {
    const start = readme.indexOf("```sh")
    expect(readme.slice(0, start)).not.toContain("```")
    const firstBlock = readme.slice(start, readme.indexOf("```", start + 5))
    expect(firstBlock).toContain(`npm i "effect-skyengine@^2" "effect@^4.1.0"`)
    expect(firstBlock).toContain("npm start -w packages/effect4")
    expect(firstBlock).toContain("SKY_SUITES=effect4 npm test")
  })

  it("names the versions this package declares", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
    expect(readme).toContain(`Node >= ${pkg.engines.node.replace(">=", "")}`)
    expect(readme).toContain(`"effect@${pkg.peerDependencies.effect}"`)
    expect(readme).toContain(`"@effect/platform-node@${pkg.peerDependencies["@effect/platform-node"]}"`)
  })

  it("shows the error table exactly as the catalogue has it", () => {
    expect(readme).toContain(CatalogueTable.markdown())
  })

  const examples = [...readme.matchAll(/<!-- example: (\S+) -->\n```ts\n([\s\S]*?)```/g)]

  it("shows the four examples", () => {
    expect(examples.map(([, file]) => file)).toEqual([
      "examples/quickstart.ts",
      "examples/catchTags.ts",
      "examples/testing.ts",
      "examples/proxy.ts"
    ])
  })

  // The example files are compiled by the line's typecheck; this keeps the README's copies identical to them.
  for (const [, file, code] of examples) {
    it(`shows ${file} verbatim`, () => {
      expect(code).toBe(readFileSync(new URL(`../${file}`, import.meta.url), "utf8"))
    })
  }

  it("its examples need only the required peer: they import effect, effect-skyengine and each other", () => {
    for (const [, file, code] of examples) {
      for (const [, from] of code.matchAll(/from "([^"]+)"/g)) {
        expect(from, file).toMatch(/^(effect|effect\/[a-z-]+|effect-skyengine|effect-skyengine\/Sky\w+|\.\/\w+\.js)$/)
      }
    }
  })

  it("has Effect 4 code only: no Effect 3 package in any code block", () => {
    const code = [...readme.matchAll(/```(?:ts|sh)\n([\s\S]*?)```/g)].map(([, text]) => text).join("\n")
    expect(code).not.toMatch(/@effect\/platform"|@effect\/cli|@effect\/experimental|effect-skyengine@\^1/)
  })
})
