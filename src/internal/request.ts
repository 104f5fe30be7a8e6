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
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpTraceContext from "@effect/platform/HttpTraceContext"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Tracer from "effect/Tracer"
import * as Evidence from "../../packages/core/src/evidence.js"
// Type-only: the public module owns (and documents) the per-call options.
import type { CallOptions } from "../SkyClient.js"
import type * as SkyError from "../SkyError.js"
import * as SkyRetry from "../SkyRetry.js"
import { durationOr } from "./deadline.js"
import { describe, fromHttpError, invalidRequest, type ResponseContext } from "./failure.js"
import { type AttemptLog, makeLog } from "./retry.js"

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
        ? HttpClientRequest.setHeaders(request, HttpTraceContext.toHeaders(span.value))
        : request
    )
  })

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

/** The running fiber as Effect's runtime has it (`FiberRuntime`): it sets its own refs in place. */
interface SettableFiber {
  getFiberRef<A>(ref: FiberRef.FiberRef<A>): A
  setFiberRef<A>(ref: FiberRef.FiberRef<A>, value: A): void
}

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

/** @internal */
export interface Settings {
  readonly apiKey: Redacted.Redacted<string>
  readonly baseUrl: string
  readonly timeout: Duration.Duration
  readonly retry: SkyRetry.RetryPolicy
  readonly headers: Readonly<Record<string, string>>
  readonly anthropicVersion: string
  /** The deadline of one attempt's whole stream; none when absent or infinite. */
  readonly streamTimeout?: Duration.Duration | undefined
  /** The base URL's origin, or why the base URL cannot be used (checked once, when the settings are made). */
  readonly base: BaseUrl
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
export const attemptHeader = "x-sky-attempt"

/** A prepared request: what every attempt sends, and the evidence its errors keep. */
export interface Call {
  readonly endpoint: Endpoint
  readonly url: string
  readonly safeUrl: string
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
  /** The same secrets as text, for scrubbing what an error keeps. */
  readonly secretTexts: ReadonlyArray<string>
  readonly timeout: Duration.Duration
  readonly policy: SkyRetry.RetryPolicy
  /** What every attempt sends; each attempt adds its number (`attemptHeader`). */
  readonly request: HttpClientRequest.HttpClientRequest
  /** The attempts that failed so far: every error of the call is built with it, so none is built twice. */
  readonly log: AttemptLog
  /**
   * The status and headers of the attempt whose error body is being read: a deadline that passes while it is
   * read keeps them. Tagged with the attempt's number, so that a later attempt never reports them.
   */
  pendingError?: { readonly attempt: number; readonly ctx: () => ResponseContext } | undefined
}

const isAbsolute = (path: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(path)

const joinUrl = (base: string, path: string): string =>
  isAbsolute(path) ? path : `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`

const originOfUrl = (url: string): string | undefined => {
  try {
    return new URL(url).origin
  } catch {
    return undefined
  }
}

/**
 * Prepares a call. Everything that would stop the request from being sent (a base URL or path that is not a
 * URL on the base's origin, a header a transport refuses, a body that is not JSON) fails here, before any
 * attempt, as `InvalidRequest`.
 */
export const prepare = (
  settings: Settings,
  endpoint: Endpoint,
  options: CallOptions | undefined
): Effect.Effect<Call, SkyError.SkyError> =>
  Effect.suspend(() => {
    const secretTexts = [Redacted.value(settings.apiKey)]
    if (endpoint.invalid !== undefined) return invalidRequest(endpoint, "", Evidence.scrub(endpoint.invalid, secretTexts))
    if (settings.base._tag === "Invalid") {
      return invalidRequest(endpoint, Evidence.redactUrl(settings.baseUrl, secretTexts), settings.base.reason)
    }
    const url = joinUrl(settings.baseUrl, endpoint.path)
    const secrets = [settings.apiKey]
    const safeUrl = Evidence.redactUrl(url, secretTexts)
    // A relative path stays on the base URL; only an absolute one can leave its origin.
    if (isAbsolute(endpoint.path) && originOfUrl(url) !== settings.base.origin) {
      // An absolute URL is accepted only on the base URL's origin: the key is never sent anywhere else.
      return invalidRequest(endpoint, safeUrl, `${safeUrl} is not on the base URL's origin ${settings.base.origin}`)
    }
    let body: string | undefined
    if (endpoint.body !== undefined) {
      try {
        body = JSON.stringify(endpoint.body)
      } catch (cause) {
        return invalidRequest(
          endpoint,
          safeUrl,
          `its body could not be encoded as JSON (${describe(cause, secretTexts)})`
        )
      }
      if (body === undefined) return invalidRequest(endpoint, safeUrl, "its body is not a JSON value")
    }
    const headers: Record<string, string> = {
      accept: "application/json",
      ...settings.headers,
      ...endpoint.headers,
      ...options?.headers,
      authorization: `Bearer ${secretTexts[0]}`
    }
    const headerProblem = headersProblem(headers)
    if (headerProblem !== undefined) return invalidRequest(endpoint, safeUrl, Evidence.scrub(headerProblem, secretTexts))
    const base = HttpClientRequest.make(endpoint.method)(url, { headers })
    const withBody = body === undefined ? base : HttpClientRequest.bodyText(base, body, "application/json")
    const policy = options?.maxRetries === undefined && options?.retry === undefined
      ? settings.retry
      : SkyRetry.policy({ ...options?.retry, maxRetries: options?.maxRetries ?? options?.retry?.maxRetries }, settings.retry)
    return Effect.succeed({
      endpoint,
      url,
      safeUrl,
      secrets,
      secretTexts,
      timeout: durationOr(options?.timeout, settings.timeout),
      policy,
      request: withBody,
      log: makeLog()
    })
  })

/** A 2xx status: the body is the answer. */
export const isOk = (status: number): boolean => status >= 200 && status < 300

/** Sends one attempt; the status goes on `span` when the caller holds it, else on the current span. */
export const execute = (
  client: HttpClient.HttpClient,
  call: Call,
  attempt: number,
  span?: Tracer.Span
): Effect.Effect<HttpClientResponse.HttpClientResponse, SkyError.SkyError> =>
  client.execute(HttpClientRequest.setHeader(call.request, attemptHeader, String(attempt))).pipe(
    Effect.mapError((e) => fromHttpError(e, call, undefined)),
    span === undefined
      ? Effect.tap((response) => Effect.annotateCurrentSpan("http.response.status_code", response.status))
      : Effect.map((response) => {
        span.attribute("http.response.status_code", response.status)
        return response
      })
  )
