/**
 * The stream machine: an attempt's bytes → SSE events → each surface's steps, with the idle and overall
 * deadlines, a JSON answer where events were expected (`notAStream`), and a stream that ends before its
 * terminator. What each event means to a surface is the surface's own rule (see `streams.ts`).
 *
 * @internal
 */
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import type * as Sse from "../../packages/core/src/sse.js"
import { streamDeadlines } from "../../packages/core/src/movingDeadline.js"
import { makeEventDecoder } from "../../packages/core/src/sse.js"
import { endedEarly, endedEvents, type StepState, stepEvents, type StreamSurface } from "../../packages/core/src/streamSurface.js"
import * as Facts from "../../packages/core/src/callEvidence.js"
import { hasErrorField, parseJson } from "../../packages/core/src/json.js"
import type * as SkyError from "../SkyError.js"
import * as SkyWire from "../SkyWire.js"
import { movingDeadline } from "./deadline.js"
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

export {
  complete,
  end,
  jsonSurface,
  type Outcome,
  type StreamSurface,
  typeOf
} from "../../packages/core/src/streamSurface.js"

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
 *
 * The deadlines are kept by aborting the request, as a plain call's are (`abortingDeadline`): the attempt's
 * request is tied to a scope of its own, which one timer (`movingDeadline`) closes when the deadline in force
 * passes; the failure that follows (the request's, or its body's) becomes that deadline's `RequestTimeout`. The
 * idle deadline counts from when the stream starts waiting for its next event (not while the caller holds the
 * last one), and only events reset it. The body is read in one stage (bytes to text to events to elements), with
 * nothing forked or raced per pull: on Effect 3 each stage and the race of each pull cost more CPU per chunk than
 * the client's own work on it (bench/findings.md).
 */
export const openStream = <A>(
  client: Transport,
  call: Call,
  attempt: number,
  span: Tracer.Span,
  surface: StreamSurface<A>,
  streamTimeout: Duration.Duration
): Stream.Stream<A, SkyError.SkyError> =>
  // The stream's scope ends the attempt's: the request's own scope is a child of it.
  Stream.unwrapScoped(Effect.clockWith((clock) =>
    Effect.flatMap(Effect.flatMap(Effect.scope, (scope) => Scope.fork(scope, ExecutionStrategy.sequential)), (requestScope) => {
      const overallMillis = Duration.isFinite(streamTimeout) ? Duration.toMillis(streamTimeout) : Infinity
      const deadlines = streamDeadlines(clock.unsafeCurrentTimeMillis(), Duration.toMillis(call.timeout), overallMillis)
      const timer = movingDeadline(clock, deadlines.due, () => {
        deadlines.pass(clock.unsafeCurrentTimeMillis())
        Effect.runSync(Scope.close(requestScope, Exit.void))
      })
      // Set once the headers are in, so that a deadline passed while a body (an error, or JSON) is read keeps them.
      let received: (() => ResponseContext) | undefined
      const headersTimedOut = (): SkyError.SkyError =>
        deadlines.overallFirst
          ? streamTimeoutError(call, answered(received), streamTimeout)
          : answerTimeoutError(call, received)
      // The call's span is the parent of this request only (its trace context is what the request propagates),
      // not a service of the whole stream, which would be paid on every pull.
      const opening = execute(client, call, attempt, span).pipe(
        Effect.provideService(Tracer.ParentSpan, span),
        Effect.provideService(Scope.Scope, requestScope),
        // The latest attempt is the count; a failure's annotation overwrites it with the same number.
        Effect.tap(() => span.attribute("sky.attempts", attempt)),
        Effect.flatMap((response): Effect.Effect<HttpClientResponse.HttpClientResponse, SkyError.SkyError> => {
          received = contextOf(response, call)
          if (!isOk(response.status)) return statusError(response, call)
          if (!Facts.isJsonContentType(response.headers["content-type"])) return Effect.succeed(response)
          return notAStream(response, call)
        }),
        // Whatever failed once the deadline had passed failed because of it (the request was aborted).
        Effect.catchAll((error) => Effect.fail(deadlines.passed() === undefined ? error : headersTimedOut())),
        Effect.flatMap((response) =>
          deadlines.passed() === undefined ? Effect.succeed(response) : Effect.fail(headersTimedOut())
        )
      )
      return Effect.as(
        Effect.addFinalizer(() => Effect.sync(timer.stop)),
        Stream.unwrap(Effect.map(opening, (response) => {
          // The evidence memo made when the headers came in (one per response, computed at most once).
          const ctx = received ?? contextOf(response, call)
          deadlines.open(clock.unsafeCurrentTimeMillis())
          /** The failure of the deadline that passed, if one did. */
          const timedOut = (): SkyError.SkyError | undefined => {
            const passed = deadlines.passed()
            if (passed === undefined) return undefined
            return passed === "overall"
              ? streamTimeoutError(call, ctx(), streamTimeout)
              : timeoutError(call, ctx(), "no stream event")
          }
          return Stream.fromChannel(Channel.pipeTo(
            Stream.toChannel(decodedStream(response)),
            readEvents(call, response, ctx, surface, clock, {
              waiting: () => {
                deadlines.waitFrom(clock.unsafeCurrentTimeMillis())
                timer.wake()
              },
              holding: deadlines.hold,
              failure: (error) => timedOut() ?? fromHttpError(error, call, ctx()),
              passed: timedOut
            })
          ))
        }))
      )
    })
  ))

/** What the body's reader tells the deadlines, and asks of them. */
interface ReadHooks {
  /** The stream waits for its next event from now. */
  readonly waiting: () => void
  /** The caller holds elements: no wait for an event runs. */
  readonly holding: () => void
  /** The failure of the body's bytes, as the caller sees it (a deadline's, when one passed). */
  readonly failure: (error: HttpClientError.ResponseError) => SkyError.SkyError
  /** The deadline's failure, once one passed (a client may end an aborted body, or still give bytes it held). */
  readonly passed: () => SkyError.SkyError | undefined
}

/**
 * The body's bytes to the surface's elements, in one channel: each chunk of bytes is decoded to text, framed into
 * SSE events (`makeEventDecoder`: linear whatever the line endings) and stepped by the surface; the elements of a
 * chunk go downstream as one chunk; the surface's terminator ends the stream there (the rest is not read), and a
 * body that ends before it fails.
 */
const readEvents = <A>(
  call: Call,
  response: HttpClientResponse.HttpClientResponse,
  ctx: () => ResponseContext,
  surface: StreamSurface<A>,
  clock: Clock.Clock,
  hooks: ReadHooks
): Channel.Channel<Chunk.Chunk<A>, Chunk.Chunk<Uint8Array>, SkyError.SkyError, HttpClientError.ResponseError, unknown, unknown> => {
  const text = new TextDecoder()
  const events = makeEventDecoder()
  const now = clock.unsafeCurrentTimeMillis()
  const state: StepState = { ended: false, complete: false }
  /** The failure that ends the stream for an error body the gateway sent after HTTP 200. */
  const inStreamError = (body: unknown): SkyError.SkyError =>
    inStreamStatus(SkyWire.decodeError(
      { status: response.status, headers: response.headers, body },
      { method: call.endpoint.method, url: call.safeUrl, secrets: call.secrets, now, attempts: call.log.attempts }
    ))
  /**
   * Steps `decoded` (the events of some text, or the decoder's complaint; `cut`: the last event, which the body's
   * end gave, see core's `stepEvents`): pushes the elements on `emit`; gives how the stream stops there, if it does (`Option.none()`: its terminator).
   */
  const step = (
    decoded: Array<Sse.Event> | { readonly message: string },
    emit: Array<A>,
    cut: boolean = false
  ): Option.Option<SkyError.SkyError> | undefined => {
    if (!Array.isArray(decoded)) return Option.some(invalidResponse(call, ctx(), "", decoded.message))
    const stop = stepEvents(surface, decoded, emit, state, cut)
    if (stop === undefined) return undefined
    switch (stop._tag) {
      case "End":
        return Option.none()
      case "Error":
        return Option.some(inStreamError(stop.error))
      case "Invalid":
        return Option.some(invalidResponse(call, ctx(), stop.data, stop.problem))
    }
  }
  /** The elements of a chunk downstream, then the stream's end, failure, or next read. */
  const then = (
    emit: Array<A>,
    stop: Option.Option<SkyError.SkyError> | undefined,
    next: Channel.Channel<Chunk.Chunk<A>, Chunk.Chunk<Uint8Array>, SkyError.SkyError, HttpClientError.ResponseError, unknown, unknown>
  ): Channel.Channel<Chunk.Chunk<A>, Chunk.Chunk<Uint8Array>, SkyError.SkyError, HttpClientError.ResponseError, unknown, unknown> => {
    const after = stop === undefined ? next : Option.isNone(stop) ? Channel.void : Channel.fail(stop.value)
    if (emit.length === 0) return after
    call.emitted = true
    hooks.holding()
    // The caller has taken the chunk when this channel runs on: the wait for the next event starts there.
    return Channel.flatMap(Channel.write(Chunk.unsafeFromArray(emit)), () => {
      hooks.waiting()
      return after
    })
  }
  const read: Channel.Channel<Chunk.Chunk<A>, Chunk.Chunk<Uint8Array>, SkyError.SkyError, HttpClientError.ResponseError, unknown, unknown> =
    Channel.readWithCause({
      onInput: (pieces: Chunk.Chunk<Uint8Array>) => {
        // Once a deadline has passed, bytes a client still hands over (buffered before the abort) are not read.
        const timedOut = hooks.passed()
        if (timedOut !== undefined) return Channel.fail(timedOut)
        const emit: Array<A> = []
        let stop: Option.Option<SkyError.SkyError> | undefined
        let evented = false
        for (const piece of pieces) {
          const decoded = events.push(text.decode(piece, { stream: true }))
          if (Array.isArray(decoded) && decoded.length > 0) evented = true
          stop = step(decoded, emit)
          if (stop !== undefined) break
        }
        // Bytes that completed no event do not reset the idle deadline; events that gave no element do.
        if (evented && emit.length === 0) hooks.waiting()
        return then(emit, stop, read)
      },
      onFailure: (cause) => Channel.failCause(Cause.map(cause, hooks.failure)),
      onDone: () => {
        const timedOut = hooks.passed()
        if (timedOut !== undefined) return Channel.fail(timedOut)
        const emit: Array<A> = []
        // The text's last bytes, then the last event, which may end without its blank line.
        const stop = step(events.push(text.decode()), emit) ?? step(endedEvents(events.end(), call.secretTexts), emit, true)
        const premature = (): Option.Option<SkyError.SkyError> | undefined =>
          endedEarly(surface, state)
            ? Option.some(invalidResponse(call, ctx(), "", Facts.prematureEndProblem(surface.endsAtEof)))
            : Option.none()
        return then(emit, stop ?? premature(), Channel.void)
      }
    })
  return read
}
