/**
 * Decoding a response body or a stream event cheaply.
 *
 * @internal
 */
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as AST from "effect/SchemaAST"
import { NotDecoded } from "../../packages/core/src/streamSurface.js"

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
      // `null` and `undefined` members (every nullable field has them) are checked first, without a call; a
      // nested union may still admit them, so a miss goes on to the other members.
      const admitsNull = ast.types.some((t) => t._tag === "Literal" && t.literal === null)
      const admitsUndefined = ast.types.some((t) => t._tag === "UndefinedKeyword")
      const members = ast.types
        .filter((t) => !(t._tag === "Literal" && t.literal === null) && t._tag !== "UndefinedKeyword")
        .map(compile)
      if (members.length === 1) {
        const only = members[0]!
        return (u) => (u === null && admitsNull) || (u === undefined && admitsUndefined) || only(u)
      }
      return (u) => {
        if ((u === null && admitsNull) || (u === undefined && admitsUndefined)) return true
        for (let i = 0; i < members.length; i++) if (members[i]!(u)) return true
        return false
      }
    }
    case "TupleType": {
      if (ast.elements.length > 0 || ast.rest.length !== 1) break
      const item = compile(ast.rest[0]!.type)
      return (u) => {
        if (!Array.isArray(u)) return false
        for (let i = 0; i < u.length; i++) if (!item(u[i])) return false
        return true
      }
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
        // A name that an object inherits (`toString`, ...) must be checked as an own key; any other name is
        // absent exactly when reading it gives `undefined` and the key is not there.
        inherited: p.name in Object.prototype,
        is: compile(p.type)
      }))
      return (u) => {
        if (!isObject(u)) return false
        for (let i = 0; i < properties.length; i++) {
          const p = properties[i]!
          const value = u[p.name]
          if ((value === undefined || p.inherited) && !hasOwn.call(u, p.name)) {
            if (p.isOptional) continue
            return false
          }
          if (!p.is(value)) return false
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
  const isType = compile(Schema.typeSchema(schema).ast)
  const decode = Schema.decodeUnknownEither(schema)
  return (u) => {
    if (isType(u)) return u as A
    const decoded = decode(u)
    return Either.isRight(decoded) ? decoded.right : new NotDecoded(decoded.left)
  }
}
