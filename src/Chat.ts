/**
 * Schemas for the OpenAI-compatible chat completions surface of the SkyEngine
 * gateway (`POST /v1/chat/completions`): the request a user builds, the
 * non-streamed `ChatCompletion`, the streamed `ChatCompletionChunk`.
 *
 * Response schemas are lenient exactly where the gateway deviates from
 * OpenAI: ids are often 32 hex characters without `chatcmpl-`,
 * `system_fingerprint` may be `""`, `created` may be `0`, and the first and
 * last chunks of a stream may have `choices: []`. Ids, finish reasons, roles
 * and object names are decoded as plain strings, never as enums.
 *
 * Every schema of this module is annotated with
 * `parseOptions: { onExcessProperty: "preserve" }`, so unknown fields (vendor
 * extensions) survive decoding, at the top level and in nested objects. `Schema.decodeUnknown`
 * needs no option.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { arrayOrEmpty, nullable, open, struct } from "./internal/schema.js"

// -----------------------------------------------------------------------------
// known values
// -----------------------------------------------------------------------------

/**
 * The finish reasons OpenAI documents. The gateway (or an upstream model) may
 * send others, so `finish_reason` is decoded as `string`; use this type to
 * name the known ones.
 *
 * @since 0.1.0
 * @category models
 */
export type KnownFinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "function_call"

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
 * The schema carries `onExcessProperty: "preserve"` as an annotation:
 * `Schema.decodeUnknown` keeps unknown fields.
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
 * The schema carries `onExcessProperty: "preserve"` as an annotation:
 * `Schema.decodeUnknown` keeps unknown fields.
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
 * The schema carries `onExcessProperty: "preserve"` as an annotation:
 * `Schema.decodeUnknown` keeps unknown fields.
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
