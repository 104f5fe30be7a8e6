/**
 * Writing an error on the wire, as plain data: the HTTP status it is answered with, its RFC 9457 problem details,
 * and the response in each shape the gateway and its look-alikes use. No Effect here: a line turns its error class
 * into a `WireError` (durations as milliseconds) and calls these.
 *
 * @internal
 */
import type { ErrorFields } from "./classify.js"
import { problemTypePrefix } from "./classify.js"
import { compact } from "./json.js"
import { catalogue, type Tag } from "./table.js"

/**
 * An error as the encoder reads it: its tag and its plain fields (`code` as the class carries it: the table code
 * for a table error, the body's for an unknown one, absent for a client-side kind; `retryAfterMillis` may be
 * `Infinity`).
 *
 * @since 1.0.0
 * @category models
 * @internal
 */
export interface WireError {
  readonly tag: Tag
  readonly fields: ErrorFields<unknown>
}

/**
 * An RFC 9457 problem-details object, with the extension members `code`, `tag` and `retry_after` (seconds).
 *
 * @since 1.0.0
 * @category problem details
 * @internal
 */
export interface ProblemDetails {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail: string
  readonly instance?: string
  readonly code?: number | string
  readonly tag: Tag
  readonly retry_after?: number
}

/**
 * The wire shapes `encodeError` writes:
 * - `gateway`: `{"error": {"code", "message", "type", "details", "trace_id"}}` (the OpenAPI envelope)
 * - `anthropic`: `{"type": "error", "request_id", "error": {"type", "message", "code"}}`
 * - `openai`: `{"error": {"code", "message", "param", "type"}}` (the Volcengine Ark style the table copies)
 * - `problem`: RFC 9457 `application/problem+json`
 *
 * @since 1.0.0
 * @category encoding
 * @internal
 */
export type Shape = "gateway" | "anthropic" | "openai" | "problem"

/**
 * Every shape, for iteration.
 *
 * @since 1.0.0
 * @category encoding
 * @internal
 */
export const shapes: ReadonlyArray<Shape> = ["gateway", "anthropic", "openai", "problem"]

/**
 * An HTTP response ready to send.
 *
 * @since 1.0.0
 * @category encoding
 * @internal
 */
export interface WireResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/**
 * @since 1.0.0
 * @category encoding
 * @internal
 */
export interface EncodeOptions {
  /** Default: `gateway`. */
  readonly shape?: Shape | undefined
}

/**
 * The HTTP status an error is answered with on the wire: its own status, else the table's, else 504 for a
 * deadline and 502 for the rest (a client-side failure, or an unknown gateway error that had no status).
 *
 * @since 1.0.0
 * @category problem details
 * @internal
 */
export const httpStatusOf = (error: WireError): number => {
  const own = error.fields.status
  if (own !== undefined && own >= 400 && own <= 599) return own
  const status = catalogue[error.tag].status
  if (status !== undefined) return status
  // Not 500 for an UnknownGatewayError without a status: 500 names 2105, so it would decode as InternalError.
  return error.tag === "RequestTimeout" ? 504 : 502
}

/**
 * The message an error carries: its own, else the table's fixed message or meaning (what a class defaults to).
 *
 * @since 1.0.0
 * @category encoding
 * @internal
 */
export const messageOf = (error: WireError): string => {
  const meta = catalogue[error.tag]
  return error.fields.message ?? meta.fixedMessage ?? meta.meaning
}

/**
 * Renders an error as RFC 9457 problem details: `type` names the code (or the tag), `title` the table's meaning,
 * `detail` the message, `instance` the request id.
 *
 * @since 1.0.0
 * @category problem details
 * @internal
 */
export const toProblemDetails = (error: WireError): ProblemDetails => {
  const meta = catalogue[error.tag]
  const { code, requestId, retryAfterMillis } = error.fields
  return {
    type: problemTypePrefix + (meta.code ?? error.tag),
    title: meta.meaning,
    status: httpStatusOf(error),
    detail: messageOf(error),
    ...(requestId !== undefined ? { instance: requestId } : {}),
    ...(code !== undefined ? { code } : {}),
    tag: error.tag,
    ...(retryAfterMillis !== undefined ? { retry_after: retryAfterMillis / 1000 } : {})
  }
}

const anthropicTypes: Readonly<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error"
}

/** The `type` a body carries: the table's type, the body's own for an unknown error, the tag for a client-side kind. */
const typeOf = (error: WireError): string => {
  const meta = catalogue[error.tag]
  if (meta.code !== undefined) return meta.type
  if (error.tag === "UnknownGatewayError") return error.fields.errorType ?? "Unknown"
  return error.tag
}

/**
 * The tag of a kind the table does not cover, written as `error.tag` so that decoding gives back the same class
 * (an unknown error relayed with status 401 or code 2007 stays unknown); absent for table errors, whose code says it.
 */
const markerOf = (error: WireError): Tag | undefined => catalogue[error.tag].code === undefined ? error.tag : undefined

/**
 * The body of an error in a shape, as a JSON value (`status`: the one it is answered with).
 *
 * @since 1.0.0
 * @category encoding
 * @internal
 */
export const bodyOf = (error: WireError, shape: Shape, status: number = httpStatusOf(error)): unknown => {
  const code = error.fields.code
  const tag = markerOf(error)
  const message = messageOf(error)
  switch (shape) {
    case "gateway":
      return {
        error: compact({
          code,
          message,
          type: typeOf(error),
          tag,
          details: [],
          trace_id: error.fields.requestId
        })
      }
    case "anthropic": {
      // The gateway puts the fixed English message of 2101-2106 in error.type; otherwise Anthropic's own names.
      const meta = catalogue[error.tag]
      const type = meta.fixedMessage ??
        (meta.code !== undefined ? anthropicTypes[status] ?? "api_error" : typeOf(error))
      return compact({
        type: "error",
        request_id: error.fields.requestId,
        error: compact({ type, message, code, tag })
      })
    }
    case "openai":
      return {
        error: compact({ code: code ?? null, message, param: "", type: typeOf(error), tag })
      }
    case "problem":
      return toProblemDetails(error)
  }
}

/**
 * The headers an error is sent with: `content-type`, `x-request-id`, `retry-after` (whole seconds, rounded up) and
 * `retry-after-ms` (for a finite wait), `x-should-retry`, where the error has them.
 *
 * @since 1.0.0
 * @category encoding
 * @internal
 */
export const headersOf = (error: WireError, shape: Shape): Record<string, string> => {
  const { requestId, retryAfterMillis, shouldRetry } = error.fields
  const headers: Record<string, string> = {
    "content-type": shape === "problem" ? "application/problem+json" : "application/json"
  }
  if (requestId !== undefined) headers["x-request-id"] = requestId
  if (retryAfterMillis !== undefined && Number.isFinite(retryAfterMillis)) {
    headers["retry-after"] = String(Math.ceil(retryAfterMillis / 1000))
    headers["retry-after-ms"] = String(retryAfterMillis)
  }
  if (shouldRetry !== undefined) headers["x-should-retry"] = String(shouldRetry)
  return headers
}

/**
 * Encodes an error as the gateway would answer it, in the chosen shape (default `gateway`), with its headers
 * (`headersOf`). Classifying the result gives back the same tag, code, message and request id.
 *
 * @since 1.0.0
 * @category encoding
 * @internal
 */
export const encodeError = (error: WireError, options?: EncodeOptions): WireResponse => {
  const shape = options?.shape ?? "gateway"
  const status = httpStatusOf(error)
  return { status, headers: headersOf(error, shape), body: JSON.stringify(bodyOf(error, shape, status)) }
}
