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
import * as Evidence from "../../packages/core/src/evidence.js"

/** @internal */
export type BaseUrl =
  | { readonly _tag: "Valid"; readonly origin: string }
  | { readonly _tag: "Invalid"; readonly reason: string }

/** The base URL checked once: an absolute http(s) URL, or why it cannot be used (the key scrubbed from it). */
export const baseUrlOf = (baseUrl: string, secrets: ReadonlyArray<string>): BaseUrl => {
  const shown = Evidence.redactUrl(baseUrl, secrets)
  let parsed: URL
  try {
    parsed = new URL(baseUrl)
  } catch {
    return { _tag: "Invalid", reason: `the base URL ${JSON.stringify(shown)} is not a valid URL` }
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return { _tag: "Invalid", reason: `the base URL ${JSON.stringify(shown)} is not an http or https URL` }
  }
  return { _tag: "Valid", origin: parsed.origin }
}

/** An HTTP token (RFC 9110): what a header name may be. */
const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** A line break or NUL ends a header on the wire; text beyond Latin-1 cannot be written as header bytes. */
const unsendableValue = /[\r\n\0]|[^\u0000-\u00ff]/

/**
 * Why a header cannot be sent, or undefined. Only the header's name is named (a
 * value may hold the key); the caller scrubs the name too.
 */
export const headersProblem = (headers: Readonly<Record<string, string>>): string | undefined => {
  for (const name in headers) {
    const value = headers[name]
    if (!token.test(name)) return `the header name ${JSON.stringify(name)} is not an HTTP token`
    if (typeof value !== "string") return `the header ${name} has a value that is not a string`
    const bad = unsendableValue.exec(value)
    if (bad !== null) {
      return `the value of the header ${name} ${
        bad[0] === "\r" || bad[0] === "\n" ? "holds a line break" : bad[0] === "\0" ? "holds a NUL" : "holds text outside Latin-1"
      }`
    }
  }
  return undefined
}

/** Control characters: C0, DEL and C1. */
const control = /[\u0000-\u001f\u007f-\u009f]/

/**
 * Why an API key is refused when the client is built, or undefined: empty, only
 * whitespace, or holding a control character (a line break would split the
 * header). The reason never shows the key.
 */
export const apiKeyProblem = (key: string): string | undefined => {
  if (key.length === 0) return "the API key is empty"
  if (key.trim().length === 0) return "the API key is only whitespace"
  const bad = control.exec(key)
  if (bad !== null) {
    return `the API key holds a control character (U+${
      bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")
    } at index ${bad.index})`
  }
  return undefined
}

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
