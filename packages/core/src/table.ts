/**
 * The gateway's error table as this library sees it: the nineteen tags, each one's row (code, status, type,
 * meaning, fixed message, retryable) and remedy, the groups of the table's "type" column, and the statuses worth
 * retrying. Plain data, no Effect: both lines build their error classes from it.
 *
 * @internal
 */

/**
 * Every tag of the union, table codes first (in code order), then the
 * client-side kinds. This list drives every exhaustive map in the library.
 *
 * @since 0.1.0
 * @category tags
 */
export const tags = [
  "UnclassifiedLlmError",
  "UpstreamUnavailable",
  "UpstreamTimeout",
  "InvalidModelParameter",
  "RequestParseFailed",
  "ResponseParseFailed",
  "RpmLimitExceeded",
  "TpmLimitExceeded",
  "InvalidApiKey",
  "ModelAccessDenied",
  "AccountOverdue",
  "ModelNotFound",
  "InternalError",
  "ClientClosedRequest",
  "UnknownGatewayError",
  "ConnectionError",
  "RequestTimeout",
  "InvalidRequest",
  "InvalidResponse"
] as const

/**
 * The tag of any `SkyError`.
 *
 * @since 0.1.0
 * @category tags
 */
export type Tag = typeof tags[number]

/**
 * The tags that stand for a row of the gateway's error table.
 *
 * @since 0.1.0
 * @category tags
 */
export type TableTag = Exclude<
  Tag,
  "UnknownGatewayError" | "ConnectionError" | "RequestTimeout" | "InvalidRequest" | "InvalidResponse"
>

/**
 * The codes of the gateway's error table.
 *
 * @since 0.1.0
 * @category codes
 */
export type Code = typeof catalogue[TableTag]["code"]

/**
 * What the library knows about one kind of error: its row in the gateway's
 * table (for the fourteen table kinds) and what to do about it.
 *
 * @since 0.1.0
 * @category catalogue
 */
export interface CatalogueEntry {
  readonly tag: Tag
  /** The gateway's code, absent for the client-side kinds. */
  readonly code: number | undefined
  /** The HTTP status the table gives, absent when it varies. */
  readonly status: number | undefined
  /** The table's "type" column (`BadRequest`, ...), or `Client` / `Unknown`. */
  readonly type: string
  /** The table's meaning, in English. */
  readonly meaning: string
  /** The fixed English message of 2101-2106, which the gateway sends verbatim. */
  readonly fixedMessage: string | undefined
  /** Retried by default; `"by status"` for errors whose status decides (408, 409, 424, 429, 5xx). */
  readonly retryable: boolean | "by status"
  /** What the caller can do about it. */
  readonly remedy: string
}

const entry = <const T extends CatalogueEntry>(e: T): T => e

/**
 * The error table as this library sees it, keyed by tag.
 *
 * @since 0.1.0
 * @category catalogue
 */
export const catalogue = {
  UnclassifiedLlmError: entry({
    tag: "UnclassifiedLlmError",
    code: 2001,
    status: 400,
    type: "BadRequest",
    meaning: "A model error the gateway did not classify further",
    fixedMessage: undefined,
    retryable: false,
    remedy: "Read the message: fix the request if it names the problem, otherwise report it with the request id."
  }),
  UpstreamUnavailable: entry({
    tag: "UpstreamUnavailable",
    code: 2002,
    status: 424,
    type: "FailedDependency",
    meaning: "The downstream model is unavailable (it answered 5xx)",
    fixedMessage: undefined,
    retryable: true,
    remedy: "Retried by default; if it persists, switch to another model."
  }),
  UpstreamTimeout: entry({
    tag: "UpstreamTimeout",
    code: 2003,
    status: 424,
    type: "FailedDependency",
    meaning: "The downstream model timed out",
    fixedMessage: undefined,
    retryable: true,
    remedy: "Retried by default; for long answers, stream the response or ask for fewer tokens (a lower max_tokens)."
  }),
  InvalidModelParameter: entry({
    tag: "InvalidModelParameter",
    code: 2004,
    status: 400,
    type: "BadRequest",
    meaning: "A model parameter is invalid",
    fixedMessage: undefined,
    retryable: false,
    remedy: "Fix the parameter the message names (its range, its type, or whether this model supports it)."
  }),
  RequestParseFailed: entry({
    tag: "RequestParseFailed",
    code: 2005,
    status: 400,
    type: "BadRequest",
    meaning: "The request parameters could not be parsed",
    fixedMessage: undefined,
    retryable: false,
    remedy: "Fix the request body: it must be JSON in the shape of the surface you call."
  }),
  ResponseParseFailed: entry({
    tag: "ResponseParseFailed",
    code: 2006,
    status: 424,
    type: "FailedDependency",
    meaning: "The gateway could not parse the downstream model's response",
    fixedMessage: undefined,
    retryable: false,
    remedy: "The model produced output the gateway could not read: retry by hand once, then report the request id."
  }),
  RpmLimitExceeded: entry({
    tag: "RpmLimitExceeded",
    code: 2007,
    status: 429,
    type: "TooManyRequests",
    meaning: "The model's requests-per-minute limit was reached",
    fixedMessage: undefined,
    retryable: true,
    remedy: "Retried by default, after the wait the server asks for (or a backoff); send fewer requests per minute to this model."
  }),
  TpmLimitExceeded: entry({
    tag: "TpmLimitExceeded",
    code: 2008,
    status: 429,
    type: "TooManyRequests",
    meaning: "The model's tokens-per-minute limit was reached",
    fixedMessage: undefined,
    retryable: true,
    remedy: "Retried by default, after the wait the server asks for (or a backoff); send fewer tokens per minute: shorter prompts, a lower max_tokens."
  }),
  InvalidApiKey: entry({
    tag: "InvalidApiKey",
    code: 2101,
    status: 401,
    type: "Unauthorized",
    meaning: "The API key in the request is missing or invalid",
    fixedMessage: "The API key in the request is missing or invalid",
    retryable: false,
    remedy: "Check SKYENGINE_API_KEY: it must be a valid key of this account (ak- followed by 32 letters or digits)."
  }),
  ModelAccessDenied: entry({
    tag: "ModelAccessDenied",
    code: 2102,
    status: 403,
    type: "Forbidden",
    meaning: "The key has no permission for the requested model",
    fixedMessage: "you do not have access to the requested model",
    retryable: false,
    remedy: "Ask for access to this model, or call a model the key may use."
  }),
  AccountOverdue: entry({
    tag: "AccountOverdue",
    code: 2103,
    status: 403,
    type: "Forbidden",
    meaning: "The account has an overdue balance",
    fixedMessage: "your account has an overdue balance",
    retryable: false,
    remedy: "Settle the account's balance; every call fails until then."
  }),
  ModelNotFound: entry({
    tag: "ModelNotFound",
    code: 2104,
    status: 400,
    type: "BadRequest",
    meaning: "The model does not exist",
    fixedMessage: "specified model is not found",
    retryable: false,
    remedy: "Check the model name: it is case-sensitive and must be one the gateway offers."
  }),
  InternalError: entry({
    tag: "InternalError",
    code: 2105,
    status: 500,
    type: "InternalServerError",
    meaning: "Internal gateway error",
    fixedMessage: "internal server error",
    retryable: true,
    remedy: "Retried by default; if it persists, report the request id to the gateway's operator (SkyEngine is a white-labelled build of the TokenOPS.AI gateway, so its support is TokenOPS.AI's)."
  }),
  ClientClosedRequest: entry({
    tag: "ClientClosedRequest",
    code: 2106,
    status: 499,
    type: "ClientClosedRequest",
    meaning: "The client cancelled the request",
    fixedMessage: "client closed request",
    retryable: false,
    remedy: "The request was cancelled on the client side (or by a proxy's timeout): raise the timeout if that was not meant."
  }),
  UnknownGatewayError: entry({
    tag: "UnknownGatewayError",
    code: undefined,
    status: undefined,
    type: "Unknown",
    meaning: "An error response whose code is absent, ambiguous, or not in the table",
    fixedMessage: undefined,
    retryable: "by status",
    remedy: "Read the status, the body and the request id; statuses 408, 409, 424, 429 and 5xx are retried by default."
  }),
  ConnectionError: entry({
    tag: "ConnectionError",
    code: undefined,
    status: undefined,
    type: "Client",
    meaning: "No response: connection refused or reset, DNS or TLS failure",
    fixedMessage: undefined,
    retryable: true,
    remedy: "Retried by default; check the base URL, proxy and network."
  }),
  RequestTimeout: entry({
    tag: "RequestTimeout",
    code: undefined,
    status: undefined,
    type: "Client",
    meaning: "The client's deadline passed before the response was complete",
    fixedMessage: undefined,
    retryable: true,
    remedy: "Retried by default; raise the timeout, or stream long generations."
  }),
  InvalidRequest: entry({
    tag: "InvalidRequest",
    code: undefined,
    status: undefined,
    type: "Client",
    meaning: "The request was never sent: the client could not build it",
    fixedMessage: undefined,
    retryable: false,
    remedy: "Fix what the reason names (a header, the body, the model name, the base URL or the key); sending it again cannot help."
  }),
  InvalidResponse: entry({
    tag: "InvalidResponse",
    code: undefined,
    status: undefined,
    type: "Client",
    meaning: "A successful response or a stream event could not be decoded",
    fixedMessage: undefined,
    retryable: false,
    remedy: "The response did not have the documented shape: report it with the body and request id."
  })
} as const satisfies { readonly [K in Tag]: CatalogueEntry & { readonly tag: K } }

/**
 * The catalogue entry of a table code, or `undefined` for a code the table
 * does not know.
 *
 * @since 0.1.0
 * @category catalogue
 */
export const entryOfCode = (code: number): CatalogueEntry | undefined => codeIndex.get(code)

const codeIndex: ReadonlyMap<number, CatalogueEntry> = new Map(
  tags.flatMap((tag) => {
    const e: CatalogueEntry = catalogue[tag]
    return e.code === undefined ? [] : [[e.code, e] as const]
  })
)

/**
 * The groups of the table's "type" column, by tag.
 *
 * @since 0.1.0
 * @category groups
 */
export const groups = {
  BadRequest: ["UnclassifiedLlmError", "InvalidModelParameter", "RequestParseFailed", "ModelNotFound"],
  FailedDependency: ["UpstreamUnavailable", "UpstreamTimeout", "ResponseParseFailed"],
  TooManyRequests: ["RpmLimitExceeded", "TpmLimitExceeded"],
  Unauthorized: ["InvalidApiKey"],
  Forbidden: ["ModelAccessDenied", "AccountOverdue"],
  Client: ["ConnectionError", "RequestTimeout", "InvalidRequest", "InvalidResponse"]
} as const

/**
 * The statuses after which an `UnknownGatewayError` is retried by default:
 * 408, 409, 424, 429 and every 5xx (529 included).
 *
 * @since 0.1.0
 * @category retry
 */
export const isRetryableStatus = (status: number): boolean =>
  status === 408 || status === 409 || status === 424 || status === 429 || (status >= 500 && status <= 599)

/**
 * Whether an error is worth retrying, from its plain fields: the server's `x-should-retry` verdict wins either way;
 * otherwise the catalogue decides, and for the kinds retried "by status" the status does.
 */
export const isRetryableFields = (fields: {
  readonly _tag: Tag
  readonly status?: number | undefined
  readonly shouldRetry?: boolean | undefined
}): boolean => {
  if (fields.shouldRetry !== undefined) return fields.shouldRetry
  const retryable = catalogue[fields._tag].retryable
  return retryable === "by status" ? fields.status !== undefined && isRetryableStatus(fields.status) : retryable
}
