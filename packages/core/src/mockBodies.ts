/**
 * The bodies `SkyMock` answers with: deterministic fake completions that echo
 * the prompt, in each surface's shape with the gateway's quirks, plain and as
 * server-sent events.
 *
 * Token counts are honest for this fake tokenizer: one token per
 * whitespace-separated word. The prompt's count covers every text of the
 * request (messages of every role, system prompt, instructions); the answer's
 * count is the number of words of the answer, which is also the number of text
 * deltas its stream carries.
 *
 * @internal
 */
import { createHash, randomBytes } from "node:crypto"
import { isRecord } from "./json.js"

/** @internal */
export type Surface = "chat" | "responses" | "messages" | "gemini" | "embeddings"

/** A random id of 32 lower-case hex characters, as the gateway sends (no `chatcmpl-` / `msg_` prefix). */
export const hex32 = (): string => randomBytes(16).toString("hex")


/** The number of tokens of a text: its whitespace-separated words. */
export const tokensOf = (text: string): number => (text.match(/\S+/g) ?? []).length

/** A text cut into one piece per word, each with the whitespace before it, so that the pieces join back into the text. */
export const piecesOf = (text: string): Array<string> => text.match(/\s*\S+/g) ?? []

/** The text of a content: a string, or the `text` of every part that has one (chat, responses, Anthropic and Gemini parts alike). */
const textOfContent = (content: unknown): string => {
  if (typeof content === "string") return content
  if (Array.isArray(content)) {
    return content.flatMap((part) => (isRecord(part) && typeof part.text === "string" ? [part.text] : [])).join("\n")
  }
  return ""
}

/** What the double read from a request body. */
export interface Prompt {
  /** The text of the last user message (the text the answer echoes). */
  readonly lastUserText: string
  /** Every text of the request, for the prompt's token count. */
  readonly texts: ReadonlyArray<string>
}

const promptOfMessages = (messages: unknown, isUser: (message: Record<string, unknown>) => boolean, field = "content") => {
  const list = Array.isArray(messages) ? messages.filter(isRecord) : []
  const texts = list.map((m) => textOfContent(m[field]))
  const users = list.filter(isUser)
  const last = users[users.length - 1]
  return { texts, lastUserText: last === undefined ? "" : textOfContent(last[field]) }
}

/** Reads the prompt of a request body of a surface. */
export const promptOf = (surface: Surface, body: Record<string, unknown>): Prompt => {
  switch (surface) {
    case "chat": {
      const { lastUserText, texts } = promptOfMessages(body.messages, (m) => m.role === "user")
      return { lastUserText, texts }
    }
    case "responses": {
      const instructions = typeof body.instructions === "string" ? [body.instructions] : []
      if (typeof body.input === "string") return { lastUserText: body.input, texts: [...instructions, body.input] }
      const { lastUserText, texts } = promptOfMessages(body.input, (m) => m.role === "user")
      return { lastUserText, texts: [...instructions, ...texts] }
    }
    case "messages": {
      const system = body.system === undefined ? [] : [textOfContent(body.system)]
      const { lastUserText, texts } = promptOfMessages(body.messages, (m) => m.role === "user")
      return { lastUserText, texts: [...system, ...texts] }
    }
    case "gemini": {
      const system = isRecord(body.systemInstruction) ? [textOfContent(body.systemInstruction.parts)] : []
      const { lastUserText, texts } = promptOfMessages(body.contents, (m) => m.role !== "model", "parts")
      return { lastUserText, texts: [...system, ...texts] }
    }
    case "embeddings": {
      const texts = embeddingInputs(body.input)
      return { lastUserText: texts[texts.length - 1] ?? "", texts }
    }
  }
}

/** The answer to a prompt, with its token counts. */
export interface Answer {
  readonly model: string
  /** `echo: <last user text>`. */
  readonly text: string
  readonly pieces: ReadonlyArray<string>
  readonly promptTokens: number
  readonly completionTokens: number
}

/** The deterministic answer: `echo: ` and the last user text, trimmed. */
export const answerOf = (surface: Surface, model: string, prompt: Prompt): Answer => {
  const promptTokens = prompt.texts.reduce((sum, text) => sum + tokensOf(text), 0)
  if (surface === "embeddings") return { model, text: "", pieces: [], promptTokens, completionTokens: 0 }
  const echoed = prompt.lastUserText.trim()
  const text = echoed.length === 0 ? "echo:" : `echo: ${echoed}`
  const pieces = piecesOf(text)
  return { model, text, pieces, promptTokens, completionTokens: pieces.length }
}

// ---------------------------------------------------------------------------
// Server-sent events
// ---------------------------------------------------------------------------

/** One server-sent event. */
export interface SseEvent {
  readonly event?: string
  readonly data: string
}

/** The wire form of an event. */
export const encodeEvent = (event: SseEvent): string =>
  (event.event === undefined ? "" : `event: ${event.event}\n`) + `data: ${event.data}\n\n`

/** A surface's stream for one answer. */
export interface StreamPlan {
  /** Every event of a complete stream, its terminator included. */
  readonly events: ReadonlyArray<SseEvent>
  /** The first `n` events of the stream, none of which completes it (no terminator, no finish reason where that ends the stream). */
  readonly prefix: (n: number) => ReadonlyArray<SseEvent>
  /** The in-stream error event of the surface, from the error bodies `SkyWire.encodeError` gives. */
  readonly error: (bodies: { readonly gateway: string; readonly anthropic: string }, sequence: number) => SseEvent
}

const json = (value: unknown): string => JSON.stringify(value)

/** A plain (non-streamed) JSON body. */
export const plainBody = (surface: Surface, answer: Answer, request: Record<string, unknown>): unknown => {
  switch (surface) {
    case "chat":
      return chatCompletion(answer)
    case "responses":
      return responseObject(answer, hex32(), hex32(), "completed", request)
    case "messages":
      return message(answer, hex32())
    case "gemini":
      return geminiResponse(answer, hex32())
    case "embeddings":
      return embeddingsResponse(answer, request)
  }
}

/** The stream of an answer (embeddings have none: they answer plainly). */
export const streamPlan = (surface: Exclude<Surface, "embeddings">, answer: Answer, request: Record<string, unknown>): StreamPlan => {
  switch (surface) {
    case "chat":
      return chatStream(answer)
    case "responses":
      return responsesStream(answer, request)
    case "messages":
      return messagesStream(answer)
    case "gemini":
      return geminiStream(answer)
  }
}

const unixNow = (): number => Math.floor(Date.now() / 1000)

const prefixOf = (events: ReadonlyArray<SseEvent>) => (n: number): ReadonlyArray<SseEvent> =>
  events.slice(0, Math.max(0, Math.min(n, events.length - 1)))

// --- chat -----------------------------------------------------------------

const chatUsage = (answer: Answer) => ({
  prompt_tokens: answer.promptTokens,
  completion_tokens: answer.completionTokens,
  total_tokens: answer.promptTokens + answer.completionTokens,
  prompt_tokens_details: { cached_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0 }
})

const chatCompletion = (answer: Answer) => ({
  id: hex32(),
  object: "chat.completion",
  created: unixNow(),
  model: answer.model,
  system_fingerprint: "",
  choices: [{
    index: 0,
    message: { role: "assistant", content: answer.text },
    finish_reason: "stop",
    logprobs: null
  }],
  usage: chatUsage(answer)
})

const chatStream = (answer: Answer): StreamPlan => {
  const base = { id: hex32(), object: "chat.completion.chunk", created: unixNow(), model: answer.model, system_fingerprint: "" }
  const events: Array<SseEvent> = [
    // the gateway's first chunk: no choices, created 0
    { data: json({ ...base, created: 0, choices: [] }) },
    ...answer.pieces.map((piece, i) => ({
      data: json({
        ...base,
        choices: [{
          index: 0,
          delta: i === 0 ? { role: "assistant", content: piece } : { content: piece },
          finish_reason: i === answer.pieces.length - 1 ? "stop" : null,
          logprobs: null
        }]
      })
    })),
    // the last chunk: no choices, the full usage
    { data: json({ ...base, choices: [], usage: chatUsage(answer) }) },
    { data: "[DONE]" }
  ]
  return {
    events,
    prefix: prefixOf(events),
    error: (bodies) => ({ data: bodies.gateway })
  }
}

// --- responses ------------------------------------------------------------

const responseUsage = (answer: Answer) => ({
  input_tokens: answer.promptTokens,
  output_tokens: answer.completionTokens,
  total_tokens: answer.promptTokens + answer.completionTokens,
  input_tokens_details: { cached_tokens: 0 },
  output_tokens_details: { reasoning_tokens: 0 }
})

const outputMessage = (itemId: string, status: string, text: string | undefined) => ({
  type: "message",
  id: itemId,
  status,
  role: "assistant",
  content: text === undefined ? [] : [{ type: "output_text", text, annotations: [] }]
})

const responseObject = (
  answer: Answer,
  id: string,
  itemId: string,
  status: "completed" | "in_progress",
  request: Record<string, unknown>
) => ({
  id,
  object: "response",
  created_at: unixNow(),
  status,
  model: answer.model,
  output: status === "completed" ? [outputMessage(itemId, "completed", answer.text)] : [],
  usage: status === "completed" ? responseUsage(answer) : null,
  error: null,
  incomplete_details: null,
  instructions: typeof request.instructions === "string" ? request.instructions : null,
  previous_response_id: null,
  max_output_tokens: typeof request.max_output_tokens === "number" ? request.max_output_tokens : null,
  metadata: {},
  tools: []
})

const responsesStream = (answer: Answer, request: Record<string, unknown>): StreamPlan => {
  const id = hex32()
  const itemId = hex32()
  let sequence = 0
  const event = (type: string, fields: Record<string, unknown>): SseEvent => ({
    event: type,
    data: json({ type, sequence_number: sequence++, ...fields })
  })
  const events: Array<SseEvent> = [
    event("response.created", { response: responseObject(answer, id, itemId, "in_progress", request) }),
    event("response.output_item.added", { output_index: 0, item: outputMessage(itemId, "in_progress", undefined) }),
    ...answer.pieces.map((delta) =>
      event("response.output_text.delta", { item_id: itemId, output_index: 0, content_index: 0, delta })
    ),
    event("response.output_text.done", { item_id: itemId, output_index: 0, content_index: 0, text: answer.text }),
    event("response.completed", { response: responseObject(answer, id, itemId, "completed", request) })
  ]
  return {
    events,
    prefix: prefixOf(events),
    error: (bodies, n) => ({
      event: "response.error",
      data: json({ type: "response.error", sequence_number: n, ...(JSON.parse(bodies.gateway) as object) })
    })
  }
}

// --- messages -------------------------------------------------------------

/** A text block with the Go zero values of every other block field. */
const textBlock = (text: string) => ({
  type: "text",
  text,
  id: "",
  name: "",
  input: null,
  thinking: "",
  signature: "",
  data: "",
  citations: null
})

const messagesUsage = (answer: Answer, output: number) => ({
  input_tokens: answer.promptTokens,
  output_tokens: output,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0
})

const message = (answer: Answer, id: string) => ({
  id,
  type: "message",
  role: "assistant",
  model: answer.model,
  content: [textBlock(answer.text)],
  stop_reason: "end_turn",
  stop_sequence: "",
  usage: messagesUsage(answer, answer.completionTokens)
})

const emptyDelta = { type: "", text: "", partial_json: "", thinking: "", signature: "", stop_reason: "", stop_sequence: "" }

const messagesStream = (answer: Answer): StreamPlan => {
  // Every data object carries every field of the Go event union, most of them empty.
  const event = (type: string, fields: Record<string, unknown>): SseEvent => ({
    event: type,
    data: json({ type, message: null, index: 0, content_block: null, delta: null, usage: null, ...fields })
  })
  const start = { ...message(answer, hex32()), content: [], stop_reason: "", stop_sequence: "", usage: messagesUsage(answer, 0) }
  const events: Array<SseEvent> = [
    event("message_start", { message: start }),
    event("content_block_start", { index: 0, content_block: textBlock("") }),
    ...answer.pieces.map((text) => event("content_block_delta", { index: 0, delta: { ...emptyDelta, type: "text_delta", text } })),
    event("content_block_stop", { index: 0 }),
    event("message_delta", {
      delta: { ...emptyDelta, stop_reason: "end_turn", stop_sequence: "" },
      usage: messagesUsage(answer, answer.completionTokens)
    }),
    event("message_stop", {})
  ]
  return {
    events,
    prefix: prefixOf(events),
    error: (bodies) => ({ event: "error", data: bodies.anthropic })
  }
}

// --- gemini ---------------------------------------------------------------

const geminiUsage = (answer: Answer) => ({
  promptTokenCount: answer.promptTokens,
  candidatesTokenCount: answer.completionTokens,
  totalTokenCount: answer.promptTokens + answer.completionTokens,
  promptTokensDetails: [{ modality: "TEXT", tokenCount: answer.promptTokens }]
})

const geminiResponse = (answer: Answer, id: string) => ({
  sdkHttpResponse: { headers: { "Content-Type": ["application/json; charset=UTF-8"] } },
  candidates: [{
    content: { role: "model", parts: [{ text: answer.text }] },
    finishReason: "STOP",
    index: 0
  }],
  usageMetadata: geminiUsage(answer),
  modelVersion: answer.model,
  responseId: id
})

const geminiStream = (answer: Answer): StreamPlan => {
  const id = hex32()
  const chunk = (piece: string, i: number, final: boolean): SseEvent => ({
    data: json({
      sdkHttpResponse: { headers: { "Content-Type": ["text/event-stream"] } },
      candidates: [{
        content: { role: "model", parts: [{ text: piece }] },
        // the first chunk omits the index, as the gateway does
        ...(i === 0 ? {} : { index: 0 }),
        ...(final ? { finishReason: "STOP" } : {})
      }],
      usageMetadata: final
        ? geminiUsage(answer)
        : { promptTokenCount: answer.promptTokens, totalTokenCount: answer.promptTokens },
      modelVersion: answer.model,
      responseId: id
    })
  })
  const events = answer.pieces.map((piece, i) => chunk(piece, i, i === answer.pieces.length - 1))
  return {
    events,
    // no terminator: a prefix must not carry the finish reason
    prefix: (n) => answer.pieces.slice(0, Math.max(0, n)).map((piece, i) => chunk(piece, i, false)),
    error: (bodies) => ({ data: bodies.gateway })
  }
}

// --- embeddings -----------------------------------------------------------

/** The inputs of an embeddings request, as texts (token arrays as their JSON). */
export const embeddingInputs = (input: unknown): Array<string> => {
  if (typeof input === "string") return [input]
  if (!Array.isArray(input)) return []
  if (input.every((x) => typeof x === "number")) return [input.join(" ")]
  return input.map((x) => (typeof x === "string" ? x : Array.isArray(x) ? x.join(" ") : JSON.stringify(x)))
}

/** The default number of dimensions of a vector. */
export const defaultDimensions = 8

/** A deterministic vector of `dimensions` floats in [-1, 1) from SHA-256 of the text. */
export const vectorOf = (text: string, dimensions: number = defaultDimensions): Array<number> => {
  const vector: Array<number> = []
  for (let block = 0; vector.length < dimensions; block++) {
    const digest = createHash("sha256").update(`${block}:${text}`).digest()
    for (let offset = 0; offset + 4 <= digest.length && vector.length < dimensions; offset += 4) {
      vector.push(Math.round((digest.readUInt32LE(offset) / 2 ** 32 * 2 - 1) * 1e6) / 1e6)
    }
  }
  return vector
}

const base64Of = (vector: ReadonlyArray<number>): string => {
  const buffer = Buffer.alloc(vector.length * 4)
  vector.forEach((x, i) => buffer.writeFloatLE(x, i * 4))
  return buffer.toString("base64")
}

const embeddingsResponse = (answer: Answer, request: Record<string, unknown>) => {
  const dimensions = typeof request.dimensions === "number" && Number.isInteger(request.dimensions) &&
      request.dimensions > 0 && request.dimensions <= 4096
    ? request.dimensions
    : defaultDimensions
  const base64 = request.encoding_format === "base64"
  return {
    object: "list",
    data: embeddingInputs(request.input).map((text, index) => {
      const vector = vectorOf(text, dimensions)
      return { object: "embedding", index, embedding: base64 ? base64Of(vector) : vector }
    }),
    model: answer.model,
    usage: { prompt_tokens: answer.promptTokens, total_tokens: answer.promptTokens }
  }
}
