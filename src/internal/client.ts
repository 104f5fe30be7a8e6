/**
 * The HTTP core of `SkyClient`: one request, its timeout, its retries, and the
 * mapping of every transport, status and decoding failure into `SkyError`.
 *
 * @internal
 */
import type * as Sse from "@effect/experimental/Sse"
import { makeParser } from "@effect/experimental/Sse"
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
import * as Take from "effect/Take"
import type * as Tracer from "effect/Tracer"
import type { CallOptions as SkyClientCallOptions } from "../SkyClient.js"
import * as SkyError from "../SkyError.js"
import * as SkyRetry from "../SkyRetry.js"
import * as SkyWire from "../SkyWire.js"
import { withFields } from "./construct.js"
import * as Evidence from "./evidence.js"
import { hasErrorField } from "./json.js"

/** @internal */
export interface Settings {
  readonly apiKey: Redacted.Redacted<string>
  readonly baseUrl: string
  readonly timeout: Duration.Duration
  readonly retry: SkyRetry.RetryPolicy
  readonly headers: Readonly<Record<string, string>>
  readonly anthropicVersion: string
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

/** Prepares a call; fails before anything is sent when the body cannot be encoded. */
const prepare = (
  settings: Settings,
  endpoint: Endpoint,
  options: CallOptions | undefined
): Effect.Effect<Call, SkyError.SkyError> =>
  Effect.suspend(() => {
    const url = joinUrl(settings.baseUrl, endpoint.path)
    const secrets = [settings.apiKey]
    const secretTexts = [Redacted.value(settings.apiKey)]
    const safeUrl = Evidence.redactUrl(url, secretTexts)
    // A relative path stays on the base URL; only an absolute one can leave its origin.
    if (isAbsolute(endpoint.path) && originOfUrl(url) !== originOfUrl(settings.baseUrl)) {
      // An absolute URL is accepted only on the base URL's origin: the key is never sent anywhere else.
      return Effect.fail(
        new SkyError.RequestParseFailed({
          message: `request not sent: ${safeUrl} is not on the base URL's origin ${
            originOfUrl(settings.baseUrl) ?? settings.baseUrl
          }`,
          method: endpoint.method,
          url: safeUrl
        })
      )
    }
    let body: string | undefined
    if (endpoint.body !== undefined) {
      try {
        body = JSON.stringify(endpoint.body)
      } catch (cause) {
        return Effect.fail(
          new SkyError.RequestParseFailed({
            message: `request not sent: its body could not be encoded as JSON (${describe(cause, [])})`,
            method: endpoint.method,
            url: safeUrl
          })
        )
      }
      if (body === undefined) {
        return Effect.fail(
          new SkyError.RequestParseFailed({
            message: "request not sent: its body is not a JSON value",
            method: endpoint.method,
            url: safeUrl
          })
        )
      }
    }
    const headers: Record<string, string> = {
      accept: "application/json",
      ...settings.headers,
      ...endpoint.headers,
      ...options?.headers,
      authorization: `Bearer ${secretTexts[0]}`
    }
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
  if (error._tag === "RequestError" && error.reason === "Encode") {
    return new SkyError.RequestParseFailed({
      message: `request not sent: its body could not be encoded (${reason})`,
      method: call.endpoint.method,
      url: call.safeUrl
    })
  }
  if (error._tag === "RequestError" && error.reason === "InvalidUrl") {
    return new SkyError.ConnectionError({
      ...evidenceOf(call, undefined, "ConnectionError"),
      message: `request not sent: invalid URL ${call.safeUrl}`,
      reason
    })
  }
  return new SkyError.ConnectionError({
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

const timeoutError = (call: Call, ctx: ResponseContext | undefined, what: string): SkyError.SkyError =>
  new SkyError.RequestTimeout({
    ...evidenceOf(call, ctx, "RequestTimeout"),
    message: `${what} within ${Duration.format(call.timeout)}`,
    timeout: call.timeout
  })

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
  const text = Evidence.scrub(body, secrets)
  const { full: issue, summary } = typeof problem === "string" ? { full: problem, summary: firstLine(problem) } : complaint(problem)
  return new SkyError.InvalidResponse({
    ...evidenceOf(call, ctx, "InvalidResponse"),
    message: `the ${call.endpoint.operation} response could not be decoded: ${Evidence.scrub(summary, secrets)}`,
    issue: Evidence.scrub(issue, secrets),
    body: text.length > SkyWire.bodyLimit ? text.slice(0, SkyWire.bodyLimit) : text,
    ...(text.length > SkyWire.bodyLimit ? { bodyTruncated: true } : {})
  })
}

const firstLine = (text: string): string => {
  const line = text.split("\n", 1)[0] ?? text
  return line.length > 300 ? `${line.slice(0, 300)}...` : line
}

/** A non-2xx response: its body read in full and handed to the wire decoder. */
const statusError = (
  response: HttpClientResponse.HttpClientResponse,
  call: Call
): Effect.Effect<never, SkyError.SkyError> =>
  Effect.zipWith(
    Effect.orElseSucceed(response.arrayBuffer, () => new ArrayBuffer(0)),
    Clock.currentTimeMillis,
    (buffer, now) =>
      SkyWire.decodeError(
        { status: response.status, headers: response.headers, body: new Uint8Array(buffer) },
        { method: call.endpoint.method, url: call.safeUrl, secrets: call.secrets, now, attempts: call.log.attempts }
      )
  ).pipe(Effect.flip)

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
    "url.path": call.endpoint.path.split("?")[0],
    ...(call.endpoint.model !== undefined ? { "gen_ai.request.model": call.endpoint.model } : {})
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
              return response.text.pipe(
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
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    return Effect.fail(invalidResponse(call, ctx(), text, `the body is not JSON: ${describe(cause, [])}`))
  }
  return decode(json).pipe(Effect.mapError((e) => invalidResponse(call, ctx(), text, e)))
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
 * SSE events from a byte stream, through `@effect/experimental`'s parser. The
 * parser rescans its buffer from the start after every line, so it is fed one
 * line at a time: fed a whole network chunk, it is quadratic in the chunk.
 */
const sseEvents = <E>(
  bytes: Stream.Stream<Uint8Array, E>,
  onTooLarge: (message: string) => E
): Stream.Stream<Sse.Event, E> =>
  Stream.suspend(() => {
    const pending: Array<Sse.Event> = []
    const parser = makeParser((event) => {
      if (event._tag === "Event") pending.push(event)
    })
    return bytes.pipe(
      Stream.decodeText(),
      Stream.mapChunksEffect((texts) => {
        for (const text of texts) {
          let start = 0
          while (start < text.length) {
            const newline = text.indexOf("\n", start)
            const end = newline === -1 ? text.length : newline + 1
            const error = parser.feed(start === 0 && end === text.length ? text : text.slice(start, end))
            if (error !== undefined) return Effect.fail(onTooLarge(error.message))
            start = end
          }
        }
        return Effect.succeed(Chunk.fromIterable(pending.splice(0, pending.length)))
      }),
      // A last event that the body ends without its blank line still counts.
      Stream.concat(Stream.suspend(() => {
        parser.feed("\n\n")
        return Stream.fromIterable(pending.splice(0, pending.length))
      }))
    )
  })

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
      let attempt = 0
      const once = Stream.suspend(() => {
        attempt += 1
        const current = attempt
        let emitted = false
        return openStream(client, call, current, surface).pipe(
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
    Effect.zip(Effect.orElseSucceed(response.text, () => ""), Clock.currentTimeMillis),
    ([text, now]) => {
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        json = undefined
      }
      return Effect.fail(
        hasErrorField(json)
          ? inStreamStatus(SkyWire.decodeError(
            { status: response.status, headers: response.headers, body: text },
            { method: call.endpoint.method, url: call.safeUrl, secrets: call.secrets, now, attempts: call.log.attempts }
          ))
          : invalidResponse(
            call,
            contextOf(response, call)(),
            text,
            `expected an event stream, got ${response.headers["content-type"]}`
          )
      )
    }
  )

const openStream = <A>(
  client: HttpClient.HttpClient,
  call: Call,
  attempt: number,
  surface: StreamSurface<A>
): Stream.Stream<A, SkyError.SkyError> =>
  Stream.unwrap(
    execute(client, call, attempt).pipe(
      // The latest attempt is the count; a failure's annotation overwrites it with the same number.
      Effect.tap(() => Effect.annotateCurrentSpan("sky.attempts", attempt)),
      Effect.flatMap((response) =>
        !isOk(response.status)
          ? statusError(response, call)
          : isJson(response)
          ? notAStream(response, call)
          : Effect.succeed(response)
      ),
      (opening) => deadline(opening, call.timeout, () => timeoutError(call, undefined, "no response")),
      Effect.zip(Clock.currentTimeMillis),
      Effect.map(([response, now]) => {
        const ctx = contextOf(response, call)
        let ended = false
        let complete = false
        /** The Take that ends the stream for an error body the gateway sent after HTTP 200. */
        const inStreamError = (body: unknown): Take.Take<A, SkyError.SkyError> =>
          Take.fail(inStreamStatus(SkyWire.decodeError(
            { status: response.status, headers: response.headers, body },
            { method: call.endpoint.method, url: call.safeUrl, secrets: call.secrets, now, attempts: call.log.attempts }
          )))
        /** One chunk of events at a time: what to emit, then the end or the failure, if any. */
        const stepChunk = (events: Chunk.Chunk<Sse.Event>): Chunk.Chunk<Take.Take<A, SkyError.SkyError>> => {
          const emitted: Array<A> = []
          let last: Take.Take<A, SkyError.SkyError> | undefined
          for (const event of events) {
            const result = surface.step(event)
            if (Either.isLeft(result)) {
              last = Take.fail(invalidResponse(call, ctx(), event.data, result.left))
              break
            }
            const step = result.right
            if (step.error !== undefined) {
              last = inStreamError(step.error)
              break
            }
            if (step.complete === true) complete = true
            if (step.emit !== undefined) emitted.push(step.emit)
            if (step.end === true) {
              ended = true
              last = Take.end
              break
            }
          }
          const takes: Array<Take.Take<A, SkyError.SkyError>> = []
          if (emitted.length > 0) takes.push(Take.chunk(Chunk.unsafeFromArray(emitted)))
          if (last !== undefined) takes.push(last)
          return Chunk.unsafeFromArray(takes)
        }
        return sseEvents(
          response.stream.pipe(Stream.mapError((e) => fromHttpError(e, call, ctx()))),
          (message) => invalidResponse(call, ctx(), "", message)
        ).pipe(
          Stream.timeoutFail(() => timeoutError(call, ctx(), "no stream event"), call.timeout),
          Stream.mapChunks(stepChunk),
          Stream.flattenTake,
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
  )
