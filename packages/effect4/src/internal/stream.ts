/**
 * The stream machine: a response's bytes → text → server-sent events (core's framing, bounded lines) → each
 * surface's steps, with the idle and overall deadlines, JSON where events were expected, and an end before the
 * terminator. One pull stage does it all, so a chunk of bytes costs one stage; the deadlines are one timer per
 * stream that aborts the request, not a fiber raced per pull.
 *
 * @internal
 */
import type * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import type * as Pull from "effect/Pull"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import * as Facts from "../../../core/src/callEvidence.js"
import { hasErrorField, parseJson } from "../../../core/src/json.js"
import { streamDeadlines } from "../../../core/src/movingDeadline.js"
import { type Event, makeEventDecoder } from "../../../core/src/sse.js"
import { endedEarly, endedEvents, type StepState, stepEvents, type StreamSurface } from "../../../core/src/streamSurface.js"
import type * as SkyError from "../SkyError.js"
import { closeNow, movingDeadline } from "./deadline.js"
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
import { collectedBody, decodedStream, textOf } from "./responseBody.js"

export {
  complete,
  end,
  jsonSurface,
  type Outcome,
  type StreamSurface,
  typeOf
} from "../../../core/src/streamSurface.js"

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
 * The attempt's request runs in a scope of its own (a child of the stream's), to which the transport ties the
 * request's `AbortSignal`; one timer per stream (`movingDeadline`) closes it when the deadline in force passes,
 * and the failure that follows (the request's, or its body's) becomes that deadline's `RequestTimeout`. The
 * headers are due within the attempt's timeout (or `streamTimeout`, when shorter); then the idle deadline counts
 * from when the stream is asked for its next event (not while the caller holds the last one), and only events
 * reset it; `streamTimeout` bounds it all. The body is read in one stage (bytes to text to events to elements),
 * with nothing forked or raced per pull.
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
  // One stage: its transform sends the request, its pull reads the body. Its scope lives as long as the stream:
  // closing it when the stream ends aborts the request (the request's own scope is a child of it).
  Stream.fromChannel(Channel.fromTransform((_upstream, scope) =>
    Effect.clockWith((clock) => {
      const requestScope = Scope.forkUnsafe(scope, "sequential")
      const overallMillis = Duration.isFinite(streamTimeout) ? Duration.toMillis(streamTimeout) : Infinity
      const deadlines = streamDeadlines(clock.currentTimeMillisUnsafe(), Duration.toMillis(call.timeout), overallMillis)
      const timer = movingDeadline(clock, deadlines.due, () => {
        deadlines.pass(clock.currentTimeMillisUnsafe())
        closeNow(requestScope)
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
        Scope.provide(requestScope),
        Effect.flatMap((response): Effect.Effect<HttpClientResponse.HttpClientResponse, SkyError.SkyError> => {
          // The latest attempt is the count; a failure's attributes overwrite it with the same number.
          span.attribute("sky.attempts", attempt)
          received = contextOf(response, call)
          if (!isOk(response.status)) return statusError(response, call)
          if (!Facts.isJsonContentType(response.headers["content-type"])) return Effect.succeed(response)
          return notAStream(response, call)
        }),
        // Whatever ended once the deadline had passed ended because of it (the request was aborted).
        Effect.matchEffect({
          onFailure: (error) => Effect.fail(deadlines.passed() === undefined ? error : headersTimedOut()),
          onSuccess: (response) =>
            deadlines.passed() === undefined ? Effect.succeed(response) : Effect.fail(headersTimedOut())
        })
      )
      return Scope.addFinalizer(scope, Effect.sync(timer.stop)).pipe(
        Effect.andThen(opening),
        Effect.flatMap((response) => {
          // The evidence memo made when the headers came in (one per response, computed at most once).
          const ctx = received ?? contextOf(response, call)
          const now = clock.currentTimeMillisUnsafe()
          deadlines.open(now)
          /** The failure of the deadline that passed, if one did. */
          const timedOut = (): SkyError.SkyError | undefined => {
            const passed = deadlines.passed()
            if (passed === undefined) return undefined
            return passed === "overall"
              ? streamTimeoutError(call, ctx(), streamTimeout)
              : timeoutError(call, ctx(), "no stream event")
          }
          return Effect.map(
            Channel.toPullScoped(Stream.toChannel(decodedStream(response)), scope),
            (bytes) =>
              readEvents(call, response, ctx, surface, bytes, {
                now,
                asked: () => {
                  if (deadlines.waiting()) return
                  deadlines.waitFrom(clock.currentTimeMillisUnsafe())
                  timer.wake()
                },
                // Later than the deadline armed: the timer finds it when it wakes.
                evented: () => deadlines.waitFrom(clock.currentTimeMillisUnsafe()),
                holding: deadlines.hold,
                failure: (error) => timedOut() ?? fromHttpError(error, call, ctx()),
                passed: timedOut
              })
          )
        })
      )
    })
  ))

/** What the body's reader tells the deadlines, and asks of them. */
interface ReadHooks {
  /** When the headers came (`Clock` milliseconds). */
  readonly now: number
  /** The stream is asked for its next elements: the wait for an event runs from now, if it did not already. */
  readonly asked: () => void
  /** Events came (whether or not they gave elements): the wait for the next one starts again. */
  readonly evented: () => void
  /** The caller holds elements: no wait for an event runs. */
  readonly holding: () => void
  /** The failure of the body's bytes, as the caller sees it (a deadline's, when one passed). */
  readonly failure: (error: HttpClientError.HttpClientError) => SkyError.SkyError
  /** The deadline's failure, once one passed (a client may end an aborted body, or still give bytes it held). */
  readonly passed: () => SkyError.SkyError | undefined
}

/** How the stream stops: its terminator (done) or its failure. */
type Stop = Pull.Pull<never, SkyError.SkyError>

const endStop: Stop = Cause.done()

/** Options of `TextDecoder.decode` for a chunk that may end inside a character. */
const streamed = { stream: true }

/**
 * The body's bytes to the surface's elements, in one pull: each chunk of bytes is decoded to text, framed into
 * SSE events (`makeEventDecoder`: linear whatever the line endings) and stepped by the surface; the elements of a
 * chunk go downstream as one array (bytes that give none are not a pull of their own); the surface's terminator
 * ends the stream there (the rest is not read), and a body that ends before it fails.
 */
const readEvents = <A>(
  call: Call,
  response: HttpClientResponse.HttpClientResponse,
  ctx: () => ResponseContext,
  surface: StreamSurface<A>,
  bytes: Pull.Pull<Arr.NonEmptyReadonlyArray<Uint8Array>, HttpClientError.HttpClientError>,
  hooks: ReadHooks
): Pull.Pull<Arr.NonEmptyReadonlyArray<A>, SkyError.SkyError> => {
  const text = new TextDecoder()
  const events = makeEventDecoder()
  const state: StepState = { ended: false, complete: false }
  /** How the stream stops once the caller has taken the last elements. */
  let stopped: Stop | undefined
  /**
   * Steps `decoded` (the events of some text, or the decoder's complaint; `cut`: the last event, which the body's
   * end gave, see core's `stepEvents`): pushes the elements on `emit`; gives how the stream stops there, if it does.
   */
  const step = (decoded: Array<Event> | { readonly message: string }, emit: Array<A>, cut = false): Stop | undefined => {
    if (!Array.isArray(decoded)) return Effect.fail(invalidResponse(call, ctx(), "", decoded.message))
    const stop = stepEvents(surface, decoded, emit, state, cut)
    if (stop === undefined) return undefined
    switch (stop._tag) {
      case "End":
        return endStop
      case "Error":
        return Effect.fail(inStreamStatus(classified(call, response.status, response.headers, stop.error, hooks.now)))
      case "Invalid":
        return Effect.fail(invalidResponse(call, ctx(), stop.data, stop.problem))
    }
  }
  /** The elements of a chunk downstream, then the stream's stop or its next read. */
  const then = (emit: Array<A>, stop: Stop | undefined): Pull.Pull<Arr.NonEmptyReadonlyArray<A>, SkyError.SkyError> => {
    if (emit.length === 0) return stop ?? next
    // What reaches the caller makes the attempt's failure final (see retriedStream).
    call.emitted = true
    hooks.holding()
    stopped = stop
    return Effect.succeed(emit as unknown as Arr.NonEmptyReadonlyArray<A>)
  }
  const onBytes = (pieces: Arr.NonEmptyReadonlyArray<Uint8Array>): Pull.Pull<Arr.NonEmptyReadonlyArray<A>, SkyError.SkyError> => {
    // Once a deadline has passed, bytes a client still hands over (buffered before the abort) are not read.
    const timedOut = hooks.passed()
    if (timedOut !== undefined) return Effect.fail(timedOut)
    const emit: Array<A> = []
    let stop: Stop | undefined
    let evented = false
    for (const piece of pieces) {
      const decoded = events.push(text.decode(piece, streamed))
      if (Array.isArray(decoded) && decoded.length > 0) evented = true
      stop = step(decoded, emit)
      if (stop !== undefined) break
    }
    // Bytes that completed no event do not reset the idle deadline; events that gave no element do.
    if (evented && emit.length === 0) hooks.evented()
    return then(emit, stop)
  }
  const onEnd = (): Pull.Pull<Arr.NonEmptyReadonlyArray<A>, SkyError.SkyError> => {
    const timedOut = hooks.passed()
    if (timedOut !== undefined) return Effect.fail(timedOut)
    const emit: Array<A> = []
    // The text's last bytes, then the last event, which may end without its blank line.
    const stop = step(events.push(text.decode()), emit) ?? step(endedEvents(events.end(), call.secretTexts), emit, true) ??
      (endedEarly(surface, state)
        ? Effect.fail(invalidResponse(call, ctx(), "", Facts.prematureEndProblem(surface.endsAtEof)))
        : endStop)
    return then(emit, stop)
  }
  const next: Pull.Pull<Arr.NonEmptyReadonlyArray<A>, SkyError.SkyError> = Effect.suspend(() => {
    if (stopped !== undefined) return stopped
    const timedOut = hooks.passed()
    if (timedOut !== undefined) return Effect.fail(timedOut)
    hooks.asked()
    return Effect.matchEffect(bytes, {
      onSuccess: onBytes,
      onFailure: (error) => (Cause.isDone(error) ? onEnd() : Effect.fail(hooks.failure(error)))
    })
  })
  return next
}
