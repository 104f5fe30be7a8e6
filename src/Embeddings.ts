/**
 * Schemas for the OpenAI-compatible embeddings surface of the SkyEngine
 * gateway (`POST /v1/embeddings`): the request, the response, and
 * {@link vectorOf}, which turns an embedding (a float array, or base64 when
 * the request asked for `encoding_format: "base64"`) into numbers.
 *
 * Object names are plain strings. Every schema of this module is annotated
 * with `parseOptions: { onExcessProperty: "preserve" }`, so unknown fields
 * survive decoding at every level: `Schema.decodeUnknown(CreateEmbeddingResponse)` keeps them.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { nullable, open, struct } from "./internal/schema.js"

// -----------------------------------------------------------------------------
// request
// -----------------------------------------------------------------------------

/**
 * The `input` of an embeddings request: a string, an array of strings, an
 * array of token ids, or an array of arrays of token ids.
 *
 * @since 0.1.0
 * @category schemas
 */
export const EmbeddingInput = Schema.Union(
  Schema.String,
  Schema.Array(Schema.String),
  Schema.Array(Schema.Number),
  Schema.Array(Schema.Array(Schema.Number))
)

/**
 * @since 0.1.0
 * @category models
 */
export type EmbeddingInput = typeof EmbeddingInput.Type

/**
 * The body of `POST /v1/embeddings`. Extra top-level vendor fields are
 * accepted and kept.
 *
 * The schema carries `onExcessProperty: "preserve"` as an annotation:
 * `Schema.decodeUnknown` keeps unknown fields.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CreateEmbeddingRequest = open({
  model: Schema.String,
  input: EmbeddingInput,
  encoding_format: Schema.optional(Schema.Literal("float", "base64")),
  dimensions: Schema.optional(Schema.Number),
  user: Schema.optional(Schema.String)
}).annotations({ identifier: "Embeddings.CreateEmbeddingRequest" })

/**
 * An embeddings request, as a plain object literal.
 *
 * @since 0.1.0
 * @category models
 */
export type CreateEmbeddingRequest = typeof CreateEmbeddingRequest.Encoded

// -----------------------------------------------------------------------------
// response
// -----------------------------------------------------------------------------

/**
 * One embedding: `embedding` is an array of floats, or a base64 string of
 * little-endian float32 values (`encoding_format: "base64"`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Embedding = struct({
  object: nullable(Schema.String),
  index: Schema.optionalWith(Schema.Number, { nullable: true, default: () => 0 }),
  embedding: Schema.Union(Schema.Array(Schema.Number), Schema.String)
}).annotations({ identifier: "Embeddings.Embedding" })

/**
 * @since 0.1.0
 * @category models
 */
export type Embedding = typeof Embedding.Type

/**
 * Token usage of an embeddings call.
 *
 * @since 0.1.0
 * @category schemas
 */
export const EmbeddingUsage = struct({
  prompt_tokens: Schema.Number,
  total_tokens: Schema.Number
}).annotations({ identifier: "Embeddings.EmbeddingUsage" })

/**
 * @since 0.1.0
 * @category models
 */
export type EmbeddingUsage = typeof EmbeddingUsage.Type

/**
 * The response of `POST /v1/embeddings`: `object` (`"list"`), one `data`
 * item per input, `model` and `usage`.
 *
 * The schema carries `onExcessProperty: "preserve"` as an annotation:
 * `Schema.decodeUnknown` keeps unknown fields.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CreateEmbeddingResponse = struct({
  object: nullable(Schema.String),
  data: Schema.Array(Embedding),
  model: Schema.String,
  usage: nullable(EmbeddingUsage)
}).annotations({ identifier: "Embeddings.CreateEmbeddingResponse" })

/**
 * @since 0.1.0
 * @category models
 */
export type CreateEmbeddingResponse = typeof CreateEmbeddingResponse.Type

/**
 * The numbers of an embedding: the array itself, or the base64 string
 * decoded as little-endian float32 values. `None` when the string is not
 * base64 or its byte length is not a multiple of 4.
 *
 * @since 0.1.0
 * @category accessors
 */
export const vectorOf = (embedding: Embedding["embedding"]): Option.Option<ReadonlyArray<number>> => {
  if (typeof embedding !== "string") return Option.some(embedding)
  const bytes = Encoding.decodeBase64(embedding)
  if (Either.isLeft(bytes) || bytes.right.byteLength % 4 !== 0) return Option.none()
  const view = new DataView(bytes.right.buffer, bytes.right.byteOffset, bytes.right.byteLength)
  const vector: Array<number> = []
  for (let offset = 0; offset < view.byteLength; offset += 4) vector.push(view.getFloat32(offset, true))
  return Option.some(vector)
}
