/**
 * Schemas for the OpenAI-compatible chat completions surface of the SkyEngine
 * gateway (`POST /v1/chat/completions`): the request a user builds, the
 * non-streamed `ChatCompletion`, the streamed `ChatCompletionChunk`, and the
 * pure helpers the SSE layer uses (`isDone`, `errorOf`, `accumulate`).
 *
 * Response schemas are lenient exactly where the gateway deviates from
 * OpenAI: ids are often 32 hex characters without `chatcmpl-`,
 * `system_fingerprint` may be `""`, `created` may be `0`, and the first and
 * last chunks of a stream may have `choices: []`. Ids, finish reasons, roles
 * and object names are decoded as plain strings, never as enums.
 *
 * Every schema of this module is annotated with
 * `parseOptions: { onExcessProperty: "preserve" }`, so unknown fields (vendor
 * extensions) survive decoding, at the top level and in nested objects. The
 * ready-made decoders (`decodeChatCompletion`, ...) pass the same option.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import { hasErrorField, nonEmpty } from "../packages/core/src/json.js"
import { arrayOrEmpty, nullable, open, preserve, struct } from "./internal/schema.js"

// -----------------------------------------------------------------------------
// known values
// -----------------------------------------------------------------------------

/**
 * The finish reasons OpenAI documents. The gateway (or an upstream model) may
 * send others, so `finish_reason` is decoded as `string`; use this list to
 * check for the known ones.
 *
 * @since 0.1.0
 * @category models
 */
export const knownFinishReasons = ["stop", "length", "tool_calls", "content_filter", "function_call"] as const

/**
 * One of {@link knownFinishReasons}.
 *
 * @since 0.1.0
 * @category models
 */
export type KnownFinishReason = typeof knownFinishReasons[number]

// -----------------------------------------------------------------------------
// request
// -----------------------------------------------------------------------------

/**
 * A text content part of a request message.
 *
 * @since 0.1.0
 * @category schemas
 */
export const TextContentPart = struct({
  type: Schema.Literal("text"),
  text: Schema.String
}).annotations({ identifier: "Chat.TextContentPart" })

/**
 * @since 0.1.0
 * @category models
 */
export type TextContentPart = typeof TextContentPart.Type

/**
 * An image content part (`image_url.url` is an https URL or a `data:` URL).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ImageContentPart = struct({
  type: Schema.Literal("image_url"),
  image_url: struct({
    url: Schema.String,
    detail: Schema.optional(Schema.String)
  })
}).annotations({ identifier: "Chat.ImageContentPart" })

/**
 * @since 0.1.0
 * @category models
 */
export type ImageContentPart = typeof ImageContentPart.Type

/**
 * An audio content part (base64 `data` with its `format`, e.g. `"wav"`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const AudioContentPart = struct({
  type: Schema.Literal("input_audio"),
  input_audio: struct({
    data: Schema.String,
    format: Schema.String
  })
}).annotations({ identifier: "Chat.AudioContentPart" })

/**
 * @since 0.1.0
 * @category models
 */
export type AudioContentPart = typeof AudioContentPart.Type

/**
 * A file content part (inline `file_data` or an uploaded `file_id`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const FileContentPart = struct({
  type: Schema.Literal("file"),
  file: struct({
    file_data: Schema.optional(Schema.String),
    file_id: Schema.optional(Schema.String),
    filename: Schema.optional(Schema.String)
  })
}).annotations({ identifier: "Chat.FileContentPart" })

/**
 * @since 0.1.0
 * @category models
 */
export type FileContentPart = typeof FileContentPart.Type

/**
 * Any content part a user message may carry.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ContentPart = Schema.Union(TextContentPart, ImageContentPart, AudioContentPart, FileContentPart)

/**
 * @since 0.1.0
 * @category models
 */
export type ContentPart = typeof ContentPart.Type

/**
 * A tool call as it appears in an assistant message (request side, and the
 * final message of a response).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ToolCallParam = struct({
  id: Schema.String,
  type: Schema.Literal("function"),
  function: struct({
    name: Schema.String,
    arguments: Schema.String
  })
}).annotations({ identifier: "Chat.ToolCallParam" })

/**
 * @since 0.1.0
 * @category models
 */
export type ToolCallParam = typeof ToolCallParam.Type

/**
 * A `system` message.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SystemMessageParam = open({
  role: Schema.Literal("system"),
  content: Schema.Union(Schema.String, Schema.Array(TextContentPart)),
  name: Schema.optional(Schema.String)
}).annotations({ identifier: "Chat.SystemMessageParam" })

/**
 * @since 0.1.0
 * @category models
 */
export type SystemMessageParam = typeof SystemMessageParam.Type

/**
 * A `developer` message (the newer name of `system` for reasoning models).
 *
 * @since 0.1.0
 * @category schemas
 */
export const DeveloperMessageParam = open({
  role: Schema.Literal("developer"),
  content: Schema.Union(Schema.String, Schema.Array(TextContentPart)),
  name: Schema.optional(Schema.String)
}).annotations({ identifier: "Chat.DeveloperMessageParam" })

/**
 * @since 0.1.0
 * @category models
 */
export type DeveloperMessageParam = typeof DeveloperMessageParam.Type

/**
 * A `user` message: a string or an array of text/image/audio/file parts.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UserMessageParam = open({
  role: Schema.Literal("user"),
  content: Schema.Union(Schema.String, Schema.Array(ContentPart)),
  name: Schema.optional(Schema.String)
}).annotations({ identifier: "Chat.UserMessageParam" })

/**
 * @since 0.1.0
 * @category models
 */
export type UserMessageParam = typeof UserMessageParam.Type

/**
 * An `assistant` message (history). `content` may be null when the message
 * only carries `tool_calls`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AssistantMessageParam = open({
  role: Schema.Literal("assistant"),
  content: Schema.optional(Schema.NullOr(Schema.Union(Schema.String, Schema.Array(ContentPart)))),
  name: Schema.optional(Schema.String),
  refusal: Schema.optional(Schema.NullOr(Schema.String)),
  tool_calls: Schema.optional(Schema.Array(ToolCallParam)),
  reasoning_content: Schema.optional(Schema.NullOr(Schema.String))
}).annotations({ identifier: "Chat.AssistantMessageParam" })

/**
 * @since 0.1.0
 * @category models
 */
export type AssistantMessageParam = typeof AssistantMessageParam.Type

/**
 * A `tool` message carrying the result of the tool call `tool_call_id`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ToolMessageParam = open({
  role: Schema.Literal("tool"),
  content: Schema.Union(Schema.String, Schema.Array(TextContentPart)),
  tool_call_id: Schema.String
}).annotations({ identifier: "Chat.ToolMessageParam" })

/**
 * @since 0.1.0
 * @category models
 */
export type ToolMessageParam = typeof ToolMessageParam.Type

/**
 * Any request message, discriminated by `role`. Each message also accepts
 * extra vendor fields.
 *
 * @since 0.1.0
 * @category schemas
 */
export const MessageParam = Schema.Union(
  SystemMessageParam,
  DeveloperMessageParam,
  UserMessageParam,
  AssistantMessageParam,
  ToolMessageParam
)

/**
 * @since 0.1.0
 * @category models
 */
export type MessageParam = typeof MessageParam.Type

/**
 * A function tool offered to the model.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FunctionTool = struct({
  type: Schema.Literal("function"),
  function: struct({
    name: Schema.String,
    description: Schema.optional(Schema.String),
    parameters: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
    strict: Schema.optional(Schema.NullOr(Schema.Boolean))
  })
}).annotations({ identifier: "Chat.FunctionTool" })

/**
 * @since 0.1.0
 * @category models
 */
export type FunctionTool = typeof FunctionTool.Type

/**
 * `tool_choice`: `"none"`, `"auto"`, `"required"`, or a named function.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ToolChoice = Schema.Union(
  Schema.Literal("none", "auto", "required"),
  struct({
    type: Schema.Literal("function"),
    function: struct({ name: Schema.String })
  })
)

/**
 * @since 0.1.0
 * @category models
 */
export type ToolChoice = typeof ToolChoice.Type

/**
 * `response_format`: plain text, any JSON object, or JSON following a schema.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ResponseFormat = Schema.Union(
  struct({ type: Schema.Literal("text") }),
  struct({ type: Schema.Literal("json_object") }),
  struct({
    type: Schema.Literal("json_schema"),
    json_schema: struct({
      name: Schema.String,
      description: Schema.optional(Schema.String),
      schema: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
      strict: Schema.optional(Schema.NullOr(Schema.Boolean))
    })
  })
)

/**
 * @since 0.1.0
 * @category models
 */
export type ResponseFormat = typeof ResponseFormat.Type

/**
 * The body of `POST /v1/chat/completions`. Extra top-level vendor fields
 * (e.g. `enable_thinking`) are accepted and kept.
 *
 * Decode with `onExcessProperty: "preserve"` (see
 * {@link decodeCreateChatCompletionRequest}); the schema carries that option
 * as an annotation.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CreateChatCompletionRequest = open({
  model: Schema.String,
  messages: Schema.Array(MessageParam),
  stream: Schema.optional(Schema.Boolean),
  stream_options: Schema.optional(struct({ include_usage: Schema.optional(Schema.Boolean) })),
  temperature: Schema.optional(Schema.Number),
  top_p: Schema.optional(Schema.Number),
  n: Schema.optional(Schema.Number),
  max_tokens: Schema.optional(Schema.Number),
  max_completion_tokens: Schema.optional(Schema.Number),
  stop: Schema.optional(Schema.Union(Schema.String, Schema.Array(Schema.String))),
  presence_penalty: Schema.optional(Schema.Number),
  frequency_penalty: Schema.optional(Schema.Number),
  logit_bias: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Number })),
  logprobs: Schema.optional(Schema.Boolean),
  top_logprobs: Schema.optional(Schema.Number),
  tools: Schema.optional(Schema.Array(FunctionTool)),
  tool_choice: Schema.optional(ToolChoice),
  parallel_tool_calls: Schema.optional(Schema.Boolean),
  response_format: Schema.optional(ResponseFormat),
  reasoning_effort: Schema.optional(Schema.String),
  seed: Schema.optional(Schema.Number),
  user: Schema.optional(Schema.String),
  metadata: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  store: Schema.optional(Schema.Boolean),
  modalities: Schema.optional(Schema.Array(Schema.String)),
  service_tier: Schema.optional(Schema.String)
}).annotations({ identifier: "Chat.CreateChatCompletionRequest" })

/**
 * A chat completions request, as a plain object literal.
 *
 * @since 0.1.0
 * @category models
 */
export type CreateChatCompletionRequest = typeof CreateChatCompletionRequest.Encoded

// -----------------------------------------------------------------------------
// response
// -----------------------------------------------------------------------------

/**
 * Token usage. The `*_details` objects are optional and may be null.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CompletionUsage = struct({
  prompt_tokens: Schema.Number,
  completion_tokens: Schema.Number,
  total_tokens: Schema.Number,
  prompt_tokens_details: nullable(struct({
    cached_tokens: nullable(Schema.Number),
    audio_tokens: nullable(Schema.Number)
  })),
  completion_tokens_details: nullable(struct({
    reasoning_tokens: nullable(Schema.Number),
    audio_tokens: nullable(Schema.Number),
    accepted_prediction_tokens: nullable(Schema.Number),
    rejected_prediction_tokens: nullable(Schema.Number)
  }))
}).annotations({ identifier: "Chat.CompletionUsage" })

/**
 * @since 0.1.0
 * @category models
 */
export type CompletionUsage = typeof CompletionUsage.Type

/**
 * A tool call in a response message. `type` is decoded as a string.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ToolCall = struct({
  id: Schema.String,
  type: Schema.optional(Schema.String),
  function: struct({
    name: Schema.String,
    arguments: Schema.String
  })
}).annotations({ identifier: "Chat.ToolCall" })

/**
 * @since 0.1.0
 * @category models
 */
export type ToolCall = typeof ToolCall.Type

/**
 * The message of a non-streamed choice. `reasoning_content` is the vendor
 * extension that reasoning models routed through Chinese gateways use.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChatCompletionMessage = struct({
  role: Schema.String,
  content: nullable(Schema.String),
  refusal: nullable(Schema.String),
  reasoning_content: nullable(Schema.String),
  tool_calls: nullable(Schema.Array(ToolCall)),
  function_call: nullable(struct({ name: Schema.String, arguments: Schema.String })),
  annotations: nullable(Schema.Array(Schema.Unknown)),
  audio: Schema.optional(Schema.Unknown)
}).annotations({ identifier: "Chat.ChatCompletionMessage" })

/**
 * @since 0.1.0
 * @category models
 */
export type ChatCompletionMessage = typeof ChatCompletionMessage.Type

/**
 * A choice of a non-streamed completion.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Choice = struct({
  index: Schema.Number,
  message: ChatCompletionMessage,
  finish_reason: nullable(Schema.String),
  logprobs: Schema.optional(Schema.Unknown)
}).annotations({ identifier: "Chat.Choice" })

/**
 * @since 0.1.0
 * @category models
 */
export type Choice = typeof Choice.Type

/**
 * The body of a non-streamed chat completion. `choices` missing or `null`
 * decodes as `[]`.
 *
 * Decode with `onExcessProperty: "preserve"` ({@link decodeChatCompletion});
 * the schema carries that option as an annotation.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChatCompletion = struct({
  id: Schema.String,
  object: Schema.optional(Schema.String),
  created: Schema.optional(Schema.Number),
  model: Schema.String,
  choices: arrayOrEmpty(Choice),
  usage: nullable(CompletionUsage),
  system_fingerprint: nullable(Schema.String),
  service_tier: nullable(Schema.String)
}).annotations({ identifier: "Chat.ChatCompletion" })

/**
 * @since 0.1.0
 * @category models
 */
export type ChatCompletion = typeof ChatCompletion.Type

// -----------------------------------------------------------------------------
// stream
// -----------------------------------------------------------------------------

/**
 * A fragment of a tool call in a streamed delta. Only the first fragment of a
 * call usually carries `id`, `type` and `function.name`; later ones carry
 * pieces of `function.arguments`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ToolCallDelta = struct({
  index: nullable(Schema.Number),
  id: nullable(Schema.String),
  type: nullable(Schema.String),
  function: nullable(struct({
    name: nullable(Schema.String),
    arguments: nullable(Schema.String)
  }))
}).annotations({ identifier: "Chat.ToolCallDelta" })

/**
 * @since 0.1.0
 * @category models
 */
export type ToolCallDelta = typeof ToolCallDelta.Type

/**
 * The `delta` of a streamed choice.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChunkDelta = struct({
  role: nullable(Schema.String),
  content: nullable(Schema.String),
  refusal: nullable(Schema.String),
  reasoning_content: nullable(Schema.String),
  tool_calls: nullable(Schema.Array(ToolCallDelta)),
  function_call: nullable(struct({ name: nullable(Schema.String), arguments: nullable(Schema.String) }))
}).annotations({ identifier: "Chat.ChunkDelta" })

/**
 * @since 0.1.0
 * @category models
 */
export type ChunkDelta = typeof ChunkDelta.Type

/**
 * A choice of a streamed chunk. A missing or null `delta` decodes as `{}`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChunkChoice = struct({
  index: Schema.Number,
  delta: Schema.optionalWith(ChunkDelta, { nullable: true, default: () => ({}) }),
  finish_reason: nullable(Schema.String),
  logprobs: Schema.optional(Schema.Unknown)
}).annotations({ identifier: "Chat.ChunkChoice" })

/**
 * @since 0.1.0
 * @category models
 */
export type ChunkChoice = typeof ChunkChoice.Type

/**
 * One `data:` payload of a chat stream. The first chunk may have
 * `choices: []`; the last before `[DONE]` has `choices: []` and `usage`.
 * `created` may be `0`.
 *
 * Decode with `onExcessProperty: "preserve"`
 * ({@link decodeChatCompletionChunk}); the schema carries that option as an
 * annotation.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChatCompletionChunk = struct({
  id: nullable(Schema.String),
  object: nullable(Schema.String),
  created: nullable(Schema.Number),
  model: nullable(Schema.String),
  choices: arrayOrEmpty(ChunkChoice),
  usage: nullable(CompletionUsage),
  system_fingerprint: nullable(Schema.String),
  service_tier: nullable(Schema.String)
}).annotations({ identifier: "Chat.ChatCompletionChunk" })

/**
 * @since 0.1.0
 * @category models
 */
export type ChatCompletionChunk = typeof ChatCompletionChunk.Type

// -----------------------------------------------------------------------------
// decoding
// -----------------------------------------------------------------------------

/**
 * Decodes a non-streamed chat completion body, keeping unknown fields.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeChatCompletion: (
  u: unknown,
  overrideOptions?: SchemaAST.ParseOptions
) => Effect.Effect<ChatCompletion, ParseResult.ParseError> = Schema.decodeUnknown(ChatCompletion, preserve)

/**
 * Decodes one (already JSON-parsed) stream chunk, keeping unknown fields.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeChatCompletionChunk: (
  u: unknown,
  overrideOptions?: SchemaAST.ParseOptions
) => Effect.Effect<ChatCompletionChunk, ParseResult.ParseError> = Schema.decodeUnknown(ChatCompletionChunk, preserve)

/**
 * Validates a request body, keeping extra vendor fields.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeCreateChatCompletionRequest: (
  u: unknown,
  overrideOptions?: SchemaAST.ParseOptions
) => Effect.Effect<CreateChatCompletionRequest, ParseResult.ParseError> = Schema.decodeUnknown(
  CreateChatCompletionRequest,
  preserve
)

// -----------------------------------------------------------------------------
// stream helpers
// -----------------------------------------------------------------------------

/**
 * Whether an SSE `data` payload is the `[DONE]` terminator.
 *
 * @since 0.1.0
 * @category streaming
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
 * @since 0.1.0
 * @category streaming
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
 * @since 0.1.0
 * @category streaming
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
