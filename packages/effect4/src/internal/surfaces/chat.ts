/**
 * What a chat stream means: `data: [DONE]` ends it, a payload with a meaningful `error` field is an in-stream
 * error, and its chunks fold into the `ChatCompletion` the plain call returns. The rules are core's, shared with
 * the Effect 3 line.
 *
 * @internal
 */
import * as Rules from "../../../../core/src/streamRules.js"
import * as Chat from "../../Chat.js"
import { fastChecker } from "../fastDecode.js"
import { end, jsonSurface, type StreamSurface } from "../stream.js"

/** @internal */
export const isDone: (data: string) => boolean = Rules.isDone

/** @internal */
export const errorOf: (value: unknown) => unknown | undefined = Rules.errorOfPayload

/** @internal */
export const accumulate: (chunks: Iterable<Chat.ChatCompletionChunk>) => Chat.ChatCompletion = Rules.accumulateChat

/** @internal */
export const surface: StreamSurface<Chat.ChatCompletionChunk> = jsonSurface({
  endsAtEof: false,
  errorOf,
  decode: fastChecker(Chat.ChatCompletionChunk),
  // A JSON object is never `[DONE]`: the common event skips the check.
  special: (data) => (data.charCodeAt(0) !== 123 && isDone(data) ? end : undefined)
})
