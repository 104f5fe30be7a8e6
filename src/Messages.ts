/**
 * Schemas for the Anthropic-compatible messages surface of the SkyEngine
 * gateway (`POST /v1/messages`): the request, the `Message` response, the
 * stream events.
 *
 * The gateway is a Go service and it shows: message ids are 32 hex
 * characters (not `msg_...`), `stop_sequence` is `""` rather than `null`,
 * content blocks carry Go zero values (`signature: ""`, `input: null`), and
 * every stream data object carries every field of the event union, most of
 * them empty (a `content_block_delta` also has `message: null`,
 * `content_block: null`, `usage: null`). All of that decodes. Ids, roles,
 * stop reasons and object names are plain strings; content blocks, deltas and
 * events each end with a fallback for types this module does not know.
 *
 * Every schema of this module is annotated with
 * `parseOptions: { onExcessProperty: "preserve" }`, so unknown fields survive
 * decoding at every level. `Schema.decodeUnknown`
 * needs no option.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { nullable, open, struct } from "./internal/schema.js"

// -----------------------------------------------------------------------------
// internal helpers
// -----------------------------------------------------------------------------

const stringOrEmpty = Schema.optionalWith(Schema.String, { nullable: true, default: () => "" })

const otherThan = (known: ReadonlyArray<string>) =>
  Schema.String.pipe(
    Schema.filter((type) => !known.includes(type), {
      message: () => `a type other than ${known.join(", ")}`
    })
  )


// -----------------------------------------------------------------------------
// known values
// -----------------------------------------------------------------------------

/**
 * The stop reasons Anthropic documents. `stop_reason` is decoded as `string`
 * because upstreams add new ones.
 *
 * @since 0.1.0
 * @category models
 */
export const knownStopReasons = [
  "end_turn",
  "max_tokens",
  "stop_sequence",
  "tool_use",
  "pause_turn",
  "refusal"
] as const

/**
 * One of {@link knownStopReasons}.
 *
 * @since 0.1.0
 * @category models
 */
export type KnownStopReason = typeof knownStopReasons[number]

// -----------------------------------------------------------------------------
// request
// -----------------------------------------------------------------------------

/**
 * `cache_control` of a block or tool.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CacheControl = open({
  type: Schema.Literal("ephemeral"),
  ttl: Schema.optional(Schema.String)
}).annotations({ identifier: "Messages.CacheControl" })

/**
 * @since 0.1.0
 * @category models
 */
export type CacheControl = typeof CacheControl.Type

/**
 * A text block of a request.
 *
 * @since 0.1.0
 * @category schemas
 */
export const TextBlockParam = open({
  type: Schema.Literal("text"),
  text: Schema.String,
  cache_control: Schema.optional(Schema.NullOr(CacheControl)),
  citations: Schema.optional(Schema.NullOr(Schema.Array(Schema.Unknown)))
}).annotations({ identifier: "Messages.TextBlockParam" })

/**
 * @since 0.1.0
 * @category models
 */
export type TextBlockParam = typeof TextBlockParam.Type

/**
 * The source of an image or document block: base64 data, a URL, a file id,
 * or (documents) plain text.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SourceParam = Schema.Union(
  struct({ type: Schema.Literal("base64"), media_type: Schema.String, data: Schema.String }),
  struct({ type: Schema.Literal("url"), url: Schema.String }),
  struct({ type: Schema.Literal("file"), file_id: Schema.String }),
  struct({ type: Schema.Literal("text"), media_type: Schema.String, data: Schema.String })
)

/**
 * @since 0.1.0
 * @category models
 */
export type SourceParam = typeof SourceParam.Type

/**
 * An image block of a request.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ImageBlockParam = open({
  type: Schema.Literal("image"),
  source: SourceParam,
  cache_control: Schema.optional(Schema.NullOr(CacheControl))
}).annotations({ identifier: "Messages.ImageBlockParam" })

/**
 * @since 0.1.0
 * @category models
 */
export type ImageBlockParam = typeof ImageBlockParam.Type

/**
 * A document block of a request.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DocumentBlockParam = open({
  type: Schema.Literal("document"),
  source: SourceParam,
  title: Schema.optional(Schema.NullOr(Schema.String)),
  context: Schema.optional(Schema.NullOr(Schema.String)),
  cache_control: Schema.optional(Schema.NullOr(CacheControl))
}).annotations({ identifier: "Messages.DocumentBlockParam" })

/**
 * @since 0.1.0
 * @category models
 */
export type DocumentBlockParam = typeof DocumentBlockParam.Type

/**
 * A `tool_use` block (an earlier assistant turn).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ToolUseBlockParam = open({
  type: Schema.Literal("tool_use"),
  id: Schema.String,
  name: Schema.String,
  input: Schema.Unknown,
  cache_control: Schema.optional(Schema.NullOr(CacheControl))
}).annotations({ identifier: "Messages.ToolUseBlockParam" })

/**
 * @since 0.1.0
 * @category models
 */
export type ToolUseBlockParam = typeof ToolUseBlockParam.Type

/**
 * A `tool_result` block carrying the result of `tool_use_id`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ToolResultBlockParam = open({
  type: Schema.Literal("tool_result"),
  tool_use_id: Schema.String,
  content: Schema.optional(Schema.Union(Schema.String, Schema.Array(Schema.Union(TextBlockParam, ImageBlockParam)))),
  is_error: Schema.optional(Schema.Boolean),
  cache_control: Schema.optional(Schema.NullOr(CacheControl))
}).annotations({ identifier: "Messages.ToolResultBlockParam" })

/**
 * @since 0.1.0
 * @category models
 */
export type ToolResultBlockParam = typeof ToolResultBlockParam.Type

/**
 * A `thinking` block (an earlier assistant turn, sent back with its
 * signature).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ThinkingBlockParam = open({
  type: Schema.Literal("thinking"),
  thinking: Schema.String,
  signature: Schema.String
}).annotations({ identifier: "Messages.ThinkingBlockParam" })

/**
 * @since 0.1.0
 * @category models
 */
export type ThinkingBlockParam = typeof ThinkingBlockParam.Type

/**
 * A `redacted_thinking` block (an earlier assistant turn).
 *
 * @since 0.1.0
 * @category schemas
 */
export const RedactedThinkingBlockParam = open({
  type: Schema.Literal("redacted_thinking"),
  data: Schema.String
}).annotations({ identifier: "Messages.RedactedThinkingBlockParam" })

/**
 * @since 0.1.0
 * @category models
 */
export type RedactedThinkingBlockParam = typeof RedactedThinkingBlockParam.Type

/**
 * Any block of a request message.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ContentBlockParam = Schema.Union(
  TextBlockParam,
  ImageBlockParam,
  DocumentBlockParam,
  ToolUseBlockParam,
  ToolResultBlockParam,
  ThinkingBlockParam,
  RedactedThinkingBlockParam
)

/**
 * @since 0.1.0
 * @category models
 */
export type ContentBlockParam = typeof ContentBlockParam.Type

/**
 * A request message: `user` or `assistant`, with a string or blocks.
 *
 * @since 0.1.0
 * @category schemas
 */
export const MessageParam = open({
  role: Schema.Literal("user", "assistant"),
  content: Schema.Union(Schema.String, Schema.Array(ContentBlockParam))
}).annotations({ identifier: "Messages.MessageParam" })

/**
 * @since 0.1.0
 * @category models
 */
export type MessageParam = typeof MessageParam.Type

/**
 * A client tool (`input_schema` is a JSON schema) or, with any other `type`,
 * a server tool such as `web_search_20250305`, passed through.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Tool = Schema.Union(
  open({
    type: Schema.optional(Schema.Literal("custom")),
    name: Schema.String,
    description: Schema.optional(Schema.String),
    input_schema: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
    cache_control: Schema.optional(Schema.NullOr(CacheControl))
  }),
  open({
    type: Schema.String,
    name: Schema.String
  })
)

/**
 * @since 0.1.0
 * @category models
 */
export type Tool = typeof Tool.Type

/**
 * `tool_choice`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ToolChoice = Schema.Union(
  struct({
    type: Schema.Literal("auto", "any", "none"),
    disable_parallel_tool_use: Schema.optional(Schema.Boolean)
  }),
  struct({
    type: Schema.Literal("tool"),
    name: Schema.String,
    disable_parallel_tool_use: Schema.optional(Schema.Boolean)
  })
)

/**
 * @since 0.1.0
 * @category models
 */
export type ToolChoice = typeof ToolChoice.Type

/**
 * Extended thinking: enabled with a token budget, or disabled.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ThinkingConfig = Schema.Union(
  struct({ type: Schema.Literal("enabled"), budget_tokens: Schema.Number }),
  struct({ type: Schema.Literal("disabled") })
)

/**
 * @since 0.1.0
 * @category models
 */
export type ThinkingConfig = typeof ThinkingConfig.Type

/**
 * The body of `POST /v1/messages`. Extra top-level vendor fields are accepted
 * and kept.
 *
 * The schema carries `onExcessProperty: "preserve"` as an annotation:
 * `Schema.decodeUnknown` keeps unknown fields.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CreateMessageRequest = open({
  model: Schema.String,
  max_tokens: Schema.Number,
  messages: Schema.Array(MessageParam),
  system: Schema.optional(Schema.Union(Schema.String, Schema.Array(TextBlockParam))),
  stream: Schema.optional(Schema.Boolean),
  temperature: Schema.optional(Schema.Number),
  top_p: Schema.optional(Schema.Number),
  top_k: Schema.optional(Schema.Number),
  stop_sequences: Schema.optional(Schema.Array(Schema.String)),
  metadata: Schema.optional(open({ user_id: Schema.optional(Schema.NullOr(Schema.String)) })),
  tools: Schema.optional(Schema.Array(Tool)),
  tool_choice: Schema.optional(ToolChoice),
  thinking: Schema.optional(ThinkingConfig),
  service_tier: Schema.optional(Schema.String)
}).annotations({ identifier: "Messages.CreateMessageRequest" })

/**
 * A messages request, as a plain object literal.
 *
 * @since 0.1.0
 * @category models
 */
export type CreateMessageRequest = typeof CreateMessageRequest.Encoded

// -----------------------------------------------------------------------------
// response
// -----------------------------------------------------------------------------

/**
 * The content block types this module knows; others decode as
 * {@link UnknownBlock}.
 *
 * @since 0.1.0
 * @category models
 */
export const knownBlockTypes = ["text", "thinking", "redacted_thinking", "tool_use", "server_tool_use"] as const

/**
 * A `text` block. `text` missing or null decodes as `""`; `citations` may be
 * null (a Go nil slice).
 *
 * @since 0.1.0
 * @category schemas
 */
export const TextBlock = struct({
  type: Schema.Literal("text"),
  text: stringOrEmpty,
  citations: nullable(Schema.Array(Schema.Unknown))
}).annotations({ identifier: "Messages.TextBlock" })

/**
 * @since 0.1.0
 * @category models
 */
export type TextBlock = typeof TextBlock.Type

/**
 * A `thinking` block. `signature` is often `""` on the gateway (and filled by
 * a later `signature_delta` when streaming).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ThinkingBlock = struct({
  type: Schema.Literal("thinking"),
  thinking: stringOrEmpty,
  signature: nullable(Schema.String)
}).annotations({ identifier: "Messages.ThinkingBlock" })

/**
 * @since 0.1.0
 * @category models
 */
export type ThinkingBlock = typeof ThinkingBlock.Type

/**
 * A `redacted_thinking` block.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RedactedThinkingBlock = struct({
  type: Schema.Literal("redacted_thinking"),
  data: stringOrEmpty
}).annotations({ identifier: "Messages.RedactedThinkingBlock" })

/**
 * @since 0.1.0
 * @category models
 */
export type RedactedThinkingBlock = typeof RedactedThinkingBlock.Type

/**
 * A `tool_use` block. `input` is whatever JSON the server sent (`null` on the
 * gateway's zero values; a string after `SkyClient.collect` when the streamed
 * JSON did not parse).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ToolUseBlock = struct({
  type: Schema.Literal("tool_use"),
  id: stringOrEmpty,
  name: stringOrEmpty,
  input: Schema.optional(Schema.Unknown)
}).annotations({ identifier: "Messages.ToolUseBlock" })

/**
 * @since 0.1.0
 * @category models
 */
export type ToolUseBlock = typeof ToolUseBlock.Type

/**
 * A `server_tool_use` block (a server tool such as web search).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ServerToolUseBlock = struct({
  type: Schema.Literal("server_tool_use"),
  id: stringOrEmpty,
  name: stringOrEmpty,
  input: Schema.optional(Schema.Unknown)
}).annotations({ identifier: "Messages.ServerToolUseBlock" })

/**
 * @since 0.1.0
 * @category models
 */
export type ServerToolUseBlock = typeof ServerToolUseBlock.Type

/**
 * A block of a type this module does not know (e.g.
 * `web_search_tool_result`), kept whole.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UnknownBlock = struct({
  type: otherThan(knownBlockTypes)
}).annotations({ identifier: "Messages.UnknownBlock" })

/**
 * @since 0.1.0
 * @category models
 */
export type UnknownBlock = typeof UnknownBlock.Type

/**
 * A content block of a response.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ContentBlock = Schema.Union(
  TextBlock,
  ThinkingBlock,
  RedactedThinkingBlock,
  ToolUseBlock,
  ServerToolUseBlock,
  UnknownBlock
)

/**
 * @since 0.1.0
 * @category models
 */
export type ContentBlock = typeof ContentBlock.Type

/**
 * Token usage of a message.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Usage = struct({
  input_tokens: Schema.Number,
  output_tokens: Schema.Number,
  cache_creation_input_tokens: nullable(Schema.Number),
  cache_read_input_tokens: nullable(Schema.Number),
  cache_creation: Schema.optional(Schema.Unknown),
  server_tool_use: Schema.optional(Schema.Unknown),
  service_tier: nullable(Schema.String)
}).annotations({ identifier: "Messages.Usage" })

/**
 * @since 0.1.0
 * @category models
 */
export type Usage = typeof Usage.Type

/**
 * The response of `POST /v1/messages` (and the `message` of
 * `message_start`). `id` is any string (the gateway sends 32 hex);
 * `stop_sequence` may be `""`; `content` missing or null decodes as `[]`.
 *
 * The schema carries `onExcessProperty: "preserve"` as an annotation:
 * `Schema.decodeUnknown` keeps unknown fields.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Message = struct({
  id: Schema.String,
  type: nullable(Schema.String),
  role: Schema.String,
  model: Schema.String,
  content: Schema.optionalWith(Schema.Array(ContentBlock), { nullable: true, default: () => [] }),
  stop_reason: nullable(Schema.String),
  stop_sequence: nullable(Schema.String),
  usage: Usage
}).annotations({ identifier: "Messages.Message" })

/**
 * @since 0.1.0
 * @category models
 */
export type Message = typeof Message.Type

/**
 * The text of a message: its `text` blocks, concatenated.
 *
 * @since 0.1.0
 * @category accessors
 */
export const textOf = (message: Message): string => {
  let text = ""
  for (const block of message.content as ReadonlyArray<Record<string, unknown>>) {
    if (block.type === "text" && typeof block.text === "string") text += block.text
  }
  return text
}

// -----------------------------------------------------------------------------
// stream events
// -----------------------------------------------------------------------------

/**
 * The delta types this module knows; others decode as {@link UnknownDelta}.
 *
 * @since 0.1.0
 * @category models
 */
export const knownDeltaTypes = [
  "text_delta",
  "input_json_delta",
  "thinking_delta",
  "signature_delta",
  "citations_delta"
] as const

/**
 * A delta of a `content_block_delta` event. Because the gateway sends every
 * field of the Go delta union, a `text_delta` may also carry
 * `partial_json: ""`, `stop_reason: ""` and so on: these are kept as extra
 * fields.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ContentBlockDelta = Schema.Union(
  struct({ type: Schema.Literal("text_delta"), text: stringOrEmpty }),
  struct({ type: Schema.Literal("input_json_delta"), partial_json: stringOrEmpty }),
  struct({ type: Schema.Literal("thinking_delta"), thinking: stringOrEmpty }),
  struct({ type: Schema.Literal("signature_delta"), signature: stringOrEmpty }),
  struct({ type: Schema.Literal("citations_delta"), citation: Schema.optional(Schema.Unknown) })
)

/**
 * @since 0.1.0
 * @category models
 */
export type ContentBlockDelta = typeof ContentBlockDelta.Type

/**
 * A delta of a type this module does not know, kept whole.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UnknownDelta = struct({
  type: otherThan(knownDeltaTypes)
}).annotations({ identifier: "Messages.UnknownDelta" })

/**
 * @since 0.1.0
 * @category models
 */
export type UnknownDelta = typeof UnknownDelta.Type

/**
 * `message_start`: the message with empty content.
 *
 * @since 0.1.0
 * @category schemas
 */
export const MessageStartEvent = struct({
  type: Schema.Literal("message_start"),
  message: Message
}).annotations({ identifier: "Messages.MessageStartEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type MessageStartEvent = typeof MessageStartEvent.Type

/**
 * `content_block_start`: a new block at `index`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ContentBlockStartEvent = struct({
  type: Schema.Literal("content_block_start"),
  index: Schema.optionalWith(Schema.Number, { nullable: true, default: () => 0 }),
  content_block: ContentBlock
}).annotations({ identifier: "Messages.ContentBlockStartEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type ContentBlockStartEvent = typeof ContentBlockStartEvent.Type

/**
 * `content_block_delta`: a piece of the block at `index`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ContentBlockDeltaEvent = struct({
  type: Schema.Literal("content_block_delta"),
  index: Schema.optionalWith(Schema.Number, { nullable: true, default: () => 0 }),
  delta: Schema.Union(ContentBlockDelta, UnknownDelta)
}).annotations({ identifier: "Messages.ContentBlockDeltaEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type ContentBlockDeltaEvent = typeof ContentBlockDeltaEvent.Type

/**
 * `content_block_stop`: the block at `index` is complete.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ContentBlockStopEvent = struct({
  type: Schema.Literal("content_block_stop"),
  index: Schema.optionalWith(Schema.Number, { nullable: true, default: () => 0 })
}).annotations({ identifier: "Messages.ContentBlockStopEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type ContentBlockStopEvent = typeof ContentBlockStopEvent.Type

/**
 * The usage of a `message_delta` event (cumulative counts; every field
 * optional).
 *
 * @since 0.1.0
 * @category schemas
 */
export const MessageDeltaUsage = struct({
  input_tokens: nullable(Schema.Number),
  output_tokens: nullable(Schema.Number),
  cache_creation_input_tokens: nullable(Schema.Number),
  cache_read_input_tokens: nullable(Schema.Number),
  server_tool_use: Schema.optional(Schema.Unknown)
}).annotations({ identifier: "Messages.MessageDeltaUsage" })

/**
 * @since 0.1.0
 * @category models
 */
export type MessageDeltaUsage = typeof MessageDeltaUsage.Type

/**
 * `message_delta`: the stop reason and the final usage.
 *
 * @since 0.1.0
 * @category schemas
 */
export const MessageDeltaEvent = struct({
  type: Schema.Literal("message_delta"),
  delta: Schema.optionalWith(
    struct({
      stop_reason: nullable(Schema.String),
      stop_sequence: nullable(Schema.String)
    }),
    { nullable: true, default: () => ({}) }
  ),
  usage: nullable(MessageDeltaUsage)
}).annotations({ identifier: "Messages.MessageDeltaEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type MessageDeltaEvent = typeof MessageDeltaEvent.Type

/**
 * `message_stop`: the end of the stream.
 *
 * @since 0.1.0
 * @category schemas
 */
export const MessageStopEvent = struct({
  type: Schema.Literal("message_stop")
}).annotations({ identifier: "Messages.MessageStopEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type MessageStopEvent = typeof MessageStopEvent.Type

/**
 * `ping`: a keep-alive.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PingEvent = struct({
  type: Schema.Literal("ping")
}).annotations({ identifier: "Messages.PingEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type PingEvent = typeof PingEvent.Type

/**
 * `error`: an in-stream error, `error: {type, message}` (on this gateway
 * `error.type` may hold a fixed English message).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ErrorEvent = struct({
  type: Schema.Literal("error"),
  error: nullable(struct({
    type: nullable(Schema.String),
    message: nullable(Schema.String)
  })),
  request_id: nullable(Schema.String)
}).annotations({ identifier: "Messages.ErrorEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type ErrorEvent = typeof ErrorEvent.Type

/**
 * The event types this module knows; any other decodes as
 * {@link UnknownEvent}.
 *
 * @since 0.1.0
 * @category models
 */
export const knownEventTypes = [
  "message_start",
  "content_block_start",
  "content_block_delta",
  "content_block_stop",
  "message_delta",
  "message_stop",
  "ping",
  "error"
] as const

/**
 * An event of a type this module does not know, kept whole.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UnknownEvent = struct({
  type: otherThan(knownEventTypes)
}).annotations({ identifier: "Messages.UnknownEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type UnknownEvent = typeof UnknownEvent.Type

/**
 * The known stream events.
 *
 * @since 0.1.0
 * @category schemas
 */
export const KnownStreamEvent = Schema.Union(
  MessageStartEvent,
  ContentBlockStartEvent,
  ContentBlockDeltaEvent,
  ContentBlockStopEvent,
  MessageDeltaEvent,
  MessageStopEvent,
  PingEvent,
  ErrorEvent
)

/**
 * @since 0.1.0
 * @category models
 */
export type KnownStreamEvent = typeof KnownStreamEvent.Type

/**
 * One `data:` payload of a messages stream: a known event or an
 * {@link UnknownEvent}.
 *
 * The schema carries `onExcessProperty: "preserve"` as an annotation:
 * `Schema.decodeUnknown` keeps unknown fields.
 *
 * @since 0.1.0
 * @category schemas
 */
export const MessageStreamEvent = Schema.Union(KnownStreamEvent, UnknownEvent)

/**
 * @since 0.1.0
 * @category models
 */
export type MessageStreamEvent = typeof MessageStreamEvent.Type

/**
 * Narrows a stream event to the known event of the given type. (A plain
 * `event.type === "..."` check does not narrow, because the fallback's `type`
 * is `string`.)
 *
 * @since 0.1.0
 * @category guards
 */
export const isEventType = <T extends KnownStreamEvent["type"]>(
  event: MessageStreamEvent,
  type: T
): event is Extract<KnownStreamEvent, { readonly type: T }> => event.type === type
