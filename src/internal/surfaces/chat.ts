/**
 * What a chat completions stream means: `[DONE]` ends it, a payload with an `error` field is an in-stream
 * error, each other event is a `ChatCompletionChunk`; and the fold of the chunks into a `ChatCompletion`.
 *
 * @internal
 */
import { hasErrorField, nonEmpty } from "../../../packages/core/src/json.js"
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionMessage,
  Choice,
  CompletionUsage,
  ToolCall
} from "../../Chat.js"
import { ChatCompletionChunk as ChunkSchema } from "../../Chat.js"
import { fastDecoder } from "../fastDecode.js"
import { jsonSurface, type StreamSurface } from "../stream.js"

/**
 * Whether an SSE `data` payload is the `[DONE]` terminator.
 *
 * @internal
 */
export const isDone = (data: string): boolean => data.trim() === "[DONE]"

/**
 * If a JSON-parsed `data` payload is an in-stream error (an object whose
 * `error` field is a non-empty string or an object with at least one
 * non-zero value), returns the whole payload (an error body such as
 * `{"error": {"code": 2007, "message": "..."}}`) for the error decoder;
 * otherwise `undefined`. Go zero values (`"error": null`, `"error": ""`,
 * `"error": {"code": 0, "message": ""}`) are not errors.
 *
 * @internal
 */
export const errorOf = (value: unknown): unknown | undefined => (hasErrorField(value) ? value : undefined)

interface ToolCallAcc {
  id: string
  type: string
  name: string
  arguments: string
}

interface ChoiceAcc {
  index: number
  role: string | undefined
  content: string | undefined
  refusal: string | undefined
  reasoning: string | undefined
  toolCalls: Map<number, ToolCallAcc>
  lastToolCall: number | undefined
  finishReason: string | null
}

/**
 * Folds the chunks of a stream into the `ChatCompletion` the non-streamed
 * call returns:
 *
 * - `id`, `model`, `system_fingerprint`, `service_tier`: the first non-empty
 *   value; `created`: the first positive value (else `0`);
 * - per choice index: `delta.content`, `refusal` and `reasoning_content`
 *   concatenated (`content` is `null` when no chunk carried any), the first
 *   non-empty `role` (default `"assistant"`), tool-call fragments merged by
 *   their `index` (arguments concatenated, `id`/`name` from the first fragment
 *   that has them), the last non-empty `finish_reason`;
 * - `usage`: from the last chunk that has it.
 *
 * Total: it never throws, and an empty list gives an empty completion.
 *
 * @internal
 */
export const accumulate = (chunks: Iterable<ChatCompletionChunk>): ChatCompletion => {
  let id: string | undefined
  let model: string | undefined
  let created: number | undefined
  let fingerprint: string | undefined
  let serviceTier: string | undefined
  let usage: CompletionUsage | undefined
  const choices = new Map<number, ChoiceAcc>()

  for (const chunk of chunks) {
    if (id === undefined && nonEmpty(chunk.id)) id = chunk.id
    if (model === undefined && nonEmpty(chunk.model)) model = chunk.model
    if (created === undefined && typeof chunk.created === "number" && chunk.created > 0) created = chunk.created
    if (fingerprint === undefined && nonEmpty(chunk.system_fingerprint)) fingerprint = chunk.system_fingerprint
    if (serviceTier === undefined && nonEmpty(chunk.service_tier)) serviceTier = chunk.service_tier
    if (chunk.usage !== undefined && chunk.usage !== null) usage = chunk.usage

    for (const choice of chunk.choices) {
      let acc = choices.get(choice.index)
      if (acc === undefined) {
        acc = {
          index: choice.index,
          role: undefined,
          content: undefined,
          refusal: undefined,
          reasoning: undefined,
          toolCalls: new Map(),
          lastToolCall: undefined,
          finishReason: null
        }
        choices.set(choice.index, acc)
      }
      const delta = choice.delta
      if (acc.role === undefined && nonEmpty(delta.role)) acc.role = delta.role
      if (typeof delta.content === "string") acc.content = (acc.content ?? "") + delta.content
      if (typeof delta.refusal === "string") acc.refusal = (acc.refusal ?? "") + delta.refusal
      if (typeof delta.reasoning_content === "string") acc.reasoning = (acc.reasoning ?? "") + delta.reasoning_content
      for (const fragment of delta.tool_calls ?? []) {
        let index: number
        if (typeof fragment.index === "number") {
          index = fragment.index
        } else if (nonEmpty(fragment.id) || acc.lastToolCall === undefined) {
          // no index: a fragment with an id starts a new call, others continue the last one
          index = acc.toolCalls.size === 0 ? 0 : Math.max(...acc.toolCalls.keys()) + 1
        } else {
          index = acc.lastToolCall
        }
        let call = acc.toolCalls.get(index)
        if (call === undefined) {
          call = { id: "", type: "", name: "", arguments: "" }
          acc.toolCalls.set(index, call)
        }
        acc.lastToolCall = index
        if (call.id === "" && nonEmpty(fragment.id)) call.id = fragment.id
        if (call.type === "" && nonEmpty(fragment.type)) call.type = fragment.type
        const fn = fragment.function
        if (fn !== undefined && fn !== null) {
          if (call.name === "" && nonEmpty(fn.name)) call.name = fn.name
          if (typeof fn.arguments === "string") call.arguments += fn.arguments
        }
      }
      if (nonEmpty(choice.finish_reason)) acc.finishReason = choice.finish_reason
    }
  }

  const builtChoices: Array<Choice> = [...choices.values()]
    .sort((a, b) => a.index - b.index)
    .map((acc): Choice => {
      const toolCalls: Array<ToolCall> = [...acc.toolCalls.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, call]): ToolCall => ({
          id: call.id,
          type: call.type === "" ? "function" : call.type,
          function: { name: call.name, arguments: call.arguments }
        }))
      const message: ChatCompletionMessage = {
        role: acc.role ?? "assistant",
        content: acc.content ?? null,
        ...(acc.refusal !== undefined ? { refusal: acc.refusal } : {}),
        ...(acc.reasoning !== undefined ? { reasoning_content: acc.reasoning } : {}),
        ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {})
      }
      return { index: acc.index, message, finish_reason: acc.finishReason }
    })

  return {
    id: id ?? "",
    object: "chat.completion",
    created: created ?? 0,
    model: model ?? "",
    choices: builtChoices,
    ...(usage !== undefined ? { usage } : {}),
    ...(fingerprint !== undefined ? { system_fingerprint: fingerprint } : {}),
    ...(serviceTier !== undefined ? { service_tier: serviceTier } : {})
  }
}

/** The chat stream: ends at `[DONE]`. @internal */
export const surface: StreamSurface<ChatCompletionChunk> = jsonSurface({
  endsAtEof: false,
  errorOf,
  decode: fastDecoder(ChunkSchema),
  step: (emit) => ({ emit }),
  // A JSON object is never `[DONE]`: the common event skips the check.
  special: (data) => (data.charCodeAt(0) !== 123 && isDone(data) ? { end: true } : undefined)
})
