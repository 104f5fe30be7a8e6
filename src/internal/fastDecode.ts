/**
 * Decoding a response body or a stream event cheaply.
 *
 * @internal
 */
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as AST from "effect/SchemaAST"
import { checkOf, primitive, type Shape, shapeReader } from "../../packages/core/src/shapeCheck.js"
import { NotDecoded } from "../../packages/core/src/streamSurface.js"

/**
 * The type side of a schema as a `Shape` (core's `shapeCheck.ts`), read from its AST for the nodes the surfaces use
 * (structs that keep unknown fields, unions, arrays, literals, keywords); any other node is checked by `Schema.is`
 * on that node. The check answers what `Schema.is` answers, without the parser's bookkeeping (and, unlike it,
 * without walking every key of a struct that keeps unknown fields). A node met twice is one shape.
 */
const shapeOf = shapeReader<AST.AST>((ast, under): Shape => {
  switch (ast._tag) {
    case "StringKeyword":
      return primitive("string")
    case "NumberKeyword":
      return primitive("number")
    case "BooleanKeyword":
      return primitive("boolean")
    case "UnknownKeyword":
    case "AnyKeyword":
      return primitive("any")
    case "UndefinedKeyword":
      return primitive("undefined")
    case "Literal": {
      const value = ast.literal
      if (typeof value === "bigint") break
      return { kind: "literal", value }
    }
    case "Union":
      return { kind: "union", members: ast.types.map(under) }
    case "TupleType": {
      if (ast.elements.length > 0 || ast.rest.length !== 1) break
      return { kind: "array", item: under(ast.rest[0]!.type) }
    }
    case "TypeLiteral": {
      // Index signatures other than "any string key, any value" need the parser.
      const openEnough = ast.indexSignatures.every((s) =>
        s.parameter._tag === "StringKeyword" && (s.type._tag === "UnknownKeyword" || s.type._tag === "AnyKeyword")
      )
      if (!openEnough || ast.propertySignatures.some((p) => typeof p.name !== "string")) break
      return {
        kind: "object",
        properties: ast.propertySignatures.map((p) => ({
          name: p.name as string,
          optional: p.isOptional,
          shape: under(p.type)
        }))
      }
    }
  }
  return { kind: "other", is: Schema.is(Schema.make(ast)) }
})

/**
 * A decoder that returns the input itself when it already has the schema's
 * type, and decodes it otherwise. The check is a compiled predicate of a few
 * `typeof`s per field, far cheaper than decoding (the surfaces' schemas keep
 * unknown fields at every level, which makes decoding walk every key), and
 * returning the input keeps its unknown fields as they were. Sound for schemas
 * whose decoding is the identity on a value of their type, which holds for the
 * surfaces' schemas: optional, nullable and defaulted fields, no
 * transformations. A property test holds it to the Schema's own decoding.
 */
export const fastDecoder = <A, I>(
  schema: Schema.Schema<A, I>
): (u: unknown) => Either.Either<A, ParseResult.ParseError> => {
  const check = fastChecker(schema)
  return (u) => {
    const checked = check(u)
    return checked instanceof NotDecoded ? Either.left(checked.error) : Either.right(checked)
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
 * type, else the decoded value, else a `NotDecoded`. For a stream's events, where an `Either` per event was
 * garbage on every chunk.
 *
 * @internal
 */
export const fastChecker = <A, I>(schema: Schema.Schema<A, I>): (u: unknown) => A | NotDecoded<ParseResult.ParseError> => {
  const isType = checkOf(shapeOf(Schema.typeSchema(schema).ast))
  const decode = Schema.decodeUnknownEither(schema)
  return (u) => {
    if (isType(u)) return u as A
    const decoded = decode(u)
    return Either.isRight(decoded) ? decoded.right : new NotDecoded(decoded.left)
  }
}
