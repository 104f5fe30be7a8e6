/**
 * The transport a request is sent with: the caller's `HttpClient` with `effect/http`'s own client span turned
 * off (it would record the request's `authorization` header and the response headers unredacted), our own
 * span's trace context propagated in its place, and redirects never followed. What a request must be before it
 * is sent (a base URL that is one, headers a transport can write, a usable key) is checked in core.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { constTrue } from "effect/Function"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpTraceContext from "effect/http/HttpTraceContext"
import * as Tracer from "effect/Tracer"

/** @internal */
export {
  apiKeyProblem,
  type BaseUrl,
  baseUrlOf,
  headersProblem,
  isAbsolute,
  joinUrl,
  originOfUrl
} from "../../../core/src/requestChecks.js"

/**
 * Our own span's context, sent as `effect/http`'s span would have sent its own (when propagation is on): read
 * from the fiber in one step.
 */
const withTraceHeaders = (
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<HttpClientRequest.HttpClientRequest> =>
  Effect.withFiber((fiber) => {
    if (fiber.getRef(Tracer.DisablePropagation) || !fiber.getRef(HttpClient.TracerPropagationEnabled)) {
      return Effect.succeed(request)
    }
    const span = Context.getOrUndefined(fiber.context, Tracer.ParentSpan)
    return Effect.succeed(
      span !== undefined && span._tag === "Span"
        ? HttpClientRequest.setHeaders(request, HttpTraceContext.toHeaders(span))
        : request
    )
  })

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
 * The caller's client as this library sends with it. `effect/http` opens a child span per request that records
 * the request (headers on opt-in, its exit with the request) and the response headers; that span is turned off,
 * and our own `SkyClient.*` span (a client span) is propagated in its place. Redirects are never followed.
 *
 * @internal
 */
export const transport = (http: HttpClient.HttpClient): HttpClient.HttpClient =>
  http.pipe(
    HttpClient.mapRequestEffect(withTraceHeaders),
    HttpClient.transform(noRedirectsNoPlatformSpan)
  )
