/**
 * The stream machine: an attempt's bytes → SSE events → each surface's steps, with the idle and overall
 * deadlines, a JSON answer where events were expected (`notAStream`), and a stream that ends before its
 * terminator. What each event means to a surface is the surface's own rule (see `streams.ts`).
 *
 * @internal
 */
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import type * as Sse from "../../packages/core/src/sse.js"
import { makeEventDecoder } from "../../packages/core/src/sse.js"
import * as Facts from "../../packages/core/src/callEvidence.js"
import { hasErrorField, NotJson, parseJson, parseJsonValue } from "../../packages/core/src/json.js"
import type * as SkyError from "../SkyError.js"
import * as SkyWire from "../SkyWire.js"
import { deadline } from "./deadline.js"
import { NotDecoded } from "./fastDecode.js"
import {
  answerTimeoutError,
  contextOf,
  fromHttpError,
  inStreamStatus,
  invalidResponse,
  type ResponseContext,
  statusError,
  streamTimeoutError,
  timeoutError
} from "./failure.js"
import { type Call, execute, isOk, type Transport } from "./request.js"
import { collectedBody, decodedStream, textOf } from "./responseBody.js"

/**
 * What one server-sent event means to a surface besides the value it pushed for the caller, if any: the
 * surface's terminator, that the stream may now end at the end of the body, an error body the gateway sent after
 * HTTP 200, or the decoder's complaint.
 *
 * @internal
 */
export type Outcome =
  | { readonly _tag: "End" }
  | { readonly _tag: "Complete" }
  | { readonly _tag: "Error"; readonly error: unknown }
  | { readonly _tag: "Invalid"; readonly problem: { readonly message: string } }

/** @internal */
export const end: Outcome = { _tag: "End" }
/** @internal */
export const complete: Outcome = { _tag: "Complete" }

/** @internal */
export interface StreamSurface<A> {
  /**
   * Reads one event, synchronously (no Effect runs per event): a value for the caller is pushed on `emit`; the
   * result is what else the event meant (`undefined`: nothing). Nothing is allocated around a value: this runs
   * once per chunk of a stream.
   */
  readonly step: (event: Sse.Event, emit: Array<A>) => Outcome | undefined
  /** True when the end of the body is the terminator (Gemini). */
  readonly endsAtEof: boolean
}

/** Decodes one event's JSON payload, synchronously: the value, or why not. */
type EventDecoder<A> = (u: unknown) => A | NotDecoded

/**
 * A surface whose events are JSON data payloads: an `event: error`, or a
 * payload the surface recognises as an error, is an in-stream error; anything
 * else is decoded into an element.
 */
export const jsonSurface = <A>(options: {
  readonly endsAtEof: boolean
  readonly errorOf: (value: unknown) => unknown | undefined
  readonly decode: EventDecoder<A>
  /** What a decoded value means besides itself (its surface's terminator, ...). */
  readonly after?: (value: A, event: Sse.Event) => Outcome | undefined
  /** A data payload that is not JSON but means something (chat's `[DONE]`). */
  readonly special?: (data: string) => Outcome | undefined
}): StreamSurface<A> => ({
  endsAtEof: options.endsAtEof,
  // Straight-line code, no combinators: this runs once per event.
  step: (event, emit) => {
    const special = options.special?.(event.data)
    if (special !== undefined) return special
    const parsed = parseJsonValue(event.data)
    if (event.event === "error" || event.event === "response.error") {
      // An error event fails the stream whatever its data: JSON or plain text, decodeError reads both.
      const data = parsed instanceof NotJson ? event.data : parsed
      return { _tag: "Error", error: options.errorOf(data) ?? data }
    }
    if (parsed instanceof NotJson) return { _tag: "Invalid", problem: { message: `the event is ${parsed.message}` } }
    const error = options.errorOf(parsed)
    if (error !== undefined) return { _tag: "Error", error }
    const decoded = options.decode(parsed)
    if (decoded instanceof NotDecoded) return { _tag: "Invalid", problem: decoded.error }
    emit.push(decoded)
    return options.after?.(decoded, event)
  }
})

/** An event's type: its payload's `type`, else its SSE `event` name. */
export const typeOf = (value: { readonly type?: unknown }, event: Sse.Event): string =>
  typeof value.type === "string" ? value.type : event.event

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
      // One forked fiber per pull on the live clock (`deadline`), not the two of `Effect.timeoutFail`.
      const waited = left === Infinity ? pull : deadline(pull, Duration.millis(left), onTimeout)
      return Effect.flatMap(waited, onChunk)
    })
    return next
  }))

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
    Facts.notAStreamProblem(response.headers["content-type"], parsed._tag === "Left" ? parsed.problem.message : undefined)
  )

/**
 * What a stream's overall deadline keeps of a response whose body was being read: a 2xx's (an error answer, which
 * is no stream, is reported as no response).
 */
const answered = (received: (() => ResponseContext) | undefined): ResponseContext | undefined => {
  const ctx = received?.()
  return ctx !== undefined && isOk(ctx.status) ? ctx : undefined
}

/**
 * One attempt of a streamed call: sends it, checks its status and content type within the deadline of the
 * headers, then steps its events through `surface` with the idle and overall deadlines, and fails a stream that
 * ends before its terminator.
 */
export const openStream = <A>(
  client: Transport,
  call: Call,
  attempt: number,
  span: Tracer.Span,
  surface: StreamSurface<A>,
  streamTimeout: Duration.Duration
): Stream.Stream<A, SkyError.SkyError> =>
  // The attempt's scope lives as long as its stream: closing it when the stream ends aborts the request.
  Stream.unwrapScoped(Effect.flatMap(Clock.currentTimeMillis, (startedAt) => {
    const overall = Duration.isFinite(streamTimeout) ? streamTimeout : undefined
    // The headers are due within the attempt's timeout, or sooner when the whole stream is.
    const overallFirst = overall !== undefined && Duration.lessThanOrEqualTo(overall, call.timeout)
    // Set once the headers are in, so that a deadline passed while a body (an error, or JSON) is read keeps them.
    let received: (() => ResponseContext) | undefined
    // The call's span is the parent of this request only (its trace context is what the request propagates),
    // not a service of the whole stream, which would be paid on every pull.
    return Effect.provideService(execute(client, call, attempt, span), Tracer.ParentSpan, span).pipe(
      // The latest attempt is the count; a failure's annotation overwrites it with the same number.
      Effect.tap(() => span.attribute("sky.attempts", attempt)),
      Effect.flatMap((response): Effect.Effect<HttpClientResponse.HttpClientResponse, SkyError.SkyError> => {
        received = contextOf(response, call)
        if (!isOk(response.status)) return statusError(response, call)
        if (!Facts.isJsonContentType(response.headers["content-type"])) return Effect.succeed(response)
        return notAStream(response, call)
      }),
      (opening) =>
        overallFirst
          ? deadline(opening, overall, () => streamTimeoutError(call, answered(received), overall))
          : deadline(opening, call.timeout, () => answerTimeoutError(call, received)),
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
            const outcome = surface.step(event, emit)
            if (outcome === undefined) continue
            switch (outcome._tag) {
              case "Complete":
                complete = true
                continue
              case "End":
                ended = true
                return { emit, stop: Option.none() }
              case "Error":
                return { emit, stop: inStreamError(outcome.error) }
              case "Invalid":
                return { emit, stop: Option.some(invalidResponse(call, ctx(), event.data, outcome.problem)) }
            }
          }
          return { emit }
        }
        const stepAndMark = (events: Chunk.Chunk<Sse.Event>): Stepped<A, SkyError.SkyError> => {
          const stepped = stepChunk(events)
          if (stepped.emit.length > 0) call.emitted = true
          return stepped
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
            }, stepAndMark),
          Stream.concat(Stream.suspend(() =>
            ended || (surface.endsAtEof && complete)
              ? Stream.empty
              : Stream.fail(invalidResponse(call, ctx(), "", Facts.prematureEndProblem(surface.endsAtEof)))
          ))
        )
      })
    )
  }))
