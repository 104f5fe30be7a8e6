/**
 * Every failure of a call as a `SkyError`: a request never sent, a transport failure, a passed deadline, a
 * non-2xx status (its body read with bounds), a body that does not decode, an error sent inside a stream.
 *
 * @internal
 */
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as SkyError from "../SkyError.js"
import * as SkyWire from "../SkyWire.js"
import { fieldLimits } from "../../packages/core/src/limits.js"
import * as Evidence from "../../packages/core/src/evidence.js"
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

/** A transport error's own words, through its chain of causes, with secrets scrubbed. */
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

export interface ResponseContext {
  readonly status: number
  readonly headers: Record<string, string>
  readonly requestId?: string
}

/** The response's evidence, computed once and only when an error needs it (never on the success path). */
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

export const fromHttpError = (
  error: HttpClientError.HttpClientError,
  call: Call,
  ctx: ResponseContext | undefined
): SkyError.SkyError => {
  const secrets = call.secretTexts
  const reason = describe(error.cause ?? error, secrets)
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
  return construct("ConnectionError", {
    ...evidenceOf(call, ctx, "ConnectionError"),
    message: ctx === undefined
      ? `no response from ${originOf(call.safeUrl)}: ${reason}`
      : `the connection dropped while reading the response (HTTP ${ctx.status}): ${reason}`,
    reason
  })
}

const originOf = (url: string): string => {
  try {
    return new URL(url).origin
  } catch {
    return url
  }
}

export const timeoutError = (call: Call, ctx: ResponseContext | undefined, what: string): SkyError.SkyError => {
  // The deadline passed while an error body was read: its status line and headers did arrive.
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

/** A decoder's complaint: a ParseError as its first issue with the path to it, anything else as its message. */
const complaint = (error: { readonly message: string }): { readonly summary: string; readonly full: string } => {
  if (ParseResult.isParseError(error)) {
    const [first] = ParseResult.ArrayFormatter.formatErrorSync(error)
    const path = first === undefined || first.path.length === 0 ? "" : `${first.path.map(String).join(".")}: `
    return { summary: first === undefined ? firstLine(error.message) : `${path}${first.message}`, full: error.message }
  }
  return { summary: firstLine(error.message), full: error.message }
}

export const invalidResponse = (
  call: Call,
  ctx: ResponseContext,
  body: string,
  problem: string | { readonly message: string }
): SkyError.SkyError => {
  const secrets = call.secretTexts
  // Cut before scrubbing: a 20 MB body or complaint is never copied whole into the error.
  const text = Evidence.scrubCut(body, SkyWire.bodyLimit, secrets)
  const { full: issue, summary } = typeof problem === "string" ? { full: problem, summary: firstLine(problem) } : complaint(problem)
  return construct("InvalidResponse", {
    ...evidenceOf(call, ctx, "InvalidResponse"),
    message: `the ${call.endpoint.operation} response could not be decoded: ${Evidence.scrub(summary, secrets)}`,
    issue: Evidence.scrubCut(issue, fieldLimits.issue, secrets),
    body: text.length > SkyWire.bodyLimit ? text.slice(0, SkyWire.bodyLimit) : text,
    ...(body.length > SkyWire.bodyLimit ? { bodyTruncated: true } : {})
  })
}

const firstLine = (text: string): string => {
  // Only the head is looked at: a complaint can quote a whole 20 MB body.
  const line = text.slice(0, 301).split("\n", 1)[0] ?? text
  return line.length > 300 ? `${line.slice(0, 300)}...` : line
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
 * A non-2xx response: its body read with bounds (decoded, at most what the collector keeps and scans; then the
 * socket is released) and handed to the wire decoder. A 3xx is never followed, on any transport: it is reported
 * as the server's answer, with its `Location` redacted, so that the key never goes to another URL.
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
        const error = SkyWire.decodeError(
          { status: response.status, headers, body },
          { method: call.endpoint.method, url: call.safeUrl, secrets: call.secrets, now, attempts: call.log.attempts }
        )
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

/** A stream's overall deadline passed: a `RequestTimeout` that names `streamTimeout` and keeps what arrived. */
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

/**
 * An error sent inside a stream arrives after HTTP 200; when its code names a
 * table row, the row's status is the one that describes it (a 2003 is a 424).
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
 * The statuses the vendors' own error types stand for, for an error without a code that arrives inside a
 * stream after HTTP 200 (an Anthropic `overloaded_error` is what a 529 would have said): with it, the retry
 * policy can judge the error as it would the same error before the stream began.
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
