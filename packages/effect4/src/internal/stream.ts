/**
 * The stream machine: a response's bytes → text → server-sent events (core's framing, bounded lines) → each
 * surface's steps, with the idle and overall deadlines, JSON where events were expected, and an end before the
 * terminator. One pull stage does it all, so a chunk of events costs one stage.
 *
 * @internal
 */
import type * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import type * as Pull from "effect/Pull"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import * as Facts from "../../../core/src/callEvidence.js"
import { hasErrorField, NotJson, parseJson, parseJsonValue } from "../../../core/src/json.js"
import { type Event, makeEventDecoder } from "../../../core/src/sse.js"
import type * as SkyError from "../SkyError.js"
import { deadline } from "./deadline.js"
import { NotDecoded } from "./fastDecode.js"
import {
  answerTimeoutError,
  classified,
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
import { collectedBody, decodedEventText, decodedStream, textOf } from "./responseBody.js"

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

/**
 * A surface's stream rules, as the machine uses them.
 *
 * @internal
 */
export interface StreamSurface<A> {
  /**
   * Reads one event, synchronously (no Effect runs per event): a value for the caller is pushed on `emit`; the
   * result is what else the event meant (`undefined`: nothing). Nothing is allocated around a value: this runs
   * once per chunk of a stream.
   */
  readonly step: (event: Event, emit: Array<A>) => Outcome | undefined
  /** True when the end of the body is the terminator (Gemini). */
  readonly endsAtEof: boolean
}

/** Decodes one event's JSON payload, synchronously: the value, or why not. */
type EventDecoder<A> = (u: unknown) => A | NotDecoded

/**
 * A surface whose events are JSON data payloads: an `event: error`, or a payload the surface recognises as an
 * error, is an in-stream error; anything else is decoded into an element.
 *
 * @internal
 */
export const jsonSurface = <A>(options: {
  readonly endsAtEof: boolean
  readonly errorOf: (value: unknown) => unknown | undefined
  readonly decode: EventDecoder<A>
  /** What a decoded value means besides itself (its surface's terminator, ...). */
  readonly after?: (value: A, event: Event) => Outcome | undefined
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
      // An error event fails the stream whatever its data: JSON or plain text, the wire decoder reads both.
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

/**
 * The type of a decoded event: its own `type` field, else the SSE event name.
 *
 * @internal
 */
export const typeOf = (value: { readonly type?: unknown }, event: Event): string =>
  typeof value.type === "string" ? value.type : event.event

/** How the machine stops: its terminator, its failure, or the end of the body (judged by `atEnd`). */
type Stop = { readonly _tag: "End" } | { readonly _tag: "Fail"; readonly error: SkyError.SkyError }

const endStop: Stop = { _tag: "End" }

/** The elements of a batch of events, and how the stream stops there, if it does. */
type Stepped<A> = { readonly emit: Array<A>; readonly stop?: Stop }

interface Machine<A> {
  /** The longest wait for the next event; comments and partial events do not reset it. */
  readonly idle: Duration.Duration
  readonly onIdle: () => SkyError.SkyError
  /** When the whole stream must have ended (`Clock` milliseconds), if ever. */
  readonly endBy: number | undefined
  readonly onOverall: () => SkyError.SkyError
  /** The elements of a batch of events, and how the stream stops there, if it does. */
  readonly step: (events: ReadonlyArray<Event>) => Stepped<A>
  /** The body ended without a stop: the failure, if the stream was not complete. */
  readonly atEnd: () => SkyError.SkyError | undefined
  readonly onTooLarge: (message: string) => SkyError.SkyError
}

/**
 * The elements of a stream of text, framed into events and stepped, with an idle deadline measured between
 * events (text that completes no event does not count) and an overall deadline: each pull waits at most until
 * the nearer one.
 */
const run = <A>(texts: Stream.Stream<string, SkyError.SkyError>, machine: Machine<A>): Stream.Stream<A, SkyError.SkyError> =>
  Stream.transformPull(texts, (pull) =>
    Effect.sync(() => {
      const decoder = makeEventDecoder()
      const idleMillis = Duration.toMillis(machine.idle)
      /** When the next event is due; set when a wait for it begins. */
      let idleEnd: number | undefined
      let stopped: Stop | undefined
      let eof = false
      const halt = (stop: Stop): Pull.Pull<never, SkyError.SkyError> =>
        stop._tag === "End" ? Cause.done() : Effect.fail(stop.error)
      const onEvents = (events: ReadonlyArray<Event>): Pull.Pull<Arr.NonEmptyReadonlyArray<A>, SkyError.SkyError> => {
        if (events.length > 0) {
          idleEnd = undefined
          const stepped = machine.step(events)
          if (stepped.stop !== undefined) stopped = stepped.stop
          if (stepped.emit.length > 0) return Effect.succeed(stepped.emit as unknown as Arr.NonEmptyReadonlyArray<A>)
        }
        return next
      }
      const onTexts = (chunk: Arr.NonEmptyReadonlyArray<string>): Pull.Pull<Arr.NonEmptyReadonlyArray<A>, SkyError.SkyError> => {
        const events: Array<Event> = []
        for (const text of chunk) {
          const result = decoder.push(text)
          if (!Array.isArray(result)) return Effect.fail(machine.onTooLarge(result.message))
          for (const event of result) events.push(event)
        }
        return onEvents(events)
      }
      const onEnd = (): Pull.Pull<Arr.NonEmptyReadonlyArray<A>, SkyError.SkyError> => {
        eof = true
        const result = decoder.end()
        if (!Array.isArray(result)) return Effect.fail(machine.onTooLarge(result.message))
        return onEvents(result)
      }
      const next: Pull.Pull<Arr.NonEmptyReadonlyArray<A>, SkyError.SkyError> = Effect.suspend(() => {
        if (stopped !== undefined) return halt(stopped)
        if (eof) {
          const failure = machine.atEnd()
          return failure === undefined ? Cause.done() : Effect.fail(failure)
        }
        return Effect.flatMap(Clock.currentTimeMillis, (now) => {
          if (idleEnd === undefined) idleEnd = now + idleMillis
          const idleLeft = idleEnd - now
          const overallLeft = machine.endBy === undefined ? Infinity : machine.endBy - now
          const onTimeout = (): SkyError.SkyError => overallLeft <= idleLeft ? machine.onOverall() : machine.onIdle()
          const left = Math.min(idleLeft, overallLeft)
          if (left <= 0) return Effect.fail(onTimeout())
          const waited = left === Infinity ? pull : deadline(pull, Duration.millis(left), onTimeout)
          return Effect.matchEffect(waited, {
            onSuccess: onTexts,
            onFailure: (error) => (Cause.isDone(error) ? onEnd() : Effect.fail(error))
          })
        })
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
  Effect.flatMap(Effect.zip(collectedBody(response), Clock.currentTimeMillis), ([body, now]) => {
    const text = textOf(body)
    // A body read whole is parsed; one cut at the bounds is judged by what the scan of its head found.
    const whole = body.complete && body.seenBytes <= body.bytes.length
    const parsed = whole ? parseJson(text) : undefined
    const isError = parsed === undefined ? hasErrorField(body.facts) : parsed._tag === "Right" && hasErrorField(parsed.value)
    if (isError) return Effect.fail(inStreamStatus(classified(call, response.status, response.headers, whole ? text : body, now)))
    const json = parsed ?? parseJson(text)
    return Effect.fail(invalidResponse(
      call,
      contextOf(response, call)(),
      text,
      Facts.notAStreamProblem(response.headers["content-type"], json._tag === "Left" ? json.problem.message : undefined)
    ))
  })

/**
 * What a stream's overall deadline keeps of a response whose body was being read: a 2xx's (an error answer, which
 * is no stream, is reported as no response).
 */
const answered = (received: (() => ResponseContext) | undefined): ResponseContext | undefined => {
  const ctx = received?.()
  return ctx !== undefined && isOk(ctx.status) ? ctx : undefined
}

/**
 * One attempt of a stream: the request sent within its deadline, then the events of its body stepped by the
 * surface until its terminator, its failure, or a deadline.
 *
 * @internal
 */
export const openStream = <A>(
  client: Transport,
  call: Call,
  attempt: number,
  span: Tracer.Span,
  surface: StreamSurface<A>,
  streamTimeout: Duration.Duration
): Stream.Stream<A, SkyError.SkyError> =>
  // `Stream.unwrap` gives the attempt a scope as long as its stream: closing it when the stream ends aborts the
  // request.
  Stream.unwrap(Effect.flatMap(Clock.currentTimeMillis, (startedAt) => {
    const overall = Duration.isFinite(streamTimeout) ? streamTimeout : undefined
    // The headers are due within the attempt's timeout, or sooner when the whole stream is.
    const overallFirst = overall !== undefined && Duration.isLessThanOrEqualTo(overall, call.timeout)
    // Set once the headers are in, so that a deadline passed while a body (an error, or JSON) is read keeps them.
    let received: (() => ResponseContext) | undefined
    // The call's span is the parent of this request only (its trace context is what the request propagates),
    // not a service of the whole stream, which would be paid on every pull.
    const opening = Effect.provideService(execute(client, call, attempt, span), Tracer.ParentSpan, span).pipe(
      Effect.map((response) => {
        // The latest attempt is the count; a failure's attributes overwrite it with the same number.
        span.attribute("sky.attempts", attempt)
        return response
      }),
      Effect.flatMap((response): Effect.Effect<HttpClientResponse.HttpClientResponse, SkyError.SkyError> => {
        received = contextOf(response, call)
        if (!isOk(response.status)) return statusError(response, call)
        if (!Facts.isJsonContentType(response.headers["content-type"])) return Effect.succeed(response)
        return notAStream(response, call)
      })
    )
    return deadline(
      opening,
      overallFirst ? overall : call.timeout,
      () =>
        overallFirst ? streamTimeoutError(call, answered(received), overall) : answerTimeoutError(call, received)
    ).pipe(
      Effect.zip(Clock.currentTimeMillis),
      Effect.map(([response, now]) => {
        const ctx = contextOf(response, call)
        let ended = false
        let complete = false
        const inStreamError = (body: unknown): Stop => ({
          _tag: "Fail",
          error: inStreamStatus(classified(call, response.status, response.headers, body, now))
        })
        const texts = decodedEventText(
          decodedStream(response).pipe(Stream.mapError((e) => fromHttpError(e, call, ctx())))
        )
        /** The elements of a batch of events, and how the stream stops there, if it does. */
        const stepEvents = (events: ReadonlyArray<Event>): Stepped<A> => {
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
                return { emit, stop: endStop }
              case "Error":
                return { emit, stop: inStreamError(outcome.error) }
              case "Invalid":
                return { emit, stop: { _tag: "Fail", error: invalidResponse(call, ctx(), event.data, outcome.problem) } }
            }
          }
          return { emit }
        }
        return run(texts, {
          idle: call.timeout,
          onIdle: () => timeoutError(call, ctx(), "no stream event"),
          endBy: overall === undefined ? undefined : startedAt + Duration.toMillis(overall),
          onOverall: () => streamTimeoutError(call, ctx(), streamTimeout),
          onTooLarge: (message) => invalidResponse(call, ctx(), "", message),
          step: (events) => {
            const stepped = stepEvents(events)
            // What reaches the caller makes the attempt's failure final (see retriedStream).
            if (stepped.emit.length > 0) call.emitted = true
            return stepped
          },
          atEnd: () =>
            ended || (surface.endsAtEof && complete)
              ? undefined
              : invalidResponse(call, ctx(), "", Facts.prematureEndProblem(surface.endsAtEof))
        })
      })
    )
  }))
