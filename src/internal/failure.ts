/**
 * Every failure of a call as a `SkyError`: a request never sent, a transport failure, a passed deadline, a
 * non-2xx status (its body read with bounds), a body that does not decode, an error sent inside a stream.
 *
 * @internal
 */
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import type * as SkyError from "../SkyError.js"
import * as SkyWire from "../SkyWire.js"
import * as Facts from "../../packages/core/src/callEvidence.js"
import { isDecodingFailure } from "../../packages/core/src/contentDecoding.js"
import { construct, withFields } from "./construct.js"
import type { Call, Endpoint } from "./request.js"
import { collectedBody } from "./responseBody.js"

/** A request that is never sent: no status, never retried, the reason scrubbed of every secret. */
export const invalidRequest = (
  endpoint: Endpoint,
  url: string,
  reason: string
): Effect.Effect<never, SkyError.SkyError> =>
  Effect.fail(construct("InvalidRequest", {
    message: `request not sent: ${reason}`,
    reason,
    method: endpoint.method,
    ...(url === "" ? {} : { url }),
    attempts: []
  }))


export type ResponseContext = Facts.ResponseContext

/** The response's evidence, computed once and only when an error needs it (never on the success path). */
export const contextOf = (response: HttpClientResponse.HttpClientResponse, call: Call): () => ResponseContext => {
  let ctx: ResponseContext | undefined
  return () => (ctx ??= Facts.responseContext(response.status, response.headers, call.secretTexts))
}

const evidenceOf = (call: Call, ctx: ResponseContext | undefined, tag: SkyError.Tag) =>
  Facts.attemptEvidence(call.endpoint.method, call.safeUrl, call.log.attempts, ctx, tag)

export const fromHttpError = (
  error: HttpClientError.HttpClientError,
  call: Call,
  ctx: ResponseContext | undefined
): SkyError.SkyError => {
  const secrets = call.secretTexts
  const reason = Facts.describeCause(error.cause ?? error, secrets)
  // Checked before sending (prepare); a transport that refuses a request anyway says it was never sent.
  if (error._tag === "RequestError" && (error.reason === "Encode" || error.reason === "InvalidUrl")) {
    const what = error.reason === "Encode" ? "its body could not be encoded" : `invalid URL ${call.safeUrl}`
    return construct("InvalidRequest", {
      message: `request not sent: ${what} (${reason})`,
      reason: `${what} (${reason})`,
      method: call.endpoint.method,
      url: call.safeUrl,
      attempts: []
    })
  }
  // A 2xx body that arrived but cannot be undone from its content-encoding is an invalid answer, on every transport.
  if (ctx !== undefined && Facts.isOk(ctx.status) && isDecodingFailure(error)) {
    return invalidResponse(call, ctx, "", `the body could not be decoded from its content-encoding (${reason})`)
  }
  return construct("ConnectionError", {
    ...evidenceOf(call, ctx, "ConnectionError"),
    message: Facts.connectionMessage(call.safeUrl, ctx?.status, reason),
    reason
  })
}

export const timeoutError = (call: Call, ctx: ResponseContext | undefined, what: string): SkyError.SkyError =>
  construct("RequestTimeout", {
    ...evidenceOf(call, ctx, "RequestTimeout"),
    // An error answer still being read names its status.
    message: Facts.timeoutMessage(
      what,
      ctx !== undefined && !Facts.isOk(ctx.status) ? ctx.status : undefined,
      Duration.format(call.timeout)
    ),
    timeout: call.timeout
  })

/**
 * The deadline of an attempt's answer passed: before its headers, or while its body was read (`received`, set when
 * the headers are in, keeps them).
 *
 * @internal
 */
export const answerTimeoutError = (call: Call, received: (() => ResponseContext) | undefined): SkyError.SkyError =>
  received === undefined
    ? timeoutError(call, undefined, "no response")
    : timeoutError(call, received(), "the response was not complete")

/** A decoder's complaint: a ParseError as its first issue with the path to it, anything else as its message. */
const complaint = (error: { readonly message: string }): { readonly summary: string; readonly full: string } => {
  if (ParseResult.isParseError(error)) {
    const [first] = ParseResult.ArrayFormatter.formatErrorSync(error)
    const path = first === undefined || first.path.length === 0 ? "" : `${first.path.map(String).join(".")}: `
    return { summary: first === undefined ? Facts.firstLine(error.message) : `${path}${first.message}`, full: error.message }
  }
  return { summary: Facts.firstLine(error.message), full: error.message }
}

export const invalidResponse = (
  call: Call,
  ctx: ResponseContext,
  body: string,
  problem: string | { readonly message: string }
): SkyError.SkyError =>
  construct("InvalidResponse", {
    ...evidenceOf(call, ctx, "InvalidResponse"),
    ...Facts.invalidResponseTexts(
      call.endpoint.operation,
      body,
      typeof problem === "string" ? { full: problem, summary: Facts.firstLine(problem) } : complaint(problem),
      call.secretTexts,
      SkyWire.bodyLimit
    )
  })

/**
 * A non-2xx response: its body read with bounds (decoded, at most what the collector keeps and scans; then the
 * socket is released) and handed to the wire decoder. A 3xx is never followed, on any transport: it is reported
 * as the server's answer, with its `Location` redacted, so that the key never goes to another URL.
 */
export const statusError = (
  response: HttpClientResponse.HttpClientResponse,
  call: Call
): Effect.Effect<never, SkyError.SkyError> =>
  Effect.suspend(() => {
    const headers = response.headers
    return Effect.flatMap(collectedBody(response, headers), (body) =>
      Effect.clockWith((clock) => {
        const redacted = Facts.redactLocations(headers, call.secretTexts)
        const error = SkyWire.decodeError(
          { status: response.status, headers: redacted, body },
          {
            method: call.endpoint.method,
            url: call.safeUrl,
            secrets: call.secrets,
            now: clock.unsafeCurrentTimeMillis(),
            attempts: call.log.attempts
          }
        )
        return Effect.fail(
          Facts.isRedirect(response.status)
            ? withFields(error, { message: Facts.redirectMessage(response.status, redacted["location"], call.secretTexts) })
            : error
        )
      }))
  })

/** A stream's overall deadline passed: a `RequestTimeout` that names `streamTimeout` and keeps what arrived. */
export const streamTimeoutError = (
  call: Call,
  ctx: ResponseContext | undefined,
  streamTimeout: Duration.Duration
): SkyError.SkyError =>
  construct("RequestTimeout", {
    ...evidenceOf(call, ctx, "RequestTimeout"),
    message: Facts.streamTimeoutMessage(ctx !== undefined, Duration.format(streamTimeout)),
    timeout: streamTimeout
  })

/**
 * An error sent inside a stream arrives after HTTP 200; when its code names a
 * table row, the row's status is the one that describes it (a 2003 is a 424).
 */
export const inStreamStatus = (error: SkyError.SkyError): SkyError.SkyError => {
  const status = Facts.inStreamStatusOf(error._tag, error.errorType)
  if (status === undefined || error.status === status) return error
  // The attempt log's own entry (the last) says the same.
  const attempts = error.attempts?.map((a, i, all) => (i === all.length - 1 ? { ...a, status } : a))
  return withFields(error, attempts === undefined ? { status } : { status, attempts })
}
