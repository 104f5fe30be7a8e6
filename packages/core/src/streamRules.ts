/**
 * Each surface's stream rules, and the fold of a finished stream into what the plain call returns. Plain
 * TypeScript over parsed JSON, no Effect: both lines' clients and `collect` use these, typed by their own schemas.
 *
 * @internal
 */
import { hasErrorField, isMeaningful, isRecord, nonEmpty, parseJson } from "./json.js"

/**
 * A decoded stream element or response, as the folds read it: the line's schema gives its type; every fold is
 * total on any JSON of the shape.
 *
 * @internal
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any

// -----------------------------------------------------------------------------
// the rules
// -----------------------------------------------------------------------------

/**
 * Chat's terminator: a `data: [DONE]` payload.
 *
 * @internal
 */
export const isDone = (data: string): boolean => data.trim() === "[DONE]"

/**
 * An in-stream error of a chat or Gemini stream: a payload whose `error` field is a non-empty string or an object
 * with a non-zero value (the gateway's Go zero values are not), returned whole for the error decoder.
 *
 * @internal
 */
export const errorOfPayload = (value: unknown): unknown | undefined => (hasErrorField(value) ? value : undefined)

const responsesTerminalTypes: ReadonlyArray<string> = ["response.completed", "response.failed", "response.incomplete"]

/**
 * Whether a responses event type ends the stream: `response.completed`, `response.failed`, `response.incomplete`.
 *
 * @internal
 */
export const isResponsesTerminal = (eventType: string): boolean => responsesTerminalTypes.includes(eventType.trim())

/**
 * An in-stream error of a responses stream: a `response.error` or `error` event itself; a `response.failed`
 * event's set `response.error` as `{ error }`; any other object with a meaningful `error` field.
 *
 * @internal
 */
export const responsesErrorOf = (value: unknown): unknown | undefined => {
  if (!isRecord(value)) return undefined
  if (value.type === "response.error" || value.type === "error") return value
  if (value.type === "response.failed" && isRecord(value.response)) {
    const error = value.response.error
    if (nonEmpty(error) || (isRecord(error) && isMeaningful(error))) return { error }
    return undefined
  }
  return hasErrorField(value) ? value : undefined
}

/**
 * Whether a messages event type ends the stream (`message_stop`).
 *
 * @internal
 */
export const isMessagesTerminal = (eventType: string): boolean => eventType.trim() === "message_stop"

/**
 * An in-stream error of a messages stream: an `error` event, or an object with a meaningful `error` field.
 *
 * @internal
 */
export const messagesErrorOf = (value: unknown): unknown | undefined => {
  if (!isRecord(value)) return undefined
  if (value.type === "error") return value
  return hasErrorField(value) ? value : undefined
}

/**
 * Whether a Gemini response carries a finish reason: its stream may then end with the body.
 *
 * @internal
 */
export const hasFinishReason = (response: { readonly candidates?: ReadonlyArray<unknown> | null | undefined }): boolean =>
  (response.candidates ?? []).some((c) => isRecord(c) && typeof c.finishReason === "string" && c.finishReason !== "")

const isEventType = (event: Loose, type: string): boolean => event.type === type

// -----------------------------------------------------------------------------
// chat
// -----------------------------------------------------------------------------

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
 * Folds the chunks of a chat stream into the `ChatCompletion` the non-streamed
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
export const accumulateChat = (chunks: Iterable<Loose>): Loose => {
  let id: string | undefined
  let model: string | undefined
  let created: number | undefined
  let fingerprint: string | undefined
  let serviceTier: string | undefined
  let usage: Loose | undefined
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

  const builtChoices: Array<Loose> = [...choices.values()]
    .sort((a, b) => a.index - b.index)
    .map((acc): Loose => {
      const toolCalls: Array<Loose> = [...acc.toolCalls.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, call]): Loose => ({
          id: call.id,
          type: call.type === "" ? "function" : call.type,
          function: { name: call.name, arguments: call.arguments }
        }))
      const message: Loose = {
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

// -----------------------------------------------------------------------------
// responses
// -----------------------------------------------------------------------------

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
 * Folds the events of a responses stream into the `Response` the non-streamed call returns. Total.
 *
 * @internal
 */
export const accumulateResponse = (events: Iterable<Loose>): Loose => {
  let snapshot: Loose | undefined
  let terminal: Loose | undefined
  let streamError: Loose | undefined
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
      return output as unknown as Loose
    })

  if (terminal !== undefined) {
    return terminal.output.length === 0 && built.length > 0 ? { ...terminal, output: built } : terminal
  }
  const base: Loose = snapshot ?? { id: "", object: "response", created_at: 0, status: "in_progress", output: [] }
  return {
    ...base,
    output: built.length > 0 ? built : base.output,
    ...(streamError !== undefined ? { status: "failed", error: streamError } : {})
  }
}

// -----------------------------------------------------------------------------
// messages
// -----------------------------------------------------------------------------

const mergeUsage = (usage: Loose, delta: Loose): Loose => {
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
  return merged as unknown as Loose
}

/**
 * Folds the events of a messages stream into the `Message` the non-streamed call returns. Total.
 *
 * @internal
 */
export const accumulateMessage = (events: Iterable<Loose>): Loose => {
  let message: Loose | undefined
  let stopReason: string | null | undefined
  let stopSequence: string | null | undefined
  let usage: Loose | undefined
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
        event.message.content.forEach((block: Loose, index: number) => {
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

  const base: Loose = message ?? {
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
    .map(([, block]) => block as unknown as Loose)

  return {
    ...base,
    content,
    ...(stopReason !== undefined ? { stop_reason: stopReason } : {}),
    ...(stopSequence !== undefined ? { stop_sequence: stopSequence } : {}),
    usage: usage ?? base.usage
  }
}

// -----------------------------------------------------------------------------
// gemini
// -----------------------------------------------------------------------------

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
 * Folds the responses of a Gemini stream into the response the non-streamed call returns. Total.
 *
 * @internal
 */
export const accumulateGemini = (responses: Iterable<Loose>): Loose => {
  const top: Record<string, unknown> = {}
  const candidates = new Map<number, CandidateAcc>()

  for (const response of responses) {
    for (const [key, value] of Object.entries(response)) {
      if (key === "candidates" || value === null || value === undefined) continue
      top[key] = value
    }
    response.candidates.forEach((candidate: Loose, position: number) => {
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
    }) as unknown as Loose)

  return { ...(top as Loose), candidates: built }
}
