/**
 * Property-test helpers for the surfaces' unknown fields (not a test file).
 */
import * as fc from "fast-check"
import type * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"

/** The field names a surface struct declares, read from its AST. */
export const declaredKeys = (schema: Schema.Top): ReadonlyArray<string> => {
  const ast = schema.ast
  if (!SchemaAST.isObjects(ast)) throw new Error(`not a struct: ${ast._tag}`)
  return ast.propertySignatures.map((p) => String(p.name))
}

/** Objects of up to five fields the schema does not declare, with any JSON values. */
export const unknownFields = (schema: Schema.Top): fc.Arbitrary<Record<string, fc.JsonValue>> => {
  const declared = new Set(declaredKeys(schema))
  return fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !declared.has(k)), fc.jsonValue(), {
    maxKeys: 5
  })
}

/** The parse options a caller may pass: unknown fields must survive each. */
export const excessOptions = [undefined, { onExcessProperty: "ignore" }, { onExcessProperty: "error" }] as const
