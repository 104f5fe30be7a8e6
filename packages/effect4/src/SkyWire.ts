/**
 * The codec between `SkyError` and the bytes on the wire.
 *
 * `decodeError` reads any error response (the gateway envelope, the Anthropic
 * envelope, the OpenAI style, RFC 9457 problem details, HTML, empty) into a
 * `SkyError`; `encodeError` writes a `SkyError` back in any of those shapes, for
 * services that sit in front of SkyEngine or emulate it.
 *
 * @since 2.0.0
 */
import type * as Redacted from "effect/Redacted"
import type * as BoundedBody from "../../core/src/boundedBody.js"
import { construct } from "./internal/construct.js"
import * as Decode from "./internal/decode.js"
import * as Evidence from "../../core/src/evidence.js"
import * as Classify from "../../core/src/classify.js"
import * as Wire from "../../core/src/wire.js"
import * as SkyError from "./SkyError.js"

/**
 * How many characters of a response body an error keeps as evidence (64 KiB);
 * `bodyTruncated` says when a body was cut.
 *
 * @since 2.0.0
 * @category constants
 */
export const bodyLimit: number = Classify.defaultBodyLimit

/**
 * Response headers in any common form: a plain record (string or string-array
 * values, as Node gives them), a `Headers` object, or `[name, value]` pairs.
 *
 * @since 2.0.0
 * @category models
 */
export type HeadersInput = Evidence.HeadersInput

/**
 * The largest `bodyLimit` honoured (16 MiB).
 *
 * @since 2.0.0
 * @category constants
 */
export const maxBodyLimit: number = Classify.maxBodyLimit

/**
 * A body read with a bound: its first bytes kept, the rest scanned for the facts
 * classification needs (see the README, "Bounded reads"). The client produces
 * it; `decodeError` accepts it as `ErrorResponse.body`.
 *
 * @since 2.0.0
 * @category models
 */
export type CollectedBody = BoundedBody.CollectedBody

/**
 * An error response as it came over the wire. `body` may be a string, bytes
 * (`Uint8Array`, `ArrayBuffer`) in any encoding the headers or a BOM declare, a
 * `CollectedBody`, or an already-parsed JSON value. A body over 1 MiB is not
 * parsed: it is scanned (up to 8 MiB) for its code, type, message and request id.
 *
 * @since 2.0.0
 * @category models
 */
export interface ErrorResponse extends Classify.ErrorResponse {}

/**
 * What the decoder may also know about the request.
 *
 * @since 2.0.0
 * @category models
 */
export interface DecodeOptions {
  /** The request's method, kept on the error. */
  readonly method?: string | undefined
  /** The request's URL, kept on the error with key-like query parameters redacted. */
  readonly url?: string | undefined
  /** Secrets (the API key) to scrub from every text the error keeps. */
  readonly secrets?: ReadonlyArray<string | Redacted.Redacted<string>> | undefined
  /** The current time in epoch milliseconds, for `retry-after` given as an HTTP date. Default: `Date.now()`. */
  readonly now?: number | undefined
  /**
   * How many characters of the body to keep. Default: `bodyLimit`. Not a number, `NaN` or negative means the
   * default; a fraction is floored; above `maxBodyLimit` (`Infinity` too) means `maxBodyLimit`.
   */
  readonly bodyLimit?: number | undefined
  /** Earlier attempts of the same call: when given, the error lists them followed by its own attempt. */
  readonly attempts?: ReadonlyArray<SkyError.Attempt> | undefined
}

/**
 * Decodes an error response into a `SkyError`. It never throws and never
 * guesses: it classifies by a table code (number or numeric string, in
 * `error.code`, `code`, `error.details[].code` or a problem `type`), then by the
 * fixed English message of 2101-2106 wherever it sits, then by a status that
 * names exactly one code (401, 499, 500). Anything else is an
 * `UnknownGatewayError` that keeps the status and whatever code, type and message
 * the body had. The request id (body or headers), the server's wait hint and
 * `x-should-retry` are read from every response, also an HTML 502.
 *
 * @since 2.0.0
 * @category decoding
 */
export const decodeError = (response: ErrorResponse, options?: DecodeOptions): SkyError.SkyError => {
  try {
    return Decode.decodeError(response, options)
  } catch (cause) {
    // Reached only through a hostile input (a getter that throws): what can be read is kept, nothing is thrown.
    const { fields, tag } = Classify.unreadableError(response, cause, readSecrets(options))
    return construct(tag, Decode.propsOf(fields))
  }
}

const readSecrets = (options: DecodeOptions | undefined): ReadonlyArray<string> => {
  try {
    return Decode.secretsOf(options?.secrets)
  } catch {
    return []
  }
}

/**
 * The wire shapes `encodeError` writes:
 * - `gateway`: `{"error": {"code", "message", "type", "details", "trace_id"}}` (the OpenAPI envelope)
 * - `anthropic`: `{"type": "error", "request_id", "error": {"type", "message", "code"}}`
 * - `openai`: `{"error": {"code", "message", "param", "type"}}` (the Volcengine Ark style the table copies)
 * - `problem`: RFC 9457 `application/problem+json`
 *
 * @since 2.0.0
 * @category encoding
 */
export type Shape = Wire.Shape

/**
 * Every shape, for iteration.
 *
 * @since 2.0.0
 * @category encoding
 */
export const shapes: ReadonlyArray<Shape> = Wire.shapes

/**
 * An HTTP response ready to send.
 *
 * @since 2.0.0
 * @category encoding
 */
export interface WireResponse extends Wire.WireResponse {}

/**
 * @since 2.0.0
 * @category encoding
 */
export interface EncodeOptions extends Wire.EncodeOptions {}

/**
 * Encodes an error as the gateway would answer it, in the chosen shape, with
 * `x-request-id`, `retry-after` (whole seconds, rounded up), `retry-after-ms` and
 * `x-should-retry` headers where the error has them. Decoding the result gives
 * back the same tag, code, message and request id.
 *
 * @since 2.0.0
 * @category encoding
 */
export const encodeError = (error: SkyError.SkyError, options?: EncodeOptions): WireResponse =>
  Wire.encodeError(Decode.wireErrorOf(error), options)
