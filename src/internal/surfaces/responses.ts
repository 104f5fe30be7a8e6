/**
 * What a responses stream means: `response.completed`, `response.failed` or `response.incomplete` ends it,
 * error events and a failed response's error are in-stream errors; and the fold of the events into a `Response`.
 *
 * @internal
 */
import { hasErrorField, isMeaningful, isRecord, nonEmpty } from "../../../packages/core/src/json.js"
import type { OutputItem, Response, ResponseErrorObject, ResponseStreamEvent } from "../../Responses.js"
import { isEventType, ResponseStreamEvent as EventSchema } from "../../Responses.js"
import { fastDecoder } from "../fastDecode.js"
import { jsonSurface, type StreamSurface, typeOf } from "../stream.js"

const terminalTypes: ReadonlyArray<string> = ["response.completed", "response.failed", "response.incomplete"]

/**
 * Whether an event type ends the stream: `response.completed`,
 * `response.failed` or `response.incomplete`.
 *
 * @internal
 */
export const isTerminal = (eventType: string): boolean => terminalTypes.includes(eventType.trim())

/**
 * If a JSON-parsed `data` payload is an in-stream error, returns an error
 * body for the error decoder, otherwise `undefined`:
 *
 * - a `response.error` or `error` event: the event itself (it carries
 *   `error: {code, message}`, or `code`/`message` at the top level);
 * - a `response.failed` event whose `response.error` is set:
 *   `{ error: response.error }`;
 * - any other object whose `error` field is a non-empty string or an object
 *   with a non-zero value: the payload itself.
 *
 * @internal
 */
export const errorOf = (value: unknown): unknown | undefined => {
  if (!isRecord(value)) return undefined
  if (value.type === "response.error" || value.type === "error") return value
  if (value.type === "response.failed" && isRecord(value.response)) {
    const error = value.response.error
    if (nonEmpty(error) || (isRecord(error) && isMeaningful(error))) return { error }
    return undefined
  }
  return hasErrorField(value) ? value : undefined
}

interface ItemAcc {
  item: Record<string, unknown> & { type: string }
  parts: Map<number, Record<string, unknown>>
}

const partsOf = (item: Record<string, unknown>): Map<number, Record<string, unknown>> => {
  const parts = new Map<number, Record<string, unknown>>()
  if (Array.isArray(item.content)) {
    item.content.forEach((part: unknown, index) => {
      if (isRecord(part)) parts.set(index, { ...part })
    })
  }
  return parts
}

const slot = (index: number | null | undefined): number =>
  typeof index === "number" && Number.isFinite(index) ? index : 0

/**
 * Folds the events of a stream into the `Response` the non-streamed call
 * returns:
 *
 * - the `response` of the last terminal event (`response.completed`,
 *   `response.failed`, `response.incomplete`), with its `output` filled from
 *   the deltas when the gateway sent it empty;
 * - without a terminal event, the latest `response` snapshot
 *   (`response.created` / `response.in_progress`, or an empty skeleton) with
 *   the `output` built from `output_item.*`, `content_part.*`,
 *   `output_text.*` and `function_call_arguments.*` events, and the error of
 *   a `response.error` / `error` event (status `"failed"`).
 *
 * Total: it never throws.
 *
 * @internal
 */
export const accumulate = (events: Iterable<ResponseStreamEvent>): Response => {
  let snapshot: Response | undefined
  let terminal: Response | undefined
  let streamError: ResponseErrorObject | undefined
  const items = new Map<number, ItemAcc>()
  const itemIndexById = new Map<string, number>()

  const nextIndex = (): number => (items.size === 0 ? 0 : Math.max(...items.keys()) + 1)
  const lastIndex = (): number => (items.size === 0 ? 0 : Math.max(...items.keys()))

  const indexOf = (outputIndex: number | null | undefined, itemId: unknown): number => {
    if (typeof outputIndex === "number" && Number.isFinite(outputIndex)) return outputIndex
    if (nonEmpty(itemId)) {
      const known = itemIndexById.get(itemId)
      if (known !== undefined) return known
    }
    return lastIndex()
  }

  const itemAt = (index: number, itemId: string | null | undefined, type: string): ItemAcc => {
    let acc = items.get(index)
    if (acc === undefined) {
      const item: ItemAcc["item"] = type === "message"
        ? { type, role: "assistant", content: [] }
        : { type, call_id: "", name: "", arguments: "" }
      if (nonEmpty(itemId)) item.id = itemId
      acc = { item, parts: new Map() }
      items.set(index, acc)
    }
    if (nonEmpty(itemId)) itemIndexById.set(itemId, index)
    return acc
  }

  const textPartAt = (acc: ItemAcc, index: number): Record<string, unknown> => {
    let part = acc.parts.get(index)
    if (part === undefined) {
      part = { type: "output_text", text: "", annotations: [] }
      acc.parts.set(index, part)
    }
    return part
  }

  for (const event of events) {
    if (isEventType(event, "response.created") || isEventType(event, "response.in_progress")) {
      snapshot = event.response
    } else if (
      isEventType(event, "response.completed") ||
      isEventType(event, "response.failed") ||
      isEventType(event, "response.incomplete")
    ) {
      terminal = event.response
    } else if (isEventType(event, "response.output_item.added") || isEventType(event, "response.output_item.done")) {
      const item: ItemAcc["item"] = { ...(event.item as Record<string, unknown>), type: event.item.type }
      const index = typeof event.output_index === "number" || (nonEmpty(item.id) && itemIndexById.has(item.id))
        ? indexOf(event.output_index, item.id)
        : event.type === "response.output_item.added"
        ? nextIndex()
        : lastIndex()
      const existing = items.get(index)
      const parts = partsOf(item)
      if (existing !== undefined && nonEmpty(existing.item.arguments) && !nonEmpty(item.arguments)) {
        item.arguments = existing.item.arguments
      }
      // an item sent again without content (a gateway stub) keeps the parts built so far
      items.set(index, { item, parts: parts.size === 0 && existing !== undefined ? existing.parts : parts })
      if (nonEmpty(item.id)) itemIndexById.set(item.id, index)
    } else if (
      isEventType(event, "response.content_part.added") || isEventType(event, "response.content_part.done")
    ) {
      const acc = itemAt(indexOf(event.output_index, event.item_id), event.item_id, "message")
      const at = slot(event.content_index)
      const existing = acc.parts.get(at)
      const part: Record<string, unknown> = { ...(event.part as Record<string, unknown>) }
      if (existing !== undefined && nonEmpty(existing.text) && !nonEmpty(part.text)) part.text = existing.text
      acc.parts.set(at, part)
    } else if (isEventType(event, "response.output_text.delta")) {
      const acc = itemAt(indexOf(event.output_index, event.item_id), event.item_id, "message")
      const part = textPartAt(acc, slot(event.content_index))
      part.text = (typeof part.text === "string" ? part.text : "") + event.delta
    } else if (isEventType(event, "response.output_text.done")) {
      if (typeof event.text === "string") {
        const acc = itemAt(indexOf(event.output_index, event.item_id), event.item_id, "message")
        textPartAt(acc, slot(event.content_index)).text = event.text
      }
    } else if (isEventType(event, "response.function_call_arguments.delta")) {
      const { item } = itemAt(indexOf(event.output_index, event.item_id), event.item_id, "function_call")
      item.arguments = (typeof item.arguments === "string" ? item.arguments : "") + event.delta
    } else if (isEventType(event, "response.function_call_arguments.done")) {
      if (typeof event.arguments === "string") {
        itemAt(indexOf(event.output_index, event.item_id), event.item_id, "function_call").item.arguments =
          event.arguments
      }
    } else if (isEventType(event, "response.error")) {
      streamError = event.error ?? {}
    } else if (isEventType(event, "error")) {
      streamError = {
        ...(event.code !== undefined ? { code: event.code } : {}),
        ...(event.message !== undefined ? { message: event.message } : {})
      }
    }
  }

  const built = [...items.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, { item, parts }]) => {
      const output: Record<string, unknown> = { ...item }
      if (parts.size > 0 || Array.isArray(item.content)) {
        output.content = [...parts.entries()].sort(([a], [b]) => a - b).map(([, part]) => part)
      }
      return output as unknown as OutputItem
    })

  if (terminal !== undefined) {
    return terminal.output.length === 0 && built.length > 0 ? { ...terminal, output: built } : terminal
  }
  const base: Response = snapshot ?? { id: "", object: "response", created_at: 0, status: "in_progress", output: [] }
  return {
    ...base,
    output: built.length > 0 ? built : base.output,
    ...(streamError !== undefined ? { status: "failed", error: streamError } : {})
  }
}

/** The responses stream: ends at a terminal event. @internal */
export const surface: StreamSurface<ResponseStreamEvent> = jsonSurface({
  endsAtEof: false,
  errorOf,
  decode: fastDecoder(EventSchema),
  step: (emit, event) => ({ emit, end: isTerminal(typeOf(emit, event)) })
})
