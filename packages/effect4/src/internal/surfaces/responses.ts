/**
 * What a responses stream means: `response.completed`, `.failed` or `.incomplete` ends it, an error event or a
 * failed response's error is an in-stream error, and its events fold into the final `Response`. The rules are
 * core's, shared with the Effect 3 line.
 *
 * @internal
 */
import * as Rules from "../../../../core/src/streamRules.js"
import * as Responses from "../../Responses.js"
import { fastChecker } from "../fastDecode.js"
import { end, jsonSurface, type StreamSurface, typeOf } from "../stream.js"

/** @internal */
export const isTerminal: (eventType: string) => boolean = Rules.isResponsesTerminal

/** @internal */
export const errorOf: (value: unknown) => unknown | undefined = Rules.responsesErrorOf

/** @internal */
export const accumulate: (events: Iterable<Responses.ResponseStreamEvent>) => Responses.Response =
  Rules.accumulateResponse

/** @internal */
export const surface: StreamSurface<Responses.ResponseStreamEvent> = jsonSurface({
  endsAtEof: false,
  errorOf,
  decode: fastChecker(Responses.ResponseStreamEvent),
  after: (value, event) => (isTerminal(typeOf(value, event)) ? end : undefined)
})
