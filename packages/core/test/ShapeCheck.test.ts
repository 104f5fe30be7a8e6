// The shape checks under each line's fast decoder: generated code and the tree of closures give the same answers.
import { describe, expect, it } from "vitest"
import fc from "fast-check"
import { checkOf, generated, interpreted, primitive, type Shape } from "../src/shapeCheck.js"

/** Any shape of the kinds the lines read, nested a few levels, names drawn from awkward ones too. */
const shapes: fc.Arbitrary<Shape> = fc.letrec<{ shape: Shape }>((tie) => ({
  shape: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom<Shape>(
      primitive("string"),
      primitive("number"),
      primitive("boolean"),
      primitive("any"),
      primitive("undefined"),
      { kind: "other", is: (u) => typeof u === "number" && u > 0 }
    ),
    fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.constant(null)).map((value): Shape => ({ kind: "literal", value })),
    fc.array(tie("shape"), { minLength: 1, maxLength: 3 }).map((members): Shape => ({ kind: "union", members })),
    tie("shape").map((item): Shape => ({ kind: "array", item })),
    fc.uniqueArray(
      fc.record({
        name: fc.oneof(fc.constantFrom("a", "b", "toString", "__proto__", "constructor", "\"]; throw 1; //", "\u2028"), fc.string()),
        optional: fc.boolean(),
        shape: tie("shape")
      }),
      { selector: (p) => p.name, maxLength: 4 }
    ).map((properties): Shape => ({ kind: "object", properties }))
  )
})).shape

/** A value that often has the shape (or nearly), and anything else too. */
const valueFor = (shape: Shape): fc.Arbitrary<unknown> => {
  switch (shape.kind) {
    case "string":
      return fc.string()
    case "number":
      return fc.double()
    case "boolean":
      return fc.boolean()
    case "any":
      return fc.anything()
    case "undefined":
      return fc.constant(undefined)
    case "literal":
      return fc.constant(shape.value)
    case "union":
      return fc.oneof(...shape.members.map(valueFor))
    case "array":
      return fc.array(fc.oneof(valueFor(shape.item), fc.anything()), { maxLength: 3 })
    case "object":
      return fc.tuple(...shape.properties.map((p) => fc.option(valueFor(p.shape), { nil: undefined })), fc.anything()).map(
        (values) => {
          const out: Record<string, unknown> = {}
          shape.properties.forEach((p, i) => {
            // Absent, present with the value, or present as `undefined`.
            if (values[i] !== undefined) Object.defineProperty(out, p.name, { value: values[i], enumerable: true })
            else if (i % 2 === 0) Object.defineProperty(out, p.name, { value: undefined, enumerable: true })
          })
          return out
        }
      )
    case "other":
      return fc.oneof(fc.double(), fc.anything())
  }
}

describe("shapeCheck", () => {
  it("generated code and the tree of closures agree on any shape and any value", () => {
    fc.assert(
      fc.property(
        shapes.chain((shape) => fc.tuple(fc.constant(shape), fc.array(fc.oneof(valueFor(shape), fc.anything()), { minLength: 1, maxLength: 8 }))),
        ([shape, values]) => {
          const fast = generated(shape)
          expect(fast).toBeDefined()
          const slow = interpreted(shape)
          for (const value of values) expect(fast!(value)).toBe(slow(value))
        }
      ),
      { numRuns: 400 }
    )
  })

  it("checks the common cases as a hand-written check would", () => {
    const chunk: Shape = {
      kind: "object",
      properties: [
        { name: "id", optional: false, shape: primitive("string") },
        { name: "usage", optional: true, shape: { kind: "union", members: [{ kind: "literal", value: null }, primitive("number")] } },
        { name: "toString", optional: true, shape: primitive("string") },
        { name: "choices", optional: false, shape: { kind: "array", item: { kind: "object", properties: [{ name: "index", optional: false, shape: primitive("number") }] } } }
      ]
    }
    for (const check of [checkOf(chunk), interpreted(chunk)]) {
      expect(check({ id: "a", choices: [{ index: 0 }], extra: 1 })).toBe(true)
      expect(check({ id: "a", usage: null, choices: [] })).toBe(true)
      expect(check({ id: "a", usage: undefined, choices: [] })).toBe(false)
      expect(check({ id: "a", choices: [{ index: "0" }] })).toBe(false)
      expect(check({ choices: [] })).toBe(false)
      expect(check({ id: "a", choices: {} })).toBe(false)
      expect(check([])).toBe(false)
      expect(check(null)).toBe(false)
      // An inherited name is checked as an own key: `toString` from the prototype is not the field.
      expect(check({ id: "a", choices: [], toString: "x" })).toBe(true)
      expect(check({ id: "a", choices: [], toString: 1 })).toBe(false)
    }
  })

  it("a property name or a literal is data, never code", () => {
    const check = checkOf({ kind: "object", properties: [{ name: "\"]) || true; //", optional: false, shape: primitive("number") }] })
    expect(check({})).toBe(false)
    expect(check({ "\"]) || true; //": 1 })).toBe(true)
    const literal = checkOf({ kind: "literal", value: "\") || true || (\"" })
    expect(literal("x")).toBe(false)
    expect(literal("\") || true || (\"")).toBe(true)
    expect(checkOf({ kind: "literal", value: Number.NaN })(Number.NaN)).toBe(false)
  })
})
