/**
 * What a Gemini stream means: it ends with the body, once a chunk has carried a finish reason; a payload with
 * an `error` field is an in-stream error; and the fold of the responses into one `GenerateContentResponse`.
 *
 * @internal
 */
import { hasErrorField, nonEmpty } from "../../../packages/core/src/json.js"
import type { Candidate, GenerateContentResponse } from "../../Gemini.js"
import { GenerateContentResponse as ResponseSchema } from "../../Gemini.js"
import { fastDecoder } from "../fastDecode.js"
import { jsonSurface, type StreamSurface } from "../stream.js"

/**
 * If a JSON-parsed `data` payload is an in-stream error (an object whose
 * `error` field is a non-empty string or an object with a non-zero value,
 * e.g. `{"error": {"code": 429, "message": "...", "status":
 * "RESOURCE_EXHAUSTED"}}`), returns the whole payload for the error decoder;
 * otherwise `undefined`.
 *
 * @internal
 */
export const errorOf = (value: unknown): unknown | undefined => (hasErrorField(value) ? value : undefined)

interface CandidateAcc {
  index: number
  fields: Record<string, unknown>
  role: string | undefined
  parts: Array<Record<string, unknown>>
}

const isTextPart = (part: Record<string, unknown>): boolean =>
  typeof part.text === "string" &&
  Object.keys(part).every((key) => key === "text" || key === "thought" || key === "thoughtSignature")

/**
 * Folds the responses of a stream into the response the non-streamed call
 * returns: per candidate index (its position in the response when the
 * server omits `index`), consecutive text parts are
 * joined (thought text separately from answer text), other parts are kept in
 * order, and the candidate's other fields (`finishReason`, `safetyRatings`,
 * ...) come from the last response that has them; `usageMetadata`,
 * `modelVersion`, `responseId`, `promptFeedback` and `sdkHttpResponse` from
 * the last response that has them.
 *
 * Total: it never throws, and an empty list gives `{ candidates: [] }`.
 *
 * @internal
 */
export const accumulate = (responses: Iterable<GenerateContentResponse>): GenerateContentResponse => {
  const top: Record<string, unknown> = {}
  const candidates = new Map<number, CandidateAcc>()

  for (const response of responses) {
    for (const [key, value] of Object.entries(response)) {
      if (key === "candidates" || value === null || value === undefined) continue
      top[key] = value
    }
    response.candidates.forEach((candidate, position) => {
      const index = candidate.index ?? position
      let acc = candidates.get(index)
      if (acc === undefined) {
        acc = { index, fields: {}, role: undefined, parts: [] }
        candidates.set(index, acc)
      }
      for (const [key, value] of Object.entries(candidate)) {
        if (key === "content" || key === "index" || value === null || value === undefined) continue
        acc.fields[key] = value
      }
      const content = candidate.content
      if (content === null || content === undefined) return
      if (acc.role === undefined && nonEmpty(content.role)) acc.role = content.role
      for (const part of content.parts) {
        const incoming: Record<string, unknown> = { ...(part as Record<string, unknown>) }
        const last = acc.parts[acc.parts.length - 1]
        if (
          last !== undefined && isTextPart(last) && isTextPart(incoming) &&
          (last.thought === true) === (incoming.thought === true)
        ) {
          last.text = String(last.text) + String(incoming.text)
          if (!nonEmpty(last.thoughtSignature) && nonEmpty(incoming.thoughtSignature)) {
            last.thoughtSignature = incoming.thoughtSignature
          }
        } else {
          acc.parts.push(incoming)
        }
      }
    })
  }

  const built = [...candidates.values()]
    .sort((a, b) => a.index - b.index)
    .map((acc) => ({
      ...acc.fields,
      index: acc.index,
      content: { ...(acc.role !== undefined ? { role: acc.role } : {}), parts: acc.parts }
    }) as unknown as Candidate)

  return { ...(top as Omit<GenerateContentResponse, "candidates">), candidates: built }
}

/** Whether a response carries a finish reason: after it, the end of the body completes the stream. @internal */
export const isComplete = (response: GenerateContentResponse): boolean =>
  (response.candidates ?? []).some((c) => typeof c.finishReason === "string" && c.finishReason !== "")

/** The Gemini stream: ends with the body, after a finish reason. @internal */
export const surface: StreamSurface<GenerateContentResponse> = jsonSurface({
  endsAtEof: true,
  errorOf,
  decode: fastDecoder(ResponseSchema),
  step: (emit) => ({ emit, complete: isComplete(emit) })
})
