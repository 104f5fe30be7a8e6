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
import * as Evidence from "../../../core/src/evidence.js"
import { fieldLimits } from "../../../core/src/limits.js"
import * as SkyError from "../SkyError.js"
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
 * A transport error's own words, through its chain of causes, with secrets scrubbed.
 *
 * @internal
 */
export const describe = (cause: unknown, secrets: ReadonlyArray<string>): string => {
  const parts: Array<string> = []
  let current: unknown = cause
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    if (typeof current === "object") {
      const code = (current as { code?: unknown }).code
      const message = (current as { message?: unknown }).message
      const text = [typeof code === "string" ? code : undefined, typeof message === "string" ? message : undefined]
        .filter((t): t is string => t !== undefined && t.length > 0)
        .join(" ")
      if (text.length > 0 && !parts.includes(text)) parts.push(text)
      current = (current as { cause?: unknown }).cause
    } else {
      parts.push(String(current))
      break
    }
  }
  return Evidence.scrub(parts.length === 0 ? "unknown transport failure" : parts.join(" <- "), secrets)
}

/**
 * What a response's status line and headers say, as an error keeps it.
 *
 * @internal
 */
export interface ResponseContext {
  readonly status: number
  readonly headers: Record<string, string>
  readonly requestId?: string
}

/**
 * The response's evidence, computed once and only when an error needs it (never on the success path).
 *
 * @internal
 */
export const contextOf = (response: HttpClientResponse.HttpClientResponse, call: Call): () => ResponseContext => {
  let ctx: ResponseContext | undefined
  return () => {
    if (ctx === undefined) {
      const raw = Evidence.normalizeHeaders(response.headers)
      const secrets = call.secretTexts
      const id = Evidence.requestIdFromHeaders(raw)
      const requestId = id === undefined ? undefined : Evidence.scrub(id, secrets)
      ctx = {
        status: response.status,
        headers: Evidence.redactHeaders(raw, secrets),
        ...(requestId !== undefined ? { requestId } : {})
      }
    }
    return ctx
  }
}

const evidenceOf = (call: Call, ctx: ResponseContext | undefined, tag: SkyError.Tag) => ({
  method: call.endpoint.method,
  url: call.safeUrl,
  ...(ctx !== undefined ? ctx : {}),
  attempts: [
    ...call.log.attempts,
    {
      attempt: call.log.attempts.length + 1,
      tag,
      ...(ctx !== undefined ? { status: ctx.status } : {}),
      ...(ctx?.requestId !== undefined ? { requestId: ctx.requestId } : {})
    }
  ]
})

const originOf = (url: string): string => {
  try {
    return new URL(url).origin
  } catch {
    return url
  }
}

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
  const reason = describe(error.reason.cause ?? error.reason, secrets)
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
  return construct("ConnectionError", {
    ...evidenceOf(call, ctx, "ConnectionError"),
    message: ctx === undefined
      ? `no response from ${originOf(call.safeUrl)}: ${reason}`
      : `the connection dropped while reading the response (HTTP ${ctx.status}): ${reason}`,
    reason
  })
}

/**
 * An attempt's deadline passed: a `RequestTimeout` that keeps what arrived (the status and headers of an error
 * body still being read, too).
 *
 * @internal
 */
export const timeoutError = (call: Call, ctx: ResponseContext | undefined, what: string): SkyError.SkyError => {
  const pending = call.pendingError
  const errorCtx = ctx === undefined && pending !== undefined && pending.attempt === call.log.attempts.length + 1
    ? pending.ctx()
    : undefined
  return construct("RequestTimeout", {
    ...evidenceOf(call, ctx ?? errorCtx, "RequestTimeout"),
    message: `${errorCtx === undefined ? what : `the error response (HTTP ${errorCtx.status}) was not complete`} within ${
      Duration.format(call.timeout)
    }`,
    timeout: call.timeout
  })
}

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
    message: `${ctx === undefined ? "no response" : "the stream did not end"} within the stream's deadline, ${
      Duration.format(streamTimeout)
    } (streamTimeout)`,
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
    return { summary: first === undefined ? firstLine(error.message) : `${path}${first.message}`, full: error.message }
  }
  return { summary: firstLine(error.message), full: error.message }
}

const firstLine = (text: string): string => {
  // Only the head is looked at: a complaint can quote a whole 20 MB body.
  const line = text.slice(0, 301).split("\n", 1)[0] ?? text
  return line.length > 300 ? `${line.slice(0, 300)}...` : line
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
): SkyError.SkyError => {
  const secrets = call.secretTexts
  // Cut before scrubbing: a 20 MB body or complaint is never copied whole into the error.
  const text = Evidence.scrubCut(body, SkyWire.bodyLimit, secrets)
  const { full: issue, summary } = typeof problem === "string"
    ? { full: problem, summary: firstLine(problem) }
    : complaint(problem)
  return construct("InvalidResponse", {
    ...evidenceOf(call, ctx, "InvalidResponse"),
    message: `the ${call.endpoint.operation} response could not be decoded: ${Evidence.scrub(summary, secrets)}`,
    issue: Evidence.scrubCut(issue, fieldLimits.issue, secrets),
    body: text.length > SkyWire.bodyLimit ? text.slice(0, SkyWire.bodyLimit) : text,
    ...(body.length > SkyWire.bodyLimit ? { bodyTruncated: true } : {})
  })
}

/** The response's headers as evidence may keep them: a `Location` (or `Content-Location`) has its key-like query parameters redacted. */
const headersOf = (response: HttpClientResponse.HttpClientResponse, call: Call): Readonly<Record<string, string>> => {
  const headers = response.headers
  if (headers["location"] === undefined && headers["content-location"] === undefined) return headers
  const out: Record<string, string> = { ...headers }
  for (const name of ["location", "content-location"]) {
    const value = out[name]
    if (value !== undefined) out[name] = Evidence.redactUrl(value, call.secretTexts)
  }
  return out
}

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
    call.pendingError = { attempt: call.log.attempts.length + 1, ctx: contextOf(response, call) }
    return Effect.zipWith(
      collectedBody(response),
      Clock.currentTimeMillis,
      (body, now) => {
        const headers = headersOf(response, call)
        const error = classified(call, response.status, headers, body, now)
        if (response.status < 300 || response.status >= 400) return error
        const location = headers["location"]
        return withFields(error, {
          message: `HTTP ${response.status}: the server redirected the request${
            location === undefined ? "" : ` to ${Evidence.scrub(location, call.secretTexts)}`
          }; redirects are not followed, so that the API key is never sent to another URL`
        })
      }
    ).pipe(Effect.flip)
  })

/**
 * An error sent inside a stream arrives after HTTP 200; when its code names a table row, the row's status is the
 * one that describes it (a 2003 is a 424).
 *
 * @internal
 */
export const inStreamStatus = (error: SkyError.SkyError): SkyError.SkyError => {
  const status = SkyError.catalogue[error._tag].status ??
    (error.errorType === undefined ? undefined : statusOfErrorType[error.errorType])
  if (status === undefined || error.status === status) return error
  // The attempt log's own entry (the last) says the same.
  const attempts = error.attempts?.map((a, i, all) => (i === all.length - 1 ? { ...a, status } : a))
  return withFields(error, attempts === undefined ? { status } : { status, attempts })
}

/**
 * The statuses the vendors' own error types stand for, for an error without a code that arrives inside a stream
 * after HTTP 200 (an Anthropic `overloaded_error` is what a 529 would have said): with it, the retry policy can
 * judge the error as it would the same error before the stream began.
 */
const statusOfErrorType: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  rate_limit_exceeded: 429,
  api_error: 500,
  server_error: 500,
  overloaded_error: 529
}
