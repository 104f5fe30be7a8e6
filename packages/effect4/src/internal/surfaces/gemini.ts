/**
 * What a Gemini stream means: it ends with its body, once a chunk carried a finish reason; a payload with a
 * meaningful `error` field is an in-stream error; its responses merge into one. The rules are core's, shared with
 * the Effect 3 line.
 *
 * @internal
 */
import * as Rules from "../../../../core/src/streamRules.js"
import * as Gemini from "../../Gemini.js"
import { fastChecker } from "../fastDecode.js"
import { complete, jsonSurface, type StreamSurface } from "../stream.js"

/** @internal */
export const errorOf: (value: unknown) => unknown | undefined = Rules.errorOfPayload

/** @internal */
export const isComplete: (response: Gemini.GenerateContentResponse) => boolean = Rules.hasFinishReason

/** @internal */
export const accumulate: (responses: Iterable<Gemini.GenerateContentResponse>) => Gemini.GenerateContentResponse =
  Rules.accumulateGemini

/** @internal */
export const surface: StreamSurface<Gemini.GenerateContentResponse> = jsonSurface({
  endsAtEof: true,
  errorOf,
  decode: fastChecker(Gemini.GenerateContentResponse),
  after: (value) => (isComplete(value) ? complete : undefined)
})
