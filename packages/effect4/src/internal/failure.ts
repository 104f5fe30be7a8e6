/**
 * Every failure of a call as a `SkyError`: a request never sent, a transport failure, a passed deadline, a
 * non-2xx status (its body read with bounds), a body that does not decode, an error sent inside a stream.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import * as Facts from "../../../core/src/callEvidence.js"
import { isDecodingFailure } from "../../../core/src/contentDecoding.js"
import type * as SkyError from "../SkyError.js"
import * as SkyWire from "../SkyWire.js"
import { construct, withFields } from "./construct.js"
import type { Call, Endpoint } from "./request.js"
import { collectedBody } from "./responseBody.js"

/**
 * A request that is never sent: no status, never retried, the reason scrubbed of every secret.
 *
 * @internal
 */
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

/**
 * What a response's status line and headers say, as an error keeps it.
 *
 * @internal
 */
export type ResponseContext = Facts.ResponseContext

/**
 * The response's evidence, computed once and only when an error needs it (never on the success path).
 *
 * @internal
 */
export const contextOf = (response: HttpClientResponse.HttpClientResponse, call: Call): () => ResponseContext => {
  let ctx: ResponseContext | undefined
  return () => (ctx ??= Facts.responseContext(response.status, response.headers, call.secretTexts))
}

const evidenceOf = (call: Call, ctx: ResponseContext | undefined, tag: SkyError.Tag) =>
  Facts.attemptEvidence(call.endpoint.method, call.safeUrl, call.log.attempts, ctx, tag)

/**
 * A failure of `effect/http` as a `SkyError`: a request the transport refused to build was never sent
 * (`InvalidRequest`); anything else is a `ConnectionError`, before or after the headers.
 *
 * @internal
 */
export const fromHttpError = (
  error: HttpClientError.HttpClientError,
  call: Call,
  ctx: ResponseContext | undefined
): SkyError.SkyError => {
  const secrets = call.secretTexts
  const reason = Facts.describeCause(error.reason.cause ?? error.reason, secrets)
  // Checked before sending (prepare); a transport that refuses a request anyway says it was never sent.
  if (error.reason._tag === "EncodeError" || error.reason._tag === "InvalidUrlError") {
    const what = error.reason._tag === "EncodeError" ? "its body could not be encoded" : `invalid URL ${call.safeUrl}`
    return construct("InvalidRequest", {
      message: `request not sent: ${what} (${reason})`,
      reason: `${what} (${reason})`,
      method: call.endpoint.method,
      url: call.safeUrl,
      attempts: []
    })
  }
  // A 2xx body that arrived but cannot be undone from its content-encoding is an invalid answer, on every transport.
  if (ctx !== undefined && Facts.isOk(ctx.status) && isDecodingFailure(error.reason)) {
    return invalidResponse(call, ctx, "", `the body could not be decoded from its content-encoding (${reason})`)
  }
  return construct("ConnectionError", {
    ...evidenceOf(call, ctx, "ConnectionError"),
    message: Facts.connectionMessage(call.safeUrl, ctx?.status, reason),
    reason
  })
}

/**
 * An attempt's deadline passed: a `RequestTimeout` that keeps what arrived (the status and headers of an error
 * body still being read, too).
 *
 * @internal
 */
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

/**
 * A stream's overall deadline passed: a `RequestTimeout` that names `streamTimeout` and keeps what arrived.
 *
 * @internal
 */
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

const standard = SchemaIssue.makeFormatterStandardSchemaV1()

/** A decoder's complaint: a SchemaError as its first issue with the path to it, anything else as its message. */
const complaint = (error: { readonly message: string }): { readonly summary: string; readonly full: string } => {
  if (Schema.isSchemaError(error)) {
    const [first] = standard(error.issue).issues
    const path = first === undefined || first.path === undefined || first.path.length === 0
      ? ""
      : `${first.path.map((p) => String(typeof p === "object" ? p.key : p)).join(".")}: `
    return { summary: first === undefined ? Facts.firstLine(error.message) : `${path}${first.message}`, full: error.message }
  }
  return { summary: Facts.firstLine(error.message), full: error.message }
}

/**
 * A body that does not decode: an `InvalidResponse` that keeps the body (cut) and the decoder's complaint.
 *
 * @internal
 */
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
 * An error body classified: the wire decoder's `SkyError` for it, with the call's evidence.
 *
 * @internal
 */
export const classified = (
  call: Call,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: unknown,
  now: number
): SkyError.SkyError =>
  SkyWire.decodeError(
    { status, headers, body },
    { method: call.endpoint.method, url: call.safeUrl, secrets: call.secretTexts, now, attempts: call.log.attempts }
  )

/**
 * A non-2xx response: its body read with bounds (decoded, at most what the collector keeps and scans; then the
 * socket is released) and classified. A 3xx is never followed, on any transport: it is reported as the server's
 * answer, with its `Location` redacted, so that the key never goes to another URL.
 *
 * @internal
 */
export const statusError = (
  response: HttpClientResponse.HttpClientResponse,
  call: Call
): Effect.Effect<never, SkyError.SkyError> =>
  Effect.suspend(() => {
    const received = response.headers
    return Effect.flatMap(collectedBody(response, received), (body) =>
      Clock.clockWith((clock) => {
        const headers = Facts.redactLocations(received, call.secretTexts)
        const error = classified(call, response.status, headers, body, clock.currentTimeMillisUnsafe())
        return Effect.fail(
          Facts.isRedirect(response.status)
            ? withFields(error, { message: Facts.redirectMessage(response.status, headers["location"], call.secretTexts) })
            : error
        )
      }))
  })

/**
 * An error sent inside a stream arrives after HTTP 200; when its code names a table row, the row's status is the
 * one that describes it (a 2003 is a 424).
 *
 * @internal
 */
export const inStreamStatus = (error: SkyError.SkyError): SkyError.SkyError => {
  const status = Facts.inStreamStatusOf(error._tag, error.errorType)
  if (status === undefined || error.status === status) return error
  // The attempt log's own entry (the last) says the same.
  const attempts = error.attempts?.map((a, i, all) => (i === all.length - 1 ? { ...a, status } : a))
  return withFields(error, attempts === undefined ? { status } : { status, attempts })
}
