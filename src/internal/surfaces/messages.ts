/**
 * What an Anthropic messages stream means: `message_stop` ends it, an `error` event (or a payload with an
 * `error` field) is an in-stream error; and the fold of the events into a `Message`.
 *
 * @internal
 */
import { hasErrorField, isMeaningful, isRecord, nonEmpty, parseJson } from "../../../packages/core/src/json.js"
import type { ContentBlock, Message, MessageDeltaUsage, MessageStreamEvent, Usage } from "../../Messages.js"
import { isEventType, MessageStreamEvent as EventSchema } from "../../Messages.js"
import { fastDecoder } from "../fastDecode.js"
import { jsonSurface, type StreamSurface, typeOf } from "../stream.js"

/**
 * Whether an event type ends the stream (`message_stop`).
 *
 * @internal
 */
export const isTerminal = (eventType: string): boolean => eventType.trim() === "message_stop"

/**
 * If a JSON-parsed `data` payload is an in-stream error, returns it whole
 * (an error body such as `{"type": "error", "request_id": "...", "error":
 * {"type": "...", "message": "..."}}`) for the error decoder, otherwise
 * `undefined`. An `error` event always is one; another object is one when its
 * `error` field is a non-empty string or an object with a non-zero value (so
 * the gateway's Go zero values, `"error": null` or `{"type": "", "message":
 * ""}` on an ordinary event, are not).
 *
 * @internal
 */
export const errorOf = (value: unknown): unknown | undefined => {
  if (!isRecord(value)) return undefined
  if (value.type === "error") return value
  return hasErrorField(value) ? value : undefined
}

const mergeUsage = (usage: Usage, delta: MessageDeltaUsage): Usage => {
  const merged: Record<string, unknown> = { ...usage }
  for (const [key, value] of Object.entries(delta)) {
    if (value === null || value === undefined) continue
    if (typeof value === "number") {
      // the delta's counts are cumulative; a Go zero value never replaces a real count
      if (value > 0 || typeof merged[key] !== "number") merged[key] = value
    } else if (!isMeaningful(merged[key]) || isMeaningful(value)) {
      merged[key] = value
    }
  }
  return merged as unknown as Usage
}

/**
 * Folds the events of a stream into the `Message` the non-streamed call
 * returns: `message_start`'s message, with each block of
 * `content_block_start` placed at its index, `text_delta` / `thinking_delta`
 * text appended, `signature_delta` appended to `signature`, and the
 * `input_json_delta` fragments of a `tool_use` block joined and JSON-parsed
 * into `input` (`{}` when they are all empty; the raw joined string when it
 * does not parse, or nests deeper than the client's JSON depth limit, rather
 * than throwing). `stop_reason`, `stop_sequence` and `usage` come from `message_delta` (usage merged into the start's usage;
 * a zero never replaces a non-zero count).
 *
 * Total: it never throws; without `message_start` it starts from an empty
 * assistant message.
 *
 * @internal
 */
export const accumulate = (events: Iterable<MessageStreamEvent>): Message => {
  let message: Message | undefined
  let stopReason: string | null | undefined
  let stopSequence: string | null | undefined
  let usage: Usage | undefined
  const blocks = new Map<number, Record<string, unknown>>()
  const json = new Map<number, string>()

  const blockAt = (index: number, type: string): Record<string, unknown> => {
    let block = blocks.get(index)
    if (block === undefined) {
      block = type === "tool_use"
        ? { type, id: "", name: "", input: {} }
        : type === "thinking"
        ? { type, thinking: "", signature: "" }
        : { type, text: "" }
      blocks.set(index, block)
    }
    return block
  }

  for (const event of events) {
    if (isEventType(event, "message_start")) {
      if (message === undefined) {
        message = event.message
        usage = event.message.usage
        event.message.content.forEach((block, index) => {
          blocks.set(index, { ...(block as Record<string, unknown>) })
        })
      }
    } else if (isEventType(event, "content_block_start")) {
      blocks.set(event.index, { ...(event.content_block as Record<string, unknown>) })
      json.delete(event.index)
    } else if (isEventType(event, "content_block_delta")) {
      const delta = event.delta as Record<string, unknown>
      const index = event.index
      switch (delta.type) {
        case "text_delta": {
          const block = blockAt(index, "text")
          block.text = (typeof block.text === "string" ? block.text : "") + String(delta.text ?? "")
          break
        }
        case "thinking_delta": {
          const block = blockAt(index, "thinking")
          block.thinking = (typeof block.thinking === "string" ? block.thinking : "") + String(delta.thinking ?? "")
          break
        }
        case "signature_delta": {
          const block = blockAt(index, "thinking")
          block.signature = (typeof block.signature === "string" ? block.signature : "") +
            String(delta.signature ?? "")
          break
        }
        case "input_json_delta": {
          blockAt(index, "tool_use")
          json.set(index, (json.get(index) ?? "") + String(delta.partial_json ?? ""))
          break
        }
        case "citations_delta": {
          const block = blockAt(index, "text")
          const citations = Array.isArray(block.citations) ? [...block.citations] : []
          if (delta.citation !== undefined) citations.push(delta.citation)
          block.citations = citations
          break
        }
        default:
          break
      }
    } else if (isEventType(event, "message_delta")) {
      if (nonEmpty(event.delta.stop_reason)) stopReason = event.delta.stop_reason
      if (event.delta.stop_sequence !== undefined) stopSequence = event.delta.stop_sequence
      if (event.usage !== undefined && event.usage !== null) {
        usage = mergeUsage(usage ?? { input_tokens: 0, output_tokens: 0 }, event.usage)
      }
    }
  }

  for (const [index, raw] of json) {
    const block = blocks.get(index)
    if (block === undefined) continue
    if (raw.trim() === "") {
      block.input = {}
      continue
    }
    const parsed = parseJson(raw)
    block.input = parsed._tag === "Right" ? parsed.value : raw
  }

  const base: Message = message ?? {
    id: "",
    type: "message",
    role: "assistant",
    model: "",
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 0, output_tokens: 0 }
  }
  const content = [...blocks.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, block]) => block as unknown as ContentBlock)

  return {
    ...base,
    content,
    ...(stopReason !== undefined ? { stop_reason: stopReason } : {}),
    ...(stopSequence !== undefined ? { stop_sequence: stopSequence } : {}),
    usage: usage ?? base.usage
  }
}

/** The messages stream: ends at `message_stop`. @internal */
export const surface: StreamSurface<MessageStreamEvent> = jsonSurface({
  endsAtEof: false,
  errorOf,
  decode: fastDecoder(EventSchema),
  step: (emit, event) => ({ emit, end: isTerminal(typeOf(emit, event)) })
})
