/**
 * What a request must be before it is sent (a call prepared once, for all its attempts; the checks themselves are
 * core's), sending one attempt, and the transport it is sent with: the caller's `HttpClient` with `effect/http`'s
 * own client span turned off (it would record the request and the response headers), our own span's trace
 * context propagated in its place, and redirects never followed.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import { constTrue } from "effect/Function"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as HttpTraceContext from "effect/http/HttpTraceContext"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Tracer from "effect/Tracer"
import * as Facts from "../../../core/src/callEvidence.js"
import { retryOptionsProblem } from "../../../core/src/retryPolicy.js"
import type { CallOptions } from "../SkyClient.js"
import type * as SkyError from "../SkyError.js"
import * as SkyRetry from "../SkyRetry.js"
import { optionMillis, timeoutOr } from "./deadline.js"
import { fromHttpError, invalidRequest } from "./failure.js"
import { type AttemptLog, makeLog } from "./retry.js"

/** @internal */
export { apiKeyProblem, type BaseUrl, baseUrlOf, headersProblem } from "../../../core/src/requestChecks.js"

/**
 * `fetch` follows redirects by default; every other transport does not. Made the same: none follows. The
 * platform's span is turned off in the same step (one update of the fiber's context).
 */
const noRedirectsNoPlatformSpan = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.updateContext(effect, (context: Context.Context<R>) =>
    Context.add(
      Context.add(context, HttpClient.TracerDisabledWhen, constTrue),
      FetchHttpClient.RequestInit,
      { ...Context.getOrUndefined(context, FetchHttpClient.RequestInit), redirect: "manual" }
    ) as Context.Context<R>)

/**
 * The client this library sends with: the caller's, with each request tied to the `Scope` of its attempt
 * (`HttpClient.withScope`: closing that scope aborts the request's `AbortSignal`, which is how an attempt's
 * deadline stops it; see `deadline.ts`).
 *
 * @internal
 */
export type Transport = HttpClient.HttpClient.With<HttpClientError.HttpClientError, Scope.Scope>

/**
 * The caller's client as this library sends with it. `effect/http` opens a child span per request that records
 * the request (headers on opt-in, its exit with the request) and the response headers; that span is turned off,
 * and `execute` propagates our own `SkyClient.*` span (a client span) in its place. Redirects are never followed.
 * Each request's `AbortSignal` is aborted when its attempt's scope closes.
 *
 * @internal
 */
export const transport = (http: HttpClient.HttpClient): Transport =>
  http.pipe(HttpClient.withScope, HttpClient.transform(noRedirectsNoPlatformSpan))

/**
 * The client's settings, resolved once when it is built.
 *
 * @internal
 */
export interface Settings {
  readonly apiKey: Redacted.Redacted<string>
  readonly baseUrl: string
  readonly timeout: Duration.Duration
  readonly retry: SkyRetry.RetryPolicy
  readonly anthropicVersion: string
  /** The deadline of one attempt's whole stream; none when infinite. */
  readonly streamTimeout: Duration.Duration
  /** Plans each request: the URL of each path and the client's own headers are checked once (core `makePlanner`). */
  readonly plan: Facts.Planner
}

/**
 * One operation of the gateway: where it goes and what it sends.
 *
 * @internal
 */
export interface Endpoint {
  readonly operation: string
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"
  readonly path: string
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly model?: string | undefined
  /** Set when the endpoint itself could not be built (a model name that cannot go in a URL): never sent. */
  readonly invalid?: string | undefined
}

/**
 * The header that tells the server which attempt this is (1 for the first).
 *
 * @internal
 */
export const attemptHeader: string = Facts.attemptHeader

/**
 * A prepared request: what every attempt sends, and the evidence its errors keep.
 *
 * @internal
 */
export interface Call {
  readonly endpoint: Endpoint
  readonly url: string
  readonly safeUrl: string
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
  /** The same secrets as text, for scrubbing what an error keeps. */
  readonly secretTexts: ReadonlyArray<string>
  readonly timeout: Duration.Duration
  /** The deadline of a stream attempt's whole stream (infinite for a plain call, or when none is set). */
  readonly streamTimeout: Duration.Duration
  readonly policy: SkyRetry.RetryPolicy
  /** What every attempt sends; `execute` adds the attempt's number. */
  readonly request: HttpClientRequest.HttpClientRequest
  /** The attempts that failed so far: every error of the call is built with it, so none is built twice. */
  readonly log: AttemptLog
  /** A stream's current attempt has emitted an element: its failure is never retried. */
  emitted?: boolean | undefined
}

/**
 * The request planner of a client's settings (core `makePlanner`): the key is opened here to be sent and scrubbed.
 *
 * @internal
 */
export const plannerOf = (
  apiKey: Redacted.Redacted<string>,
  baseUrl: string,
  headers: Readonly<Record<string, string>>
): Facts.Planner => Facts.makePlanner({ apiKey: Redacted.value(apiKey), baseUrl, headers })

/**
 * Prepares a call. Everything that would stop the request from being sent (a base URL or path that is not a URL
 * on the base's origin, a header a transport refuses, a body that is not JSON) fails here, before any attempt,
 * as `InvalidRequest`.
 *
 * @internal
 */
export const prepare = (
  settings: Settings,
  endpoint: Endpoint,
  options: CallOptions | undefined,
  // The stream's deadline, for a stream call (`undefined` otherwise: a plain call has none).
  streamFallback?: Duration.Duration
): Effect.Effect<Call, SkyError.SkyError> =>
  Effect.suspend(() => {
    const secretTexts = [Redacted.value(settings.apiKey)]
    const planned = settings.plan(endpoint, options?.headers)
    if (planned._tag === "Refuse") return invalidRequest(endpoint, planned.url, planned.reason)
    // A call's own timeouts: zero, negative or unreadable is refused, never sent (O(1)).
    const timeout = timeoutOr(options?.timeout, settings.timeout, "timeout")
    if (typeof timeout === "string") return invalidRequest(endpoint, planned.url, timeout)
    const streamTimeout = streamFallback === undefined
      ? Duration.infinity
      : timeoutOr(options?.streamTimeout, streamFallback, "streamTimeout")
    if (typeof streamTimeout === "string") return invalidRequest(endpoint, planned.url, streamTimeout)
    let policy = settings.retry
    if (options?.maxRetries !== undefined || options?.retry !== undefined) {
      // A call's own retry options: one that core's rule refuses fails the call, never sent (checked only when set).
      const problem = retryOptionsProblem(options.maxRetries, options.retry, optionMillis)
      if (problem !== undefined) return invalidRequest(endpoint, planned.url, problem.reason)
      policy = SkyRetry.policy({ ...options.retry, maxRetries: options.maxRetries ?? options.retry?.maxRetries }, settings.retry)
    }
    const base = HttpClientRequest.make(endpoint.method)(planned.url, { headers: planned.headers })
    const withBody = planned.body === undefined ? base : HttpClientRequest.bodyText(base, planned.body, "application/json")
    return Effect.succeed({
      endpoint,
      url: planned.url,
      safeUrl: planned.safeUrl,
      secrets: [settings.apiKey],
      secretTexts,
      timeout,
      streamTimeout,
      policy,
      request: withBody,
      log: makeLog()
    })
  })

/**
 * A 2xx status: the body is the answer.
 *
 * @internal
 */
export const isOk: (status: number) => boolean = Facts.isOk

/**
 * Whether the fiber sends trace context with its requests (`effect/http`'s own setting, and `Tracer`'s).
 */
const propagates = (fiber: Fiber.Fiber<unknown, unknown>): boolean =>
  !fiber.getRef(Tracer.DisablePropagation) && fiber.getRef(HttpClient.TracerPropagationEnabled)

/**
 * Sends one attempt of `call`, with its number and `span`'s trace context (as `effect/http`'s own span would have
 * sent its own, when propagation is on) set in one step; the status goes on `span`.
 *
 * @internal
 */
export const execute = (
  client: Transport,
  call: Call,
  attempt: number,
  span: Tracer.Span
): Effect.Effect<HttpClientResponse.HttpClientResponse, SkyError.SkyError, Scope.Scope> =>
  Effect.withFiber((fiber: Fiber.Fiber<unknown, unknown>) =>
    client.execute(HttpClientRequest.setHeaders(
      call.request,
      propagates(fiber)
        ? { ...HttpTraceContext.toHeaders(span), [attemptHeader]: String(attempt) }
        : { [attemptHeader]: String(attempt) }
    ))
  ).pipe(
    // A client that fails on a status itself (`HttpClient.filterStatusOk`) was answered: its response is read as
    // any other (classified, its body scrubbed), not a ConnectionError that is retried.
    Effect.catch((e) =>
      e.reason._tag === "StatusCodeError"
        ? Effect.succeed(e.reason.response)
        : Effect.fail(fromHttpError(e, call, undefined))
    ),
    Effect.map((response) => {
      span.attribute("http.response.status_code", response.status)
      return response
    })
  )
