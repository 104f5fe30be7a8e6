/**
 * The HTTP core of `SkyClient`: one request, its timeout, its retries, and the
 * mapping of every transport, status and decoding failure into `SkyError`.
 *
 * @internal
 */
import type * as Sse from "../../packages/core/src/sse.js"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type * as Tracer from "effect/Tracer"
import type { CallOptions as SkyClientCallOptions } from "../SkyClient.js"
import * as SkyError from "../SkyError.js"
import * as SkyRetry from "../SkyRetry.js"
import * as SkyWire from "../SkyWire.js"
import { fieldLimits } from "../../packages/core/src/limits.js"
import { construct, withFields } from "./construct.js"
import * as Evidence from "../../packages/core/src/evidence.js"
import { hasErrorField, parseJson } from "../../packages/core/src/json.js"
import * as Request from "./request.js"
import { collectedBody, decodedStream, decodedText, textOf } from "./responseBody.js"
import { makeEventDecoder } from "../../packages/core/src/sse.js"

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
  readonly base: Request.BaseUrl
}

// Type-only: the public module owns (and documents) the per-call options.
type CallOptions = SkyClientCallOptions

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

/** The header that tells the server which attempt this is (1 for the first). */
export const attemptHeader = "x-sky-attempt"

interface Call {
  readonly endpoint: Endpoint
  readonly url: string
  readonly safeUrl: string
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
  /** The same secrets as text, for scrubbing what an error keeps. */
  readonly secretTexts: ReadonlyArray<string>
  readonly timeout: Duration.Duration
  readonly policy: SkyRetry.RetryPolicy
  readonly request: (attempt: number) => HttpClientRequest.HttpClientRequest
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

/** A request that is never sent: no status, never retried, the reason scrubbed of every secret. */
const invalidRequest = (
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

/**
 * Prepares a call. Everything that would stop the request from being sent (a base URL or path that is not a
 * URL on the base's origin, a header a transport refuses, a body that is not JSON) fails here, before any
 * attempt, as `InvalidRequest`.
 */
const prepare = (
  settings: Settings,
  endpoint: Endpoint,
  options: CallOptions | undefined
): Effect.Effect<Call, SkyError.SkyError> =>
  Effect.suspend(() => {
    const secretTexts = [Redacted.value(settings.apiKey)]
    const scrubbed = (text: string) => Evidence.scrub(text, secretTexts)
    if (endpoint.invalid !== undefined) return invalidRequest(endpoint, "", scrubbed(endpoint.invalid))
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
    const headerProblem = Request.headersProblem(headers)
    if (headerProblem !== undefined) return invalidRequest(endpoint, safeUrl, scrubbed(headerProblem))
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
      timeout: SkyRetry.durationOr(options?.timeout, settings.timeout),
      policy,
      request: (attempt) => HttpClientRequest.setHeader(withBody, attemptHeader, String(attempt)),
      log: makeLog()
    })
  })

/** A transport error's own words, through its chain of causes, with secrets scrubbed. */
const describe = (cause: unknown, secrets: ReadonlyArray<string>): string => {
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

interface ResponseContext {
  readonly status: number
  readonly headers: Record<string, string>
  readonly requestId?: string
}

/** The response's evidence, computed once and only when an error needs it (never on the success path). */
const contextOf = (response: HttpClientResponse.HttpClientResponse, call: Call): () => ResponseContext => {
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

const fromHttpError = (
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

const timeoutError = (call: Call, ctx: ResponseContext | undefined, what: string): SkyError.SkyError => {
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

const invalidResponse = (
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
const statusError = (
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

/**
 * `Effect.timeoutFail` without its cost on the live clock: the work runs in one
 * forked fiber whose exit is taken as it is (no race of two fibers, no merge of
 * fiber refs), and the deadline is a timer of the clock's own scheduler (one
 * fiber forked per attempt instead of two). A caller's interruption interrupts
 * the work and stays an interruption; a passed deadline interrupts the work and
 * waits for it to stop before failing, as `Effect.timeoutFail` does. A clock
 * without a scheduler (the TestClock has none) gets `Effect.timeoutFail` itself,
 * so tests drive deadlines with virtual time.
 *
 * @internal
 */
export const deadline = <A>(
  self: Effect.Effect<A, SkyError.SkyError>,
  duration: Duration.Duration,
  onTimeout: () => SkyError.SkyError
): Effect.Effect<A, SkyError.SkyError> =>
  Effect.clockWith((clock) => {
    const scheduler = (clock as Partial<SchedulingClock>).scheduler
    if (typeof scheduler !== "function" || !Duration.isFinite(duration)) {
      return Effect.timeoutFail(self, { duration, onTimeout })
    }
    return Effect.flatMap(scheduler.call(clock), (timers) => withTimer(self, timers, duration, onTimeout))
  })

/** The live clock's `scheduler()`, which `Clock.Clock` does not declare. */
interface SchedulingClock {
  scheduler(): Effect.Effect<Clock.ClockScheduler>
}

const withTimer = <A>(
  self: Effect.Effect<A, SkyError.SkyError>,
  timers: Clock.ClockScheduler,
  duration: Duration.Duration,
  onTimeout: () => SkyError.SkyError
): Effect.Effect<A, SkyError.SkyError> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(Effect.fork(restore(self)), (fiber) =>
      Effect.onInterrupt(
        restore(Effect.async<A, SkyError.SkyError>((resume) => {
          let settled = false
          const cancel = timers.unsafeSchedule(() => {
            if (settled) return
            settled = true
            resume(Effect.zipRight(Fiber.interrupt(fiber), Effect.fail(onTimeout())))
          }, duration)
          fiber.addObserver((exit) => {
            if (settled) return
            settled = true
            cancel()
            resume(exit)
          })
          return Effect.sync(() => {
            settled = true
            cancel()
          })
        })),
        () => Fiber.interrupt(fiber)
      )))

const isOk = (status: number): boolean => status >= 200 && status < 300

/** Sends one attempt; the status goes on `span` when the caller holds it, else on the current span. */
const execute = (
  client: HttpClient.HttpClient,
  call: Call,
  attempt: number,
  span?: Tracer.Span
): Effect.Effect<HttpClientResponse.HttpClientResponse, SkyError.SkyError> =>
  client.execute(call.request(attempt)).pipe(
    Effect.mapError((e) => fromHttpError(e, call, undefined)),
    span === undefined
      ? Effect.tap((response) => Effect.annotateCurrentSpan("http.response.status_code", response.status))
      : Effect.map((response) => {
        span.attribute("http.response.status_code", response.status)
        return response
      })
  )

// ---------------------------------------------------------------------------
// Retries and the attempt log
// ---------------------------------------------------------------------------

/** Every failed attempt of a call and the wait after it. */
interface AttemptLog {
  readonly attempts: ReadonlyArray<SkyError.Attempt>
  readonly failed: (error: SkyError.SkyError) => void
  readonly waited: (wait: Option.Option<Duration.Duration>) => void
}

const makeLog = (): AttemptLog => {
  let attempts: ReadonlyArray<SkyError.Attempt> = []
  return {
    get attempts() {
      return attempts
    },
    // An error of an attempt lists the attempts so far, its own last: that list is the log from now on.
    failed: (error) => {
      if (error.attempts !== undefined && error.attempts.length > attempts.length) attempts = error.attempts
    },
    waited: (wait) => {
      const last = attempts[attempts.length - 1]
      if (last !== undefined && Option.isSome(wait)) attempts = [...attempts.slice(0, -1), { ...last, wait: wait.value }]
    }
  }
}

/**
 * An error sent inside a stream arrives after HTTP 200; when its code names a
 * table row, the row's status is the one that describes it (a 2003 is a 424).
 */
const inStreamStatus = (error: SkyError.SkyError): SkyError.SkyError => {
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

/** The attributes a failed call's span gets. */
const failureAttributes = (error: SkyError.SkyError, attempts: number): Record<string, unknown> => {
  const code = SkyError.codeOf(error)
  return {
    "sky.attempts": attempts,
    "sky.error.tag": error._tag,
    ...(code !== undefined ? { "sky.error.code": code } : {}),
    ...(error.requestId !== undefined ? { "sky.request_id": error.requestId } : {}),
    ...(error.status !== undefined ? { "http.response.status_code": error.status } : {})
  }
}

const annotateFailure = (error: SkyError.SkyError, attempts: number): Effect.Effect<void> =>
  Effect.annotateCurrentSpan(failureAttributes(error, attempts))

const spanOptions = (call: Call) => ({
  kind: "client" as const,
  // The name and attributes say where the span is; capturing a stack per call costs ~10 µs.
  captureStackTrace: false,
  attributes: {
    "sky.operation": call.endpoint.operation,
    "http.request.method": call.endpoint.method,
    // Both come from the caller and may hold the key (a path segment, a pasted model name): scrubbed like every
    // other text the call reports (a text shorter than the key is returned at once).
    "url.path": Evidence.scrub(call.endpoint.path.split("?")[0]!, call.secretTexts),
    ...(call.endpoint.model !== undefined
      ? { "gen_ai.request.model": Evidence.scrub(call.endpoint.model, call.secretTexts) }
      : {})
  }
})

// ---------------------------------------------------------------------------
// JSON calls
// ---------------------------------------------------------------------------

/** One JSON call with timeout and retries: `Effect<A, SkyError>`. */
export const callJson = <A>(
  client: HttpClient.HttpClient,
  settings: Settings,
  endpoint: Endpoint,
  decode: (u: unknown) => Effect.Effect<A, { readonly message: string }>,
  options: CallOptions | undefined
): Effect.Effect<A, SkyError.SkyError> =>
  prepare(settings, endpoint, options).pipe(
    // The span is held directly (what `Effect.withSpan` does, without looking it up again for every
    // annotation): the status, the attempt count and a failure's attributes are set on it in place.
    Effect.flatMap((call) =>
      Effect.useSpan(`SkyClient.${endpoint.operation}`, spanOptions(call), (span) => {
        const log = call.log
        let attempt = 0
        const once = Effect.suspend(() => {
          attempt += 1
          const current = attempt
          // Set once the headers are in, so that a deadline passed while reading the body keeps status and id.
          let headersIn: (() => ResponseContext) | undefined
          return deadline(
            Effect.flatMap(execute(client, call, current, span), (response) => {
              if (!isOk(response.status)) return statusError(response, call)
              const ctx = contextOf(response, call)
              headersIn = ctx
              return decodedText(response).pipe(
                Effect.mapError((e) => fromHttpError(e, call, ctx())),
                Effect.flatMap((text) => decodeJson(text, decode, call, ctx))
              )
            }),
            call.timeout,
            () =>
              headersIn === undefined
                ? timeoutError(call, undefined, "no response")
                : timeoutError(call, headersIn(), "the response was not complete")
          )
        })
        // The policy's decisions (`SkyRetry.schedule`'s) are made only when an attempt fails: a call whose
        // first attempt succeeds builds no schedule driver.
        const policy = call.policy
        const from = (retries: number): Effect.Effect<A, SkyError.SkyError> =>
          Effect.catchAll(once, (error) => {
            log.failed(error)
            if (retries >= policy.maxRetries || !SkyError.isRetryable(error)) {
              for (const [key, value] of Object.entries(failureAttributes(error, attempt))) span.attribute(key, value)
              return Effect.fail(error)
            }
            return Effect.flatMap(SkyRetry.delayFor(policy, retries, error), (wait) => {
              log.waited(Option.some(wait))
              return Effect.zipRight(Effect.sleep(wait), from(retries + 1))
            })
          })
        return Effect.withParentSpan(
          Effect.map(from(0), (value) => {
            span.attribute("sky.attempts", attempt)
            return value
          }),
          span
        )
      })
    )
  )

const decodeJson = <A>(
  text: string,
  decode: (u: unknown) => Effect.Effect<A, { readonly message: string }>,
  call: Call,
  ctx: () => ResponseContext
): Effect.Effect<A, SkyError.SkyError> => {
  const parsed = parseJson(text)
  if (parsed._tag === "Left") return Effect.fail(invalidResponse(call, ctx(), text, `the body is ${parsed.problem.message}`))
  return decode(parsed.value).pipe(Effect.mapError((e) => invalidResponse(call, ctx(), text, e)))
}

// ---------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------

/**
 * What one server-sent event means to a surface: a value for the caller, the
 * terminator, an error body the gateway sent after HTTP 200, or nothing.
 *
 * @internal
 */
export interface Step<A> {
  readonly emit?: A
  /** The surface's terminator: the stream is complete. */
  readonly end?: boolean
  /** For surfaces that end at the end of the body: the stream may now end. */
  readonly complete?: boolean
  /** An in-stream error body, for `SkyWire.decodeError`. */
  readonly error?: unknown
}

/** @internal */
export interface StreamSurface<A> {
  /** Decodes one event, synchronously (no Effect runs per event); a Left is the decoder's complaint. */
  readonly step: (event: Sse.Event) => Either.Either<Step<A>, { readonly message: string }>
  /** True when the end of the body is the terminator (Gemini). */
  readonly endsAtEof: boolean
}

/**
 * SSE events from a byte stream (see `makeEventDecoder`: linear whatever the line endings). A chunk of bytes that
 * completes no event gives an empty chunk, which the idle deadline does not count as an event.
 */
const sseEvents = <E>(
  bytes: Stream.Stream<Uint8Array, E>,
  onTooLarge: (message: string) => E
): Stream.Stream<Sse.Event, E> =>
  Stream.suspend(() => {
    const decoder = makeEventDecoder()
    return bytes.pipe(
      Stream.decodeText(),
      Stream.mapChunksEffect((texts) => {
        const events: Array<Sse.Event> = []
        for (const text of texts) {
          const result = decoder.push(text)
          if (!Array.isArray(result)) return Effect.fail(onTooLarge(result.message))
          for (const event of result) events.push(event)
        }
        return Effect.succeed(Chunk.unsafeFromArray(events))
      }),
      Stream.concat(Stream.suspend(() => {
        const result = decoder.end()
        return Array.isArray(result) ? Stream.fromIterable(result) : Stream.fail(onTooLarge(result.message))
      }))
    )
  })

/** The deadlines of a stream once its headers are in. */
interface StreamDeadlines<E> {
  /** The longest wait for the next event; comments and partial events do not reset it. */
  readonly idle: Duration.Duration
  readonly onIdle: () => E
  /** When the whole stream must have ended (`Clock` milliseconds), if ever. */
  readonly endBy: number | undefined
  readonly onOverall: () => E
}

/**
 * What one chunk of events gives a stream: the elements to emit, then, when the stream stops there, how
 * (`Option.none()`: its terminator; `Option.some(error)`: its failure).
 */
interface Stepped<A, E> {
  readonly emit: ReadonlyArray<A>
  readonly stop?: Option.Option<E>
}

/**
 * The elements of a stream of events, each chunk of events read by `step`, with an idle deadline measured between
 * events (an empty chunk, from bytes that completed no event, does not count) and an overall deadline. Each pull
 * waits at most until the nearer deadline.
 *
 * One pull does it all (deadlines, stepping, stopping) so that a chunk of events costs one stage, not a stage
 * each plus a `Take` per outcome to flatten.
 */
const stepEvents = <A, E>(
  self: Stream.Stream<Sse.Event, E>,
  deadlines: StreamDeadlines<E>,
  step: (events: Chunk.Chunk<Sse.Event>) => Stepped<A, E>
): Stream.Stream<A, E> =>
  Stream.fromPull(Effect.map(Stream.toPull(self), (pull) => {
    const idleMillis = Duration.toMillis(deadlines.idle)
    /** When the next event is due; set when a wait for it begins. */
    let idleEnd: number | undefined
    /** How the stream stops, once a step has said so: nothing more is pulled. */
    let stopped: Option.Option<E> | undefined
    const onChunk = (events: Chunk.Chunk<Sse.Event>): Effect.Effect<Chunk.Chunk<A>, Option.Option<E>> => {
      if (events.length === 0) return next
      idleEnd = undefined
      const stepped = step(events)
      if (stepped.stop !== undefined) stopped = stepped.stop
      if (stepped.emit.length > 0) return Effect.succeed(Chunk.unsafeFromArray(stepped.emit))
      return next
    }
    const next: Effect.Effect<Chunk.Chunk<A>, Option.Option<E>> = Effect.flatMap(Clock.currentTimeMillis, (now) => {
      if (stopped !== undefined) return Effect.fail(stopped)
      if (idleEnd === undefined) idleEnd = now + idleMillis
      const idleLeft = idleEnd - now
      const overallLeft = deadlines.endBy === undefined ? Infinity : deadlines.endBy - now
      const onTimeout = (): Option.Option<E> =>
        Option.some(overallLeft <= idleLeft ? deadlines.onOverall() : deadlines.onIdle())
      const left = Math.min(idleLeft, overallLeft)
      if (left <= 0) return Effect.fail(onTimeout())
      const waited = left === Infinity ? pull : Effect.timeoutFail(pull, { duration: Duration.millis(left), onTimeout })
      return Effect.flatMap(waited, onChunk)
    })
    return next
  }))

/** Marks an error that reached the caller after an element: never retried. */
class AfterFirstElement {
  constructor(readonly error: SkyError.SkyError) {}
}

const notRetryable = new SkyError.InvalidResponse({ shouldRetry: false })

/** One streamed call: `Stream<A, SkyError>`, retried only while nothing has been emitted. */
export const callStream = <A>(
  client: HttpClient.HttpClient,
  settings: Settings,
  endpoint: Endpoint,
  surface: StreamSurface<A>,
  options: CallOptions | undefined
): Stream.Stream<A, SkyError.SkyError> =>
  Stream.unwrap(Effect.map(prepare(settings, { ...endpoint, headers: { accept: "text/event-stream", ...endpoint.headers } }, options), (call) =>
    Stream.suspend(() => {
      const log = call.log
      const streamTimeout = SkyRetry.durationOr(options?.streamTimeout, settings.streamTimeout ?? Duration.infinity)
      let attempt = 0
      const once = Stream.suspend(() => {
        attempt += 1
        const current = attempt
        let emitted = false
        return openStream(client, call, current, surface, streamTimeout).pipe(
          Stream.mapChunks((chunk) => {
            if (chunk.length > 0) emitted = true
            return chunk
          }),
          Stream.tapError((error) => Effect.sync(() => log.failed(error))),
          Stream.mapError((error) => (emitted ? new AfterFirstElement(error) : error))
        )
      })
      const schedule = SkyRetry.schedule(call.policy).pipe(
        Schedule.mapInput((e: SkyError.SkyError | AfterFirstElement) => e instanceof AfterFirstElement ? notRetryable : e),
        Schedule.tapOutput((wait) => Effect.sync(() => log.waited(wait)))
      )
      return once.pipe(
        Stream.retry(schedule),
        Stream.mapError((e) => (e instanceof AfterFirstElement ? e.error : e)),
        Stream.tapError((error) => annotateFailure(error, attempt)),
        Stream.withSpan(`SkyClient.${endpoint.operation}`, spanOptions(call))
      )
    })))

const isJson = (response: HttpClientResponse.HttpClientResponse): boolean =>
  /\bjson\b/i.test(response.headers["content-type"] ?? "")

/**
 * A stream request answered with JSON instead of events: an error body becomes its SkyError (with the table's
 * status, as for an in-stream error), anything else an InvalidResponse that keeps the body.
 */
const notAStream = (
  response: HttpClientResponse.HttpClientResponse,
  call: Call
): Effect.Effect<never, SkyError.SkyError> =>
  Effect.flatMap(
    Effect.zip(collectedBody(response), Clock.currentTimeMillis),
    ([body, now]) => {
      const text = textOf(body)
      // A body read whole is parsed; one cut at the bounds is judged by what the scan of its head found.
      const whole = body.complete && body.seenBytes <= body.bytes.length
      const parsed = whole ? parseJson(text) : undefined
      const isError = parsed === undefined ? hasErrorField(body.facts) : parsed._tag === "Right" && hasErrorField(parsed.value)
      return Effect.fail(
        isError
          ? inStreamStatus(SkyWire.decodeError(
            { status: response.status, headers: response.headers, body: whole ? text : body },
            { method: call.endpoint.method, url: call.safeUrl, secrets: call.secrets, now, attempts: call.log.attempts }
          ))
          : notAStreamComplaint(call, response, text, parsed ?? parseJson(text))
      )
    }
  )

/** An `InvalidResponse` for JSON where events were expected; one nested too deep says so. */
const notAStreamComplaint = (
  call: Call,
  response: HttpClientResponse.HttpClientResponse,
  text: string,
  parsed: ReturnType<typeof parseJson>
): SkyError.SkyError =>
  invalidResponse(
    call,
    contextOf(response, call)(),
    text,
    parsed._tag === "Left" && parsed.problem.message.startsWith("JSON")
      ? `expected an event stream, got ${response.headers["content-type"]}: ${parsed.problem.message}`
      : `expected an event stream, got ${response.headers["content-type"]}`
  )

/** A stream's overall deadline passed: a `RequestTimeout` that names `streamTimeout` and keeps what arrived. */
const streamTimeoutError = (
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

const openStream = <A>(
  client: HttpClient.HttpClient,
  call: Call,
  attempt: number,
  surface: StreamSurface<A>,
  streamTimeout: Duration.Duration
): Stream.Stream<A, SkyError.SkyError> =>
  Stream.unwrap(Effect.flatMap(Clock.currentTimeMillis, (startedAt) => {
    const overall = Duration.isFinite(streamTimeout) ? streamTimeout : undefined
    // The headers are due within the attempt's timeout, or sooner when the whole stream is.
    const overallFirst = overall !== undefined && Duration.lessThanOrEqualTo(overall, call.timeout)
    return execute(client, call, attempt).pipe(
      // The latest attempt is the count; a failure's annotation overwrites it with the same number.
      Effect.tap(() => Effect.annotateCurrentSpan("sky.attempts", attempt)),
      Effect.flatMap((response) =>
        !isOk(response.status)
          ? statusError(response, call)
          : isJson(response)
          ? notAStream(response, call)
          : Effect.succeed(response)
      ),
      (opening) =>
        overallFirst
          ? deadline(opening, overall, () => streamTimeoutError(call, undefined, overall))
          : deadline(opening, call.timeout, () => timeoutError(call, undefined, "no response")),
      Effect.zip(Clock.currentTimeMillis),
      Effect.map(([response, now]) => {
        const ctx = contextOf(response, call)
        let ended = false
        let complete = false
        /** The failure that ends the stream for an error body the gateway sent after HTTP 200. */
        const inStreamError = (body: unknown): Option.Option<SkyError.SkyError> =>
          Option.some(inStreamStatus(SkyWire.decodeError(
            { status: response.status, headers: response.headers, body },
            { method: call.endpoint.method, url: call.safeUrl, secrets: call.secrets, now, attempts: call.log.attempts }
          )))
        /** One chunk of events at a time: what to emit, then the end or the failure, if any. */
        const stepChunk = (events: Chunk.Chunk<Sse.Event>): Stepped<A, SkyError.SkyError> => {
          const emit: Array<A> = []
          for (const event of events) {
            const result = surface.step(event)
            if (Either.isLeft(result)) {
              return { emit, stop: Option.some(invalidResponse(call, ctx(), event.data, result.left)) }
            }
            const step = result.right
            if (step.error !== undefined) return { emit, stop: inStreamError(step.error) }
            if (step.complete === true) complete = true
            if (step.emit !== undefined) emit.push(step.emit)
            if (step.end === true) {
              ended = true
              return { emit, stop: Option.none() }
            }
          }
          return { emit }
        }
        return sseEvents(
          decodedStream(response).pipe(Stream.mapError((e) => fromHttpError(e, call, ctx()))),
          (message) => invalidResponse(call, ctx(), "", message)
        ).pipe(
          (events) =>
            stepEvents(events, {
              idle: call.timeout,
              onIdle: () => timeoutError(call, ctx(), "no stream event"),
              endBy: overall === undefined ? undefined : startedAt + Duration.toMillis(overall),
              onOverall: () => streamTimeoutError(call, ctx(), streamTimeout)
            }, stepChunk),
          Stream.concat(Stream.suspend(() =>
            ended || (surface.endsAtEof && complete)
              ? Stream.empty
              : Stream.fail(invalidResponse(
                call,
                ctx(),
                "",
                surface.endsAtEof
                  ? "the stream ended before any chunk carried a finish reason"
                  : "the stream ended before its terminator"
              ))
          ))
        )
      })
    )
  }))
