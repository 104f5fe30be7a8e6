/**
 * Decoding a response body or a stream event cheaply.
 *
 * @internal
 */
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/**
 * A decoder that returns the input itself when it already has the schema's
 * type, and decodes it otherwise. Checking is about five times cheaper than
 * decoding (the surfaces' schemas preserve unknown fields at every level,
 * which makes decoding walk every key), and returning the input keeps its
 * unknown fields as they were. Sound for schemas whose decoding is the
 * identity on a value of their type, which holds for the surfaces' schemas:
 * they use optional, nullable and defaulted fields, and no transformations.
 */
export const fastDecoder = <A, I>(
  schema: Schema.Schema<A, I>
): (u: unknown) => Either.Either<A, ParseResult.ParseError> => {
  const isType = Schema.is(Schema.typeSchema(schema))
  const decode = Schema.decodeUnknownEither(schema)
  return (u) => (isType(u) ? Either.right(u) : decode(u))
}
