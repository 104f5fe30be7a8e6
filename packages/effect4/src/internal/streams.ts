/**
 * Each surface's stream rules in one place: how its events decode, which is its terminator, which payload is an
 * in-stream error, and when a stream that ends with its body is complete. The rules themselves are core's
 * (`streamRules.ts`), shared with the Effect 3 line; this module binds them to this line's schemas.
 *
 * @internal
 */
import * as Result from "effect/Result"
import { parseJson } from "../../../core/src/json.js"
import type { Event } from "../../../core/src/sse.js"
import * as Rules from "../../../core/src/streamRules.js"
import * as Chat from "../Chat.js"
import * as Gemini from "../Gemini.js"
import * as Messages from "../Messages.js"
import * as Responses from "../Responses.js"
import { fastDecoder } from "./fastDecode.js"
import type { Step, StreamSurface } from "./stream.js"

type EventDecoder<A> = (u: unknown) => Result.Result<A, { readonly message: string }>

/** An error body the gateway sent inside a stream. */
const errorStep = (error: unknown): Result.Result<Step<never>, never> => Result.succeed({ error })

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
  readonly step: (value: A, event: Event) => Step<A>
  /** A data payload that is not JSON but means something (chat's `[DONE]`). */
  readonly special?: (data: string) => Step<A> | undefined
}): StreamSurface<A> => ({
  endsAtEof: options.endsAtEof,
  // Straight-line code: this runs once per event.
  step: (event) => {
    const special = options.special?.(event.data)
    if (special !== undefined) return Result.succeed(special)
    const parsed = parseJson(event.data)
    if (event.event === "error" || event.event === "response.error") {
      // An error event fails the stream whatever its data: JSON or plain text, the wire decoder reads both.
      const data = parsed._tag === "Right" ? parsed.value : event.data
      return errorStep(options.errorOf(data) ?? data)
    }
    if (parsed._tag === "Left") return Result.fail({ message: `the event is ${parsed.problem.message}` })
    const error = options.errorOf(parsed.value)
    if (error !== undefined) return errorStep(error)
    const decoded = options.decode(parsed.value)
    return Result.isFailure(decoded) ? Result.fail(decoded.failure) : Result.succeed(options.step(decoded.success, event))
  }
})

const typeOf = (value: { readonly type?: unknown }, event: Event): string =>
  typeof value.type === "string" ? value.type : event.event

/**
 * The four streamed surfaces.
 *
 * @internal
 */
export const surfaces: {
  readonly chat: StreamSurface<Chat.ChatCompletionChunk>
  readonly responses: StreamSurface<Responses.ResponseStreamEvent>
  readonly messages: StreamSurface<Messages.MessageStreamEvent>
  readonly gemini: StreamSurface<Gemini.GenerateContentResponse>
} = {
  chat: jsonSurface({
    endsAtEof: false,
    errorOf: Rules.errorOfPayload,
    decode: fastDecoder(Chat.ChatCompletionChunk),
    step: (emit) => ({ emit }),
    // A JSON object is never `[DONE]`: the common event skips the check.
    special: (data) => (data.charCodeAt(0) !== 123 && Rules.isDone(data) ? { end: true } : undefined)
  }),
  responses: jsonSurface({
    endsAtEof: false,
    errorOf: Rules.responsesErrorOf,
    decode: fastDecoder(Responses.ResponseStreamEvent),
    step: (emit, event) => ({ emit, end: Rules.isResponsesTerminal(typeOf(emit, event)) })
  }),
  messages: jsonSurface({
    endsAtEof: false,
    errorOf: Rules.messagesErrorOf,
    decode: fastDecoder(Messages.MessageStreamEvent),
    step: (emit, event) => ({ emit, end: Rules.isMessagesTerminal(typeOf(emit, event)) })
  }),
  gemini: jsonSurface({
    endsAtEof: true,
    errorOf: Rules.errorOfPayload,
    decode: fastDecoder(Gemini.GenerateContentResponse),
    step: (emit) => ({ emit, complete: Rules.hasFinishReason(emit) })
  })
}

/**
 * A streamed surface's name, as `SkyClient.collect` takes it.
 *
 * @internal
 */
export type Surface = keyof typeof surfaces

/**
 * What collecting each surface's stream gives: the value its plain call returns.
 *
 * @internal
 */
export interface Collected {
  readonly chat: Chat.ChatCompletion
  readonly responses: Responses.Response
  readonly messages: Messages.Message
  readonly gemini: Gemini.GenerateContentResponse
}

/**
 * The element of each surface's stream.
 *
 * @internal
 */
export interface Element {
  readonly chat: Chat.ChatCompletionChunk
  readonly responses: Responses.ResponseStreamEvent
  readonly messages: Messages.MessageStreamEvent
  readonly gemini: Gemini.GenerateContentResponse
}

/**
 * The fold of each surface's finished stream (core's, typed by this line's schemas).
 *
 * @internal
 */
export const accumulate: { readonly [S in Surface]: (elements: Iterable<Element[S]>) => Collected[S] } = {
  chat: Rules.accumulateChat,
  responses: Rules.accumulateResponse,
  messages: Rules.accumulateMessage,
  gemini: Rules.accumulateGemini
}
