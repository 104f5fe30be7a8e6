/**
 * What a stream's events mean to a surface (chat, responses, messages, Gemini), without Effect: each line's stream
 * machine reads the body into events (`sse.ts`), steps them here, and turns what stops the stream into its own
 * failure or end.
 *
 * @internal
 */
import type { Event } from "./sse.js"
import { cutEventProblem } from "./callEvidence.js"
import { scrubTail } from "./evidence.js"
import { NotJson, parseJsonValue } from "./json.js"

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
  | {
    readonly _tag: "Invalid"
    readonly problem: { readonly message: string }
    /** The event's data is not JSON (rather than JSON the surface does not decode). */
    readonly notJson?: true
  }

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

/**
 * Why a decoder's value did not decode (each line's schema error). A class, so that it is told from any decoded
 * value by `instanceof` (the surfaces' schemas decode to plain objects).
 *
 * @internal
 */
export class NotDecoded<E extends { readonly message: string } = { readonly message: string }> {
  constructor(readonly error: E) {}
  get message(): string {
    return this.error.message
  }
}

/**
 * Decodes one event's JSON payload, synchronously: the value, or why not.
 *
 * @internal
 */
export type EventDecoder<A> = (u: unknown) => A | NotDecoded

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
    if (parsed instanceof NotJson) return { _tag: "Invalid", problem: { message: `the event is ${parsed.message}` }, notJson: true }
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

/**
 * What a stream has seen of its surface's rules so far: its terminator (`ended`), or that the end of the body may
 * end it (`complete`).
 *
 * @internal
 */
export interface StepState {
  ended: boolean
  complete: boolean
}

/**
 * What stops a stream at an event: its terminator, an error the gateway sent in it, or an event that does not
 * decode (`data`: the event's own text, kept as evidence).
 *
 * @internal
 */
export type Stop =
  | { readonly _tag: "End" }
  | { readonly _tag: "Error"; readonly error: unknown }
  | { readonly _tag: "Invalid"; readonly data: string; readonly problem: { readonly message: string } }

/**
 * Steps `events` through `surface`, pushing the elements on `emit` and noting the terminator and completion in
 * `state`; gives what stops the stream there, if anything does (the events after it are not read).
 *
 * `cut`: the events are the ones the body's end gave (`EventDecoder.end`: the last event, without its blank line);
 * one of them whose data is not JSON was cut by the end of the body, and says so (`cutEventProblem`), its text
 * kept; one that decodes counts as any other.
 *
 * @internal
 */
export const stepEvents = <A>(
  surface: StreamSurface<A>,
  events: ReadonlyArray<Event>,
  emit: Array<A>,
  state: StepState,
  cut: boolean = false
): Stop | undefined => {
  for (const event of events) {
    const outcome = surface.step(event, emit)
    if (outcome === undefined) continue
    switch (outcome._tag) {
      case "Complete":
        state.complete = true
        continue
      case "End":
        state.ended = true
        return outcome
      case "Error":
        return outcome
      case "Invalid":
        return { _tag: "Invalid", data: event.data, problem: cut && outcome.notJson === true ? cutEvent : outcome.problem }
    }
  }
  return undefined
}

const cutEvent = { message: cutEventProblem } as const

/**
 * The events the body's end gave (`EventDecoder.end`: the last, without its blank line; or the decoder's
 * complaint), each one's data a text cut short: its end, when it starts a secret, is redacted (`scrubTail`), as
 * a body's cut short is, before it is stepped (`stepEvents` with `cut`) and shown. Once per stream, at its end.
 *
 * @since 1.0.0
 * @category streams
 * @internal
 */
export const endedEvents = (
  ended: Array<Event> | { readonly message: string },
  secrets: ReadonlyArray<string>
): Array<Event> | { readonly message: string } => {
  if (!Array.isArray(ended)) return ended
  for (let i = 0; i < ended.length; i++) {
    const event = ended[i]!
    const data = scrubTail(event.data, secrets)
    if (data !== event.data) ended[i] = { ...event, data }
  }
  return ended
}

/**
 * Whether a body that ended here ended too early: before its terminator, or (a surface whose terminator is the
 * end of the body) before its completion.
 *
 * @internal
 */
export const endedEarly = <A>(surface: StreamSurface<A>, state: StepState): boolean =>
  !(state.ended || (surface.endsAtEof && state.complete))
