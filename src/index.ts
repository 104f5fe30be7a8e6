/**
 * effect-skyengine: a typed Effect client for the SkyEngine model gateway.
 *
 * @since 0.1.0
 */

/**
 * The error algebra: one class per gateway code, the `SkyError` union, groups,
 * exhaustive handling, Schema serialization and RFC 9457 rendering.
 *
 * @since 0.1.0
 */
export * as SkyError from "./SkyError.js"

/**
 * The wire codec: any error response to a `SkyError`, and back.
 *
 * @since 0.1.0
 */
export * as SkyWire from "./SkyWire.js"

/**
 * The client service: every SkyEngine call as `Effect<A, SkyError>` or
 * `Stream<A, SkyError>`, with retries and timeouts.
 *
 * @since 0.1.0
 */
export * as SkyClient from "./SkyClient.js"

/**
 * The retry policy: server hints first, then exponential backoff with jitter.
 *
 * @since 0.1.0
 */
export * as SkyRetry from "./SkyRetry.js"

/**
 * OpenAI chat completions: request, response and stream-chunk schemas.
 *
 * @since 0.1.0
 */
export * as Chat from "./Chat.js"

/**
 * OpenAI responses: request, response and stream-event schemas.
 *
 * @since 0.1.0
 */
export * as Responses from "./Responses.js"

/**
 * Anthropic messages: request, response and stream-event schemas.
 *
 * @since 0.1.0
 */
export * as Messages from "./Messages.js"

/**
 * Gemini generateContent: request and response schemas.
 *
 * @since 0.1.0
 */
export * as Gemini from "./Gemini.js"

/**
 * OpenAI embeddings: request and response schemas.
 *
 * @since 0.1.0
 */
export * as Embeddings from "./Embeddings.js"
