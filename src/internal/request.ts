/**
 * What a request must be before it is sent, and the transport it is sent with.
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
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientRequestOps from "@effect/platform/HttpClientRequest"
import * as HttpTraceContext from "@effect/platform/HttpTraceContext"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"

/** @internal */
export { apiKeyProblem, type BaseUrl, baseUrlOf, headersProblem } from "../../packages/core/src/requestChecks.js"

const noPlatformSpan = (): boolean => true

/**
 * Our own span's context, sent as the platform's span would have sent its own (when propagation is on). Read
 * from the fiber in one step: `FiberRef.get` + `Effect.option(Effect.currentSpan)` took five per attempt.
 */
const withTraceHeaders = (
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<HttpClientRequest.HttpClientRequest> =>
  Effect.withFiberRuntime((fiber) => {
    if (!fiber.getFiberRef(HttpClient.currentTracerPropagation)) return Effect.succeed(request)
    const span = Context.getOption(fiber.getFiberRef(FiberRef.currentContext), Tracer.ParentSpan)
    return Effect.succeed(
      Option.isSome(span) && span.value._tag === "Span"
        ? HttpClientRequestOps.setHeaders(request, HttpTraceContext.toHeaders(span.value))
        : request
    )
  })

/**
 * `fetch` follows redirects by default; every other transport does not. Made the same: none follows. The
 * platform's span is turned off in the same step (one read of the fiber's context, two `locally`s).
 */
const noRedirectsNoPlatformSpan = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withFiberRuntime((fiber) => {
    const context = fiber.getFiberRef(FiberRef.currentContext)
    const init = Context.getOption(context as Context.Context<FetchHttpClient.RequestInit>, FetchHttpClient.RequestInit)
    const withInit = Context.add(context, FetchHttpClient.RequestInit, {
      ...(Option.isSome(init) ? init.value : {}),
      redirect: "manual"
    })
    return Effect.locally(
      Effect.locally(effect, FiberRef.currentContext, withInit),
      HttpClient.currentTracerDisabledWhen,
      noPlatformSpan
    )
  })

/**
 * The caller's client as this library sends with it. `@effect/platform` opens a
 * child span per request that records the request itself (its `authorization`
 * header in the span's exit) and the response headers unredacted; that span is
 * turned off, and our own `SkyClient.*` span (a client span) is propagated in
 * its place. Redirects are never followed.
 */
export const transport = (http: HttpClient.HttpClient): HttpClient.HttpClient =>
  http.pipe(
    HttpClient.mapRequestEffect(withTraceHeaders),
    HttpClient.transform(noRedirectsNoPlatformSpan)
  )
