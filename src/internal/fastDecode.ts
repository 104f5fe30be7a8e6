/**
 * Decoding a response body or a stream event cheaply.
 *
 * @internal
 */
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as AST from "effect/SchemaAST"

type Is = (u: unknown) => boolean

const hasOwn = Object.prototype.hasOwnProperty

const isObject = (u: unknown): u is Record<PropertyKey, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * A plain predicate for the type side of a schema, compiled from its AST for
 * the nodes the surfaces use (structs, unions, arrays, literals, keywords);
 * any other node is checked by `Schema.is` on that node. It answers what
 * `Schema.is` answers, without the parser's bookkeeping (and, unlike it,
 * without walking every key of a struct that keeps unknown fields).
 */
const compile = (ast: AST.AST): Is => {
  switch (ast._tag) {
    case "StringKeyword":
      return (u) => typeof u === "string"
    case "NumberKeyword":
      return (u) => typeof u === "number"
    case "BooleanKeyword":
      return (u) => typeof u === "boolean"
    case "UnknownKeyword":
    case "AnyKeyword":
      return () => true
    case "UndefinedKeyword":
      return (u) => u === undefined
    case "Literal": {
      const literal = ast.literal
      return (u) => u === literal
    }
    case "Union": {
      const members = ast.types.map(compile)
      return (u) => members.some((is) => is(u))
    }
    case "TupleType": {
      if (ast.elements.length > 0 || ast.rest.length !== 1) break
      const item = compile(ast.rest[0]!.type)
      return (u) => Array.isArray(u) && u.every(item)
    }
    case "TypeLiteral": {
      // Index signatures other than "any string key, any value" need the parser.
      const openEnough = ast.indexSignatures.every((s) =>
        s.parameter._tag === "StringKeyword" && (s.type._tag === "UnknownKeyword" || s.type._tag === "AnyKeyword")
      )
      if (!openEnough) break
      const properties = ast.propertySignatures.map((p) => ({
        name: p.name,
        isOptional: p.isOptional,
        is: compile(p.type)
      }))
      return (u) => {
        if (!isObject(u)) return false
        for (const p of properties) {
          if (!hasOwn.call(u, p.name)) {
            if (p.isOptional) continue
            return false
          }
          if (!p.is(u[p.name])) return false
        }
        return true
      }
    }
  }
  return Schema.is(Schema.make(ast))
}

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
  const isType = compile(Schema.typeSchema(schema).ast)
  const decode = Schema.decodeUnknownEither(schema)
  return (u) => (isType(u) ? Either.right(u as A) : decode(u))
}
