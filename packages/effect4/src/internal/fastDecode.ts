/**
 * Decoding a response body or a stream event cheaply.
 *
 * @internal
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import * as SchemaParser from "effect/SchemaParser"
import { NotDecoded } from "../../../core/src/streamSurface.js"
import { checkOf, primitive, type Shape, shapeReader } from "../../../core/src/shapeCheck.js"

/** The parser's own answer for a node this module does not read. */
const slow = (ast: SchemaAST.AST): Shape => ({ kind: "other", is: SchemaParser.is(Schema.make(ast)) })

/**
 * The type side of a schema as a `Shape` (core's `shapeCheck.ts`), read from its AST for the nodes the surfaces use
 * (structs with an `any string key, unknown value` rest, unions, arrays, literals, keywords); any other node, and
 * any node with checks (filters), is checked by `SchemaParser.is` on that node. The check answers what `Schema.is`
 * answers, without the parser's bookkeeping: Effect 4 parses every struct that has an index signature (each
 * surface struct, since it keeps unknown fields) through its general object parser, which walks every key of the
 * input. A node met twice is one shape.
 */
const shapeOf = shapeReader<SchemaAST.AST>((ast, under): Shape => {
  if (ast.checks !== undefined) return slow(ast)
  switch (ast._tag) {
    case "String":
      return primitive("string")
    case "Number":
      return primitive("number")
    case "Boolean":
      return primitive("boolean")
    case "Unknown":
    case "Any":
      return primitive("any")
    case "Undefined":
      return primitive("undefined")
    case "Null":
      return { kind: "literal", value: null }
    case "Literal": {
      const value = ast.literal
      if (typeof value === "bigint") break
      return { kind: "literal", value }
    }
    case "Union":
      if (ast.options?.mode === "oneOf") break
      return { kind: "union", members: ast.types.map(under) }
    case "Arrays": {
      if (ast.elements.length > 0 || ast.rest.length !== 1) break
      return { kind: "array", item: under(ast.rest[0]!) }
    }
    case "Objects": {
      // Index signatures other than "any string key, any value" need the parser.
      const openEnough = ast.indexSignatures.every((s) =>
        s.parameter._tag === "String" && s.parameter.checks === undefined &&
        (s.type._tag === "Unknown" || s.type._tag === "Any")
      )
      if (!openEnough || ast.propertySignatures.some((p) => typeof p.name !== "string")) break
      return {
        kind: "object",
        properties: ast.propertySignatures.map((p) => ({
          name: p.name as string,
          optional: SchemaAST.isOptional(p.type),
          shape: under(p.type)
        }))
      }
    }
  }
  return slow(ast)
})

/**
 * A decoder that returns the input itself when it already has the schema's type, and decodes it otherwise. The
 * check is a compiled predicate of a few `typeof`s per field, far cheaper than decoding, and returning the input
 * keeps its unknown fields as they were. Sound for schemas whose decoding is the identity on a value of their
 * type, which holds for the surfaces' schemas: optional, nullable and defaulted fields (a defaulted field is
 * required on the type side, so a value without it is decoded), no other transformations. A property test holds
 * it to the Schema's own decoding.
 */
export const fastDecoder = <S extends Schema.ConstraintDecoder<unknown>>(
  schema: S
): (u: unknown) => Result.Result<S["Type"], Schema.SchemaError> => {
  const check = fastChecker(schema)
  return (u) => {
    const checked = check(u)
    return checked instanceof NotDecoded ? Result.fail(checked.error) : Result.succeed(checked)
  }
}

/**
 * Why `fastChecker`'s value did not decode (core's, so that a surface tells it from a decoded value).
 *
 * @internal
 */
export { NotDecoded }


/**
 * The check under `fastDecoder`, without a wrapper around the common result: the input itself when it already has the schema's
 * type, else the decoded value, else a `NotDecoded`. For a stream's events, where a `Result` per event was
 * garbage on every chunk.
 *
 * @internal
 */
export const fastChecker = <S extends Schema.ConstraintDecoder<unknown>>(
  schema: S
): (u: unknown) => S["Type"] | NotDecoded<Schema.SchemaError> => {
  const isType = checkOf(shapeOf(SchemaAST.toType(schema.ast)))
  const decode = Schema.decodeUnknownResult(schema)
  return (u) => {
    if (isType(u)) return u as S["Type"]
    const decoded = decode(u)
    return Result.isSuccess(decoded) ? decoded.success : new NotDecoded(decoded.failure)
  }
}
