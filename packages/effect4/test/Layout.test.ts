import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Table from "../../core/src/table.js"

describe("the Effect 4 line", () => {
  it.effect("runs on Effect 4 and reads the shared table", () =>
    Effect.gen(function*() {
      const codes = yield* Effect.succeed(Table.tags.map((tag) => Table.catalogue[tag].code).filter((c) => c !== undefined))
      expect(codes).toHaveLength(14)
      expect(Number(process.versions.node.split(".")[0])).toBeGreaterThanOrEqual(22)
    }))
})
