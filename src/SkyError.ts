/**
 * The SkyEngine error algebra: one tagged error class per code of the gateway's
 * error table (2001-2008, 2101-2106), five client-side classes for what the
 * table does not cover, and the `SkyError` union of all nineteen.
 *
 * Every class is a `Schema.TaggedError`: it is a `Data.TaggedError`-style
 * yieldable error (structural equality, `_tag`, `toJSON`) and at the same time a
 * Schema, so that the `SkyError` union below encodes any error to a plain object
 * and decodes it back to an instance of the same class.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

// ---------------------------------------------------------------------------
// Tags, catalogue, groups
// ---------------------------------------------------------------------------

export {
  /**
   * @since 0.1.0
   * @category catalogue
   */
  catalogue,
  /**
   * @since 0.1.0
   * @category catalogue
   */
  entryOfCode,
  /**
   * @since 0.1.0
   * @category groups
   */
  groups,
  /**
   * @since 0.1.0
   * @category retry
   */
  isRetryableStatus,
  /**
   * @since 0.1.0
   * @category tags
   */
  tags
} from "../packages/core/src/table.js"
export type {
  /**
   * @since 0.1.0
   * @category catalogue
   */
  CatalogueEntry,
  /**
   * @since 0.1.0
   * @category codes
   */
  Code,
  /**
   * @since 0.1.0
   * @category tags
   */
  TableTag,
  /**
   * @since 0.1.0
   * @category tags
   */
  Tag
} from "../packages/core/src/table.js"
import {
  catalogue,
  type CatalogueEntry,
  groups,
  isRetryableFields,
  type TableTag,
  type Tag,
  tags
} from "../packages/core/src/table.js"
import * as Classify from "../packages/core/src/classify.js"
import * as Wire from "../packages/core/src/wire.js"
import * as WireError from "./internal/wireError.js"

const wireErrorOf = WireError.wireErrorOf

// ---------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------

/**
 * One attempt of a retried call, as listed on the error that ends the call.
 *
 * @since 0.1.0
 * @category models
 */
export const Attempt = Schema.Struct({
  /** 1 for the first try. */
  attempt: Schema.Number,
  tag: Schema.String,
  status: Schema.optional(Schema.Number),
  code: Schema.optional(Schema.Union(Schema.Number, Schema.String)),
  requestId: Schema.optional(Schema.String),
  /** How long the client waited after this attempt before the next one. */
  wait: Schema.optional(Schema.DurationFromMillis)
})

/**
 * @since 0.1.0
 * @category models
 */
export interface Attempt extends Schema.Schema.Type<typeof Attempt> {}

const HeadersRecord = Schema.Record({ key: Schema.String, value: Schema.String })

/** Fields every error may carry: what was sent and what came back. */
const evidence = {
  /** The server's request id: body `request_id` / `error.trace_id`, or a request-id header. */
  requestId: Schema.optional(Schema.String),
  /** The body's own error type (`error.type`), when it had one. */
  errorType: Schema.optional(Schema.String),
  /** The wait the server asked for (`retry-after-ms`, `retry-after`). */
  retryAfter: Schema.optional(Schema.DurationFromMillis),
  /** The server's `x-should-retry` verdict, which overrides the default. */
  shouldRetry: Schema.optional(Schema.Boolean),
  /** The response body as text, capped at `SkyWire.bodyLimit` characters. */
  body: Schema.optional(Schema.String),
  /** True when `body` was cut at the cap. */
  bodyTruncated: Schema.optional(Schema.Boolean),
  /**
   * The body's first `SkyWire.bodyLimit` bytes as base64, only when they are not valid UTF-8 and no charset was
   * declared (GBK sent without `charset=`): `body` is then lossy and these bytes are not.
   *
   * @since 0.2.0
   */
  bodyBase64: Schema.optional(Schema.String),
  /** The response headers, lower-cased, secrets redacted. */
  headers: Schema.optional(HeadersRecord),
  /** The request's method. */
  method: Schema.optional(Schema.String),
  /** The request's URL, with secret query parameters redacted. */
  url: Schema.optional(Schema.String),
  /** Every attempt of the call that ended in this error, oldest first. */
  attempts: Schema.optional(Schema.Array(Attempt))
}

const withDefault = <S extends Schema.Schema.Any>(schema: S, make: () => Schema.Schema.Type<S>) =>
  schema.pipe(Schema.propertySignature, Schema.withConstructorDefault(make))

const clientFields = (defaultMessage: string) => ({
  ...evidence,
  status: Schema.optional(Schema.Number),
  message: withDefault(Schema.String, () => defaultMessage)
})

// ---------------------------------------------------------------------------
// The fourteen table classes
// ---------------------------------------------------------------------------

/** The fields of a table class: the evidence, and the code, status and message its catalogue row gives. */
const tableFields = <T extends TableTag>(tag: T) => {
  type Row = typeof catalogue[T]
  const e: CatalogueEntry = catalogue[tag]
  return {
    ...evidence,
    code: withDefault(Schema.Literal(e.code!) as Schema.Literal<[Row["code"]]>, () => e.code as Row["code"]),
    status: withDefault(Schema.Number, () => e.status!),
    message: withDefault(Schema.String, () => e.fixedMessage ?? e.meaning)
  }
}

/**
 * The base of the class of a table row: a `Schema.TaggedError` whose fields and static `meta` come from the
 * row's catalogue entry, so a class states nothing but its name.
 */
const TableError = <Self>() => <T extends TableTag>(tag: T) =>
  Object.assign(Schema.TaggedError<Self>()(tag, tableFields(tag)), {
    /** The table row of this class. */
    meta: catalogue[tag]
  })

/**
 * 2001 (400 BadRequest): a model error the gateway did not classify further.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnclassifiedLlmError extends TableError<UnclassifiedLlmError>()("UnclassifiedLlmError") {}

/**
 * 2002 (424 FailedDependency): the downstream model is unavailable (upstream 5xx).
 *
 * @since 0.1.0
 * @category errors
 */
export class UpstreamUnavailable extends TableError<UpstreamUnavailable>()("UpstreamUnavailable") {}

/**
 * 2003 (424 FailedDependency): the downstream model timed out.
 *
 * @since 0.1.0
 * @category errors
 */
export class UpstreamTimeout extends TableError<UpstreamTimeout>()("UpstreamTimeout") {}

/**
 * 2004 (400 BadRequest): a model parameter is invalid.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidModelParameter extends TableError<InvalidModelParameter>()("InvalidModelParameter") {}

/**
 * 2005 (400 BadRequest): the request parameters could not be parsed.
 *
 * @since 0.1.0
 * @category errors
 */
export class RequestParseFailed extends TableError<RequestParseFailed>()("RequestParseFailed") {}

/**
 * 2006 (424 FailedDependency): the gateway could not parse the model's response.
 *
 * @since 0.1.0
 * @category errors
 */
export class ResponseParseFailed extends TableError<ResponseParseFailed>()("ResponseParseFailed") {}

/**
 * 2007 (429 TooManyRequests): the model's requests-per-minute limit was reached.
 *
 * @since 0.1.0
 * @category errors
 */
export class RpmLimitExceeded extends TableError<RpmLimitExceeded>()("RpmLimitExceeded") {}

/**
 * 2008 (429 TooManyRequests): the model's tokens-per-minute limit was reached.
 *
 * @since 0.1.0
 * @category errors
 */
export class TpmLimitExceeded extends TableError<TpmLimitExceeded>()("TpmLimitExceeded") {}

/**
 * 2101 (401 Unauthorized): the API key is missing or invalid.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidApiKey extends TableError<InvalidApiKey>()("InvalidApiKey") {}

/**
 * 2102 (403 Forbidden): the key may not use the requested model.
 *
 * @since 0.1.0
 * @category errors
 */
export class ModelAccessDenied extends TableError<ModelAccessDenied>()("ModelAccessDenied") {}

/**
 * 2103 (403 Forbidden): the account has an overdue balance.
 *
 * @since 0.1.0
 * @category errors
 */
export class AccountOverdue extends TableError<AccountOverdue>()("AccountOverdue") {}

/**
 * 2104 (400 BadRequest, not 404): the model does not exist.
 *
 * @since 0.1.0
 * @category errors
 */
export class ModelNotFound extends TableError<ModelNotFound>()("ModelNotFound") {}

/**
 * 2105 (500 InternalServerError): internal gateway error.
 *
 * @since 0.1.0
 * @category errors
 */
export class InternalError extends TableError<InternalError>()("InternalError") {}

/**
 * 2106 (499 ClientClosedRequest): the client cancelled the request.
 *
 * @since 0.1.0
 * @category errors
 */
export class ClientClosedRequest extends TableError<ClientClosedRequest>()("ClientClosedRequest") {}

// ---------------------------------------------------------------------------
// The five classes the table does not cover
// ---------------------------------------------------------------------------

/**
 * A non-2xx response whose code is absent, ambiguous (a bare 429 could be 2007
 * or 2008), or not in the table. It keeps the status and whatever code, type
 * and message the body had: the library never guesses a code.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownGatewayError extends Schema.TaggedError<UnknownGatewayError>()("UnknownGatewayError", {
  ...clientFields("the gateway answered with an error this library cannot classify"),
  /** The code the body carried, if any, as it was sent. */
  code: Schema.optional(Schema.Union(Schema.Number, Schema.String))
}) {
  /** The catalogue entry of this class. */
  static readonly meta = catalogue.UnknownGatewayError
}

/**
 * No response at all: the connection was refused or reset, DNS or TLS failed,
 * or the socket dropped before the response was complete.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConnectionError extends Schema.TaggedError<ConnectionError>()("ConnectionError", {
  ...clientFields("could not reach the gateway"),
  /** The transport's own description (`ECONNREFUSED ...`, `socket hang up`, ...). */
  reason: Schema.optional(Schema.String)
}) {
  /** The catalogue entry of this class. */
  static readonly meta = catalogue.ConnectionError
}

/**
 * The client's own deadline passed. A caller's interruption is never reported
 * as this error: interruption stays interruption.
 *
 * @since 0.1.0
 * @category errors
 */
export class RequestTimeout extends Schema.TaggedError<RequestTimeout>()("RequestTimeout", {
  ...clientFields("the request did not complete before the client's deadline"),
  /** The deadline that passed. */
  timeout: Schema.optional(Schema.DurationFromMillis)
}) {
  /** The catalogue entry of this class. */
  static readonly meta = catalogue.RequestTimeout
}

/**
 * A request that was never sent: a header name or value that HTTP cannot carry,
 * a body that cannot be encoded as JSON, a model name that cannot be put in a
 * URL, an invalid base URL, or an absolute path on another origin (the key is
 * never sent elsewhere). No server answered, so it has no status, and sending
 * the same request again cannot help: it is never retried.
 *
 * @since 0.2.0
 * @category errors
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  ...clientFields("the request could not be built, so it was not sent"),
  /** What is wrong with the request. */
  reason: Schema.optional(Schema.String)
}) {
  /** The catalogue entry of this class. */
  static readonly meta = catalogue.InvalidRequest
}

/**
 * A 2xx response, or an event of a stream, whose body could not be decoded.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidResponse extends Schema.TaggedError<InvalidResponse>()("InvalidResponse", {
  ...clientFields("the response could not be decoded"),
  /** What the decoder said was wrong. */
  issue: Schema.optional(Schema.String)
}) {
  /** The catalogue entry of this class. */
  static readonly meta = catalogue.InvalidResponse
}

// ---------------------------------------------------------------------------
// The union
// ---------------------------------------------------------------------------

/**
 * The class of every tag.
 *
 * @since 0.1.0
 * @category constructors
 */
export const classes = {
  UnclassifiedLlmError,
  UpstreamUnavailable,
  UpstreamTimeout,
  InvalidModelParameter,
  RequestParseFailed,
  ResponseParseFailed,
  RpmLimitExceeded,
  TpmLimitExceeded,
  InvalidApiKey,
  ModelAccessDenied,
  AccountOverdue,
  ModelNotFound,
  InternalError,
  ClientClosedRequest,
  UnknownGatewayError,
  ConnectionError,
  RequestTimeout,
  InvalidRequest,
  InvalidResponse
} as const satisfies { readonly [K in Tag]: { readonly _tag: K } }

/**
 * The Schema of the union: `Schema.encodeSync(SkyError)(error)` gives a plain
 * JSON-safe object (durations as milliseconds) and `Schema.decodeUnknown(SkyError)`
 * gives back an instance of the same class, for RPC, queues and logs.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SkyError: Schema.Schema<SkyError, Encoded> = Schema.Union(...tags.map((tag) => classes[tag]))

/**
 * Every error a SkyEngine call can fail with: an instance of one of the nineteen `classes`.
 *
 * @since 0.1.0
 * @category models
 */
export type SkyError = InstanceType<typeof classes[Tag]>

/**
 * The plain-object form of a `SkyError`, as `Schema.encode(SkyError)` gives it.
 *
 * @since 0.1.0
 * @category schemas
 */
export type Encoded = Schema.Schema.Encoded<typeof classes[Tag]>

/**
 * The shared brand, keyed with `Symbol.for` so that two copies of this package
 * in one process recognise each other's errors.
 *
 * @since 0.1.0
 * @category guards
 */
export const TypeId: unique symbol = Symbol.for("effect-skyengine/SkyError") as never

/**
 * @since 0.1.0
 * @category guards
 */
export type TypeId = typeof TypeId

for (const tag of tags) {
  Object.defineProperty(classes[tag].prototype, TypeId, { value: TypeId, enumerable: false })
}

const tagSet: ReadonlySet<string> = new Set(tags)

const hasTagIn = (u: unknown, set: ReadonlySet<string>): boolean =>
  Predicate.hasProperty(u, TypeId) && Predicate.hasProperty(u, "_tag") && typeof u._tag === "string" &&
  set.has(u._tag)

/**
 * True for any `SkyError`, also one made by another copy of this package.
 *
 * @since 0.1.0
 * @category guards
 */
export const isSkyError = (u: unknown): u is SkyError => hasTagIn(u, tagSet)

/** The errors of one group of the table's "type" column: the classes whose tags `groups[G]` lists. */
type Group<G extends keyof typeof groups> = Extract<SkyError, { readonly _tag: typeof groups[G][number] }>

/**
 * The errors of the table's BadRequest rows (2001, 2004, 2005, 2104).
 *
 * @since 0.1.0
 * @category groups
 */
export type BadRequest = Group<"BadRequest">

/**
 * The errors of the table's FailedDependency rows (2002, 2003, 2006).
 *
 * @since 0.1.0
 * @category groups
 */
export type FailedDependency = Group<"FailedDependency">

/**
 * The errors of the table's TooManyRequests rows (2007, 2008).
 *
 * @since 0.1.0
 * @category groups
 */
export type TooManyRequests = Group<"TooManyRequests">

/**
 * The error of the table's Unauthorized row (2101).
 *
 * @since 0.1.0
 * @category groups
 */
export type Unauthorized = Group<"Unauthorized">

/**
 * The errors of the table's Forbidden rows (2102, 2103).
 *
 * @since 0.1.0
 * @category groups
 */
export type Forbidden = Group<"Forbidden">

/**
 * The client-side errors: no response, deadline passed, request not built, undecodable success.
 *
 * @since 0.1.0
 * @category groups
 */
export type ClientFailure = Group<"Client">

/** The guard of a group: true for an error whose tag `groups[group]` lists. */
const isGroup = <G extends keyof typeof groups>(group: G): (u: unknown) => u is Group<G> => {
  const set: ReadonlySet<string> = new Set(groups[group])
  return (u: unknown): u is Group<G> => hasTagIn(u, set)
}

/**
 * Narrows to the BadRequest rows; with `Effect.catchIf` it removes them from E.
 *
 * @since 0.1.0
 * @category groups
 */
export const isBadRequest: (u: unknown) => u is BadRequest = isGroup("BadRequest")

/**
 * Narrows to the FailedDependency rows.
 *
 * @since 0.1.0
 * @category groups
 */
export const isFailedDependency: (u: unknown) => u is FailedDependency = isGroup("FailedDependency")

/**
 * Narrows to the TooManyRequests rows (RPM and TPM limits).
 *
 * @since 0.1.0
 * @category groups
 */
export const isTooManyRequests: (u: unknown) => u is TooManyRequests = isGroup("TooManyRequests")

/**
 * Narrows to the Unauthorized row.
 *
 * @since 0.1.0
 * @category groups
 */
export const isUnauthorized: (u: unknown) => u is Unauthorized = isGroup("Unauthorized")

/**
 * Narrows to the Forbidden rows.
 *
 * @since 0.1.0
 * @category groups
 */
export const isForbidden: (u: unknown) => u is Forbidden = isGroup("Forbidden")

/**
 * Narrows to the client-side failures.
 *
 * @since 0.1.0
 * @category groups
 */
export const isClientFailure: (u: unknown) => u is ClientFailure = isGroup("Client")

/**
 * Whether the error is worth retrying. The server's `x-should-retry` verdict
 * wins either way; otherwise the catalogue decides, and for
 * `UnknownGatewayError` the status does.
 *
 * @since 0.1.0
 * @category retry
 */
export const isRetryable = (error: SkyError): boolean => isRetryableFields(error)

// ---------------------------------------------------------------------------
// Exhaustive handling
// ---------------------------------------------------------------------------

type Tagged = { readonly _tag: string }

/**
 * One handler per tag of E: a required key for every tag, and no other key.
 *
 * @since 0.1.0
 * @category handling
 */
export type Handlers<E extends Tagged, Cases> =
  & { readonly [K in E["_tag"]]: (error: Extract<E, { readonly _tag: K }>) => Effect.Effect<any, any, any> }
  & { readonly [K in Exclude<keyof Cases, E["_tag"]>]: never }

type CaseOutput<Cases, Index extends 0 | 1 | 2> = {
  [K in keyof Cases]: Cases[K] extends (...args: Array<any>) => Effect.Effect<infer A, infer E, infer R>
    ? [A, E, R][Index]
    : never
}[keyof Cases]

/**
 * Handles every error of E, one handler per tag, and leaves E as the union of
 * what the handlers fail with (`never` when none does). A missing handler or a
 * key that is not a tag of E is a compile error, so a tag added to `SkyError`
 * breaks every call site that must learn about it.
 *
 * The same guarantee with plain Effect: `Effect.catchTags({...})` and pin the
 * result, e.g. `const handled: Effect.Effect<A, never> = ...`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { SkyError } from "effect-skyengine"
 *
 * declare const call: Effect.Effect<string, SkyError.SkyError>
 * const safe = call.pipe(SkyError.handleAll({
 *   RpmLimitExceeded: (e) => Effect.succeed(`slow down for ${e.retryAfter}`),
 *   // ... one line per tag, 19 in all
 * }))
 * ```
 *
 * @since 0.1.0
 * @category handling
 */
export const handleAll: <E extends Tagged, Cases extends Handlers<E, Cases>>(
  cases: Cases
) => <A, R>(
  self: Effect.Effect<A, E, R>
) => Effect.Effect<A | CaseOutput<Cases, 0>, CaseOutput<Cases, 1>, R | CaseOutput<Cases, 2>> = (cases) => (self) =>
  Effect.catchAll(self, (error) => (cases as Record<string, (e: unknown) => Effect.Effect<any, any, any>>)[error._tag](error))

// ---------------------------------------------------------------------------
// RFC 9457
// ---------------------------------------------------------------------------

/**
 * An RFC 9457 problem-details object, with the extension members `code`,
 * `tag` and `retry_after` (seconds).
 *
 * @since 0.1.0
 * @category problem details
 */
export interface ProblemDetails extends Wire.ProblemDetails {}

/**
 * The prefix of every problem `type` URI: `urn:skyengine:error:2007` for a
 * table code, `urn:skyengine:error:ConnectionError` for a client-side kind.
 *
 * @since 0.1.0
 * @category problem details
 */
export const problemTypePrefix: "urn:skyengine:error:" = Classify.problemTypePrefix

/**
 * The HTTP status an error is answered with on the wire: its own status, else
 * the table's, else 504 for a deadline and 502 for the rest (a client-side failure,
 * or an unknown gateway error that had no status).
 *
 * @since 0.1.0
 * @category problem details
 */
export const httpStatusOf = (error: SkyError): number => Wire.httpStatusOf(wireErrorOf(error))

/**
 * The error's code as sent: the table code, or whatever an `UnknownGatewayError`'s body carried; absent for the
 * client-side kinds.
 *
 * @since 0.1.0
 * @category accessors
 */
export const codeOf: (error: SkyError) => number | string | undefined = WireError.codeOf

/**
 * Renders an error as RFC 9457 problem details: `type` names the code (or the
 * tag), `title` the table's meaning, `detail` the message, `instance` the
 * request id.
 *
 * @since 0.1.0
 * @category problem details
 */
export const toProblemDetails = (error: SkyError): ProblemDetails => Wire.toProblemDetails(wireErrorOf(error))
