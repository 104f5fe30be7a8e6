/**
 * effect-skyengine 2.x: the SkyEngine client on Effect 4.
 *
 * @since 2.0.0
 */

/**
 * OpenAI chat completions: request, response and stream-chunk schemas.
 *
 * @since 2.0.0
 */
export * as Chat from "./Chat.js"

/**
 * OpenAI responses: request, response and stream-event schemas.
 *
 * @since 2.0.0
 */
export * as Responses from "./Responses.js"

/**
 * Anthropic messages: request, response and stream-event schemas.
 *
 * @since 2.0.0
 */
export * as Messages from "./Messages.js"

/**
 * Gemini generateContent: request and response schemas.
 *
 * @since 2.0.0
 */
export * as Gemini from "./Gemini.js"

/**
 * OpenAI embeddings: request and response schemas.
 *
 * @since 2.0.0
 */
export * as Embeddings from "./Embeddings.js"

/**
 * The error algebra: one tagged error class per code of the gateway's table, five client-side classes, their union,
 * groups, guards, exhaustive handling and RFC 9457 rendering.
 *
 * @since 2.0.0
 */
export * as SkyError from "./SkyError.js"

/**
 * The retry policy: which errors are retried and how long to wait, following the server's hints.
 *
 * @since 2.0.0
 */
export * as SkyRetry from "./SkyRetry.js"

/**
 * The client: every call an `Effect<A, SkyError>`, every stream a `Stream<A, SkyError>`, the server's retry hints
 * followed, a per-request timeout, and the key in no error, log or span.
 *
 * @since 2.0.0
 */
export * as SkyClient from "./SkyClient.js"

/**
 * The codec between `SkyError` and the bytes on the wire: `decodeError` reads any error response, `encodeError`
 * writes an error in the gateway's shapes.
 *
 * @since 2.0.0
 */
export * as SkyWire from "./SkyWire.js"
