/**
 * Type-check cost of an exhaustive `SkyError.handleAll` over all 18 tags, each
 * handler written inline (its parameter narrowed by the library's types), the
 * result pinned to `Effect<string, never>`.
 */
import { Duration, Effect } from "effect"
import { SkyError } from "../../src/index.js"

declare const call: Effect.Effect<string, SkyError.SkyError>

export const program: Effect.Effect<string, never> = call.pipe(
  SkyError.handleAll({
    UnclassifiedLlmError: (e) => Effect.succeed(`2001 ${e.message}`),
    UpstreamUnavailable: (e) => Effect.succeed(`2002 ${e.requestId ?? ""}`),
    UpstreamTimeout: (e) => Effect.succeed(`2003 ${e.status}`),
    InvalidModelParameter: (e) => Effect.succeed(`2004 ${e.code}`),
    RequestParseFailed: (e) => Effect.succeed(`2005 ${e.message}`),
    ResponseParseFailed: (e) => Effect.succeed(`2006 ${e.body ?? ""}`),
    RpmLimitExceeded: (e) => Effect.succeed(`2007 ${e.retryAfter === undefined ? "" : Duration.format(e.retryAfter)}`),
    TpmLimitExceeded: (e) => Effect.succeed(`2008 ${e.code}`),
    InvalidApiKey: (e) => Effect.succeed(`2101 ${e.message}`),
    ModelAccessDenied: (e) => Effect.succeed(`2102 ${e.errorType ?? ""}`),
    AccountOverdue: (e) => Effect.succeed(`2103 ${e.code}`),
    ModelNotFound: (e) => Effect.succeed(`2104 ${e.message}`),
    InternalError: (e) => Effect.succeed(`2105 ${e.status}`),
    ClientClosedRequest: (e) => Effect.succeed(`2106 ${e.code}`),
    UnknownGatewayError: (e) => Effect.succeed(`unknown ${e.status ?? 0} ${String(e.code)}`),
    ConnectionError: (e) => Effect.succeed(`connection ${e.reason ?? ""}`),
    RequestTimeout: (e) => Effect.succeed(`timeout ${e.timeout === undefined ? "" : Duration.format(e.timeout)}`),
    InvalidRequest: (e) => Effect.succeed(`not sent ${e.reason ?? ""}`),
    InvalidResponse: (e) => Effect.succeed(`invalid ${e.issue ?? ""}`)
  })
)
