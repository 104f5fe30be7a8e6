/**
 * What a messages stream means: `message_stop` ends it, an `error` event is an in-stream error, and its events
 * fold into the final `Message`. The rules are core's, shared with the Effect 3 line.
 *
 * @internal
 */
import * as Rules from "../../../../core/src/streamRules.js"
import * as Messages from "../../Messages.js"
import { fastChecker } from "../fastDecode.js"
import { end, jsonSurface, type StreamSurface, typeOf } from "../stream.js"

/** @internal */
export const isTerminal: (eventType: string) => boolean = Rules.isMessagesTerminal

/** @internal */
export const errorOf: (value: unknown) => unknown | undefined = Rules.messagesErrorOf

/** @internal */
export const accumulate: (events: Iterable<Messages.MessageStreamEvent>) => Messages.Message = Rules.accumulateMessage

/** @internal */
export const surface: StreamSurface<Messages.MessageStreamEvent> = jsonSurface({
  endsAtEof: false,
  errorOf,
  decode: fastChecker(Messages.MessageStreamEvent),
  after: (value, event) => (isTerminal(typeOf(value, event)) ? end : undefined)
})
