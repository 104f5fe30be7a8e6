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

type Is = (u: unknown) => boolean

const hasOwn = Object.prototype.hasOwnProperty

const isObject = (u: unknown): u is Record<PropertyKey, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** The parser's own answer for a node this module does not compile. */
const slow = (ast: SchemaAST.AST): Is => SchemaParser.is(Schema.make(ast))

/**
 * A plain predicate for the type side of a schema, compiled from its AST for the nodes the surfaces use (structs
 * with an `any string key, unknown value` rest, unions, arrays, literals, keywords); any other node, and any node
 * with checks (filters), is checked by `SchemaParser.is` on that node. It answers what `Schema.is` answers, without
 * the parser's bookkeeping: Effect 4 parses every struct that has an index signature (each surface struct, since
 * it keeps unknown fields) through its general object parser, which walks every key of the input.
 */
const compile = (ast: SchemaAST.AST): Is => {
  if (ast.checks !== undefined) return slow(ast)
  switch (ast._tag) {
    case "String":
      return (u) => typeof u === "string"
    case "Number":
      return (u) => typeof u === "number"
    case "Boolean":
      return (u) => typeof u === "boolean"
    case "Unknown":
    case "Any":
      return () => true
    case "Undefined":
      return (u) => u === undefined
    case "Null":
      return (u) => u === null
    case "Literal": {
      const literal = ast.literal
      return (u) => u === literal
    }
    case "Union": {
      if (ast.options?.mode === "oneOf") break
      // `null` and `undefined` members (every nullable field has them) are checked first, without a call; a nested
      // union may still admit them, so a miss goes on to the other members.
      const admitsNull = ast.types.some((t) => t._tag === "Null" && t.checks === undefined)
      const admitsUndefined = ast.types.some((t) => t._tag === "Undefined" && t.checks === undefined)
      const members = ast.types
        .filter((t) => !((t._tag === "Null" || t._tag === "Undefined") && t.checks === undefined))
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
    case "Arrays": {
      if (ast.elements.length > 0 || ast.rest.length !== 1) break
      const item = compile(ast.rest[0]!)
      return (u) => {
        if (!Array.isArray(u)) return false
        for (let i = 0; i < u.length; i++) if (!item(u[i])) return false
        return true
      }
    }
    case "Objects": {
      // Index signatures other than "any string key, any value" need the parser.
      const openEnough = ast.indexSignatures.every((s) =>
        s.parameter._tag === "String" && s.parameter.checks === undefined &&
        (s.type._tag === "Unknown" || s.type._tag === "Any")
      )
      if (!openEnough || ast.propertySignatures.some((p) => typeof p.name !== "string")) break
      const properties = ast.propertySignatures.map((p) => ({
        name: p.name as string,
        isOptional: SchemaAST.isOptional(p.type),
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
  return slow(ast)
}

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
  const isType = compile(SchemaAST.toType(schema.ast))
  const decode = Schema.decodeUnknownResult(schema)
  return (u) => {
    if (isType(u)) return u as S["Type"]
    const decoded = decode(u)
    return Result.isSuccess(decoded) ? decoded.success : new NotDecoded(decoded.failure)
  }
}
