/**
 * What a request must be before it is sent (a call prepared once, for all its attempts), and the transport it
 * is sent with.
 *
 * A request that a transport would refuse (a header it cannot write, a base URL
 * that is not one) is found here, before any attempt; the transport is the
 * caller's `HttpClient` with the platform's own span turned off (it would record
 * the request with its `authorization` header) and redirects never followed.
 *
 * @internal
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpTraceContext from "@effect/platform/HttpTraceContext"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Tracer from "effect/Tracer"
import * as Facts from "../../packages/core/src/callEvidence.js"
import { retryOptionsProblem } from "../../packages/core/src/retryPolicy.js"
// Type-only: the public module owns (and documents) the per-call options.
import type { CallOptions } from "../SkyClient.js"
import type * as SkyError from "../SkyError.js"
import * as SkyRetry from "../SkyRetry.js"
import { optionMillis, type SettableFiber, timeoutOr } from "./deadline.js"
import { fromHttpError, invalidRequest } from "./failure.js"
import { type AttemptLog, makeLog } from "./retry.js"


/** @internal */
export { apiKeyProblem, type BaseUrl, baseUrlOf, headersProblem } from "../../packages/core/src/requestChecks.js"

const noPlatformSpan = (): boolean => true

/** The fetch `RequestInit` of a context with redirects turned off (the caller's other fields kept). */
const noRedirectInit = (context: Context.Context<never>): Context.Context<never> => {
  const init = Context.getOption(context as Context.Context<FetchHttpClient.RequestInit>, FetchHttpClient.RequestInit)
  return Context.add(context, FetchHttpClient.RequestInit, {
    ...(Option.isSome(init) ? init.value : {}),
    redirect: "manual"
  }) as Context.Context<never>
}

/** True when the fiber already sends as `sendingAs` sets it up: no redirects, no platform span. */
const alreadySending = (fiber: { getFiberRef<A>(ref: FiberRef.FiberRef<A>): A }): boolean => {
  if (fiber.getFiberRef(HttpClient.currentTracerDisabledWhen) !== noPlatformSpan) return false
  const init = Context.getOption(
    fiber.getFiberRef(FiberRef.currentContext) as Context.Context<FetchHttpClient.RequestInit>,
    FetchHttpClient.RequestInit
  )
  return Option.isSome(init) && init.value.redirect === "manual"
}

/**
 * `fetch` follows redirects by default; every other transport does not. Made the same: none follows. The
 * platform's span is turned off in the same step (one read of the fiber's context, two `locally`s), unless
 * the call already runs under `sendingAs` (then nothing is set again).
 */
const noRedirectsNoPlatformSpan = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withFiberRuntime((fiber) => {
    if (alreadySending(fiber)) return effect
    return Effect.locally(
      Effect.locally(effect, FiberRef.currentContext, noRedirectInit(fiber.getFiberRef(FiberRef.currentContext))),
      HttpClient.currentTracerDisabledWhen,
      noPlatformSpan
    )
  })


/**
 * Runs a call's attempts as the transport sends them, in one step: the call's span as the parent span (what
 * `Effect.withParentSpan` does), redirects off and the platform's span off (what `transport` would set for
 * every request). Each `Effect.locally` copies the fiber's refs twice and runs an `acquireUseRelease`: three of
 * them per call become one set of two refs, restored when the attempts end.
 */
export const sendingAs = <A, E, R>(effect: Effect.Effect<A, E, R>, span: Tracer.Span): Effect.Effect<A, E, R> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.withFiberRuntime((runtime) => {
      const fiber = runtime as unknown as SettableFiber
      const context = fiber.getFiberRef(FiberRef.currentContext)
      const disabledWhen = fiber.getFiberRef(HttpClient.currentTracerDisabledWhen)
      fiber.setFiberRef(FiberRef.currentContext, Context.add(noRedirectInit(context), Tracer.ParentSpan, span) as Context.Context<never>)
      fiber.setFiberRef(HttpClient.currentTracerDisabledWhen, noPlatformSpan)
      return Effect.ensuring(
        restore(effect),
        Effect.withFiberRuntime<void>((runtime) => {
          const fiber = runtime as unknown as SettableFiber
          fiber.setFiberRef(FiberRef.currentContext, context)
          fiber.setFiberRef(HttpClient.currentTracerDisabledWhen, disabledWhen)
          return Effect.void
        })
      )
    })
  )

/**
 * The client this library sends with: the caller's, with each request tied to the `Scope` of its attempt
 * (`HttpClient.withScope`: closing that scope aborts the request's `AbortSignal`, which is how an attempt's
 * deadline stops it; see `deadline.ts`).
 */
export type Transport = HttpClient.HttpClient.With<HttpClientError.HttpClientError, Scope.Scope>

/**
 * The caller's client as this library sends with it. `@effect/platform` opens a
 * child span per request that records the request itself (its `authorization`
 * header in the span's exit) and the response headers unredacted; that span is
 * turned off, and `execute` propagates our own `SkyClient.*` span (a client
 * span) in its place. Redirects are never followed. Each request's
 * `AbortSignal` is aborted when its attempt's scope closes.
 */
export const transport = (http: HttpClient.HttpClient): Transport =>
  http.pipe(HttpClient.withScope, HttpClient.transform(noRedirectsNoPlatformSpan))

/** @internal */
export interface Settings {
  readonly apiKey: Redacted.Redacted<string>
  readonly baseUrl: string
  readonly timeout: Duration.Duration
  readonly retry: SkyRetry.RetryPolicy
  readonly anthropicVersion: string
  /** The deadline of one attempt's whole stream; none when absent or infinite. */
  readonly streamTimeout?: Duration.Duration | undefined
  /** Plans each request: the URL of each path and the client's own headers are checked once (core `makePlanner`). */
  readonly plan: Facts.Planner
}

/** @internal */
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

/** The header that tells the server which attempt this is (1 for the first). @internal */
export const attemptHeader: string = Facts.attemptHeader

/** A prepared request: what every attempt sends, and the evidence its errors keep. */
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
  /** What every attempt sends; each attempt adds its number (`attemptHeader`). */
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
 * Prepares a call. Everything that would stop the request from being sent (a base URL or path that is not a
 * URL on the base's origin, a header a transport refuses, a body that is not JSON) fails here, before any
 * attempt, as `InvalidRequest`.
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

/** A 2xx status: the body is the answer. */
export const isOk: (status: number) => boolean = Facts.isOk

/**
 * Sends one attempt of `call`, with its number and `span`'s trace context (as the platform's own span would have
 * sent its own, when propagation is on) set in one step; the status goes on `span`.
 */
export const execute = (
  client: Transport,
  call: Call,
  attempt: number,
  span: Tracer.Span
): Effect.Effect<HttpClientResponse.HttpClientResponse, SkyError.SkyError, Scope.Scope> =>
  Effect.withFiberRuntime<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError, Scope.Scope>((fiber) =>
    client.execute(HttpClientRequest.setHeaders(
      call.request,
      fiber.getFiberRef(HttpClient.currentTracerPropagation)
        ? { ...HttpTraceContext.toHeaders(span), [attemptHeader]: String(attempt) }
        : { [attemptHeader]: String(attempt) }
    ))
  ).pipe(
    // A client that fails on a status itself (`HttpClient.filterStatusOk`) was answered: its response is read as
    // any other (classified, its body scrubbed), not a ConnectionError that is retried.
    Effect.catchAll((e) =>
      e._tag === "ResponseError" && e.reason === "StatusCode"
        ? Effect.succeed(e.response)
        : Effect.fail(fromHttpError(e, call, undefined))
    ),
    Effect.map((response) => {
      span.attribute("http.response.status_code", response.status)
      return response
    })
  )
