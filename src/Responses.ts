/**
 * Schemas for the OpenAI-compatible responses surface of the SkyEngine
 * gateway (`POST /v1/responses`): the request, the `Response` object, the
 * stream events.
 *
 * Ids, statuses, roles and object names are decoded as plain strings. The
 * stream event union ends with a fallback that accepts any event whose `type`
 * is not one of the known ones, so a new event type from the server never
 * fails decoding; output items and content parts have the same fallback.
 *
 * Every schema of this module is annotated with
 * `parseOptions: { onExcessProperty: "preserve" }`, so unknown fields survive
 * decoding at every level. `Schema.decodeUnknown`
 * needs no option.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { isRecord } from "../packages/core/src/json.js"
import { arrayOrEmpty, nullable, open, struct } from "./internal/schema.js"

// -----------------------------------------------------------------------------
// internal helpers
// -----------------------------------------------------------------------------

const otherThan = (known: ReadonlyArray<string>) =>
  Schema.String.pipe(
    Schema.filter((type) => !known.includes(type), {
      message: () => `a type other than ${known.join(", ")}`
    })
  )


// -----------------------------------------------------------------------------
// request
// -----------------------------------------------------------------------------

/**
 * A content part of an input message: `input_text`, `input_image`,
 * `input_file`, or an `output_text` / `refusal` part of an assistant message
 * fed back as history.
 *
 * @since 0.1.0
 * @category schemas
 */
export const InputContent = Schema.Union(
  struct({ type: Schema.Literal("input_text"), text: Schema.String }),
  struct({
    type: Schema.Literal("input_image"),
    image_url: Schema.optional(Schema.String),
    file_id: Schema.optional(Schema.String),
    detail: Schema.optional(Schema.String)
  }),
  struct({
    type: Schema.Literal("input_file"),
    file_id: Schema.optional(Schema.String),
    file_data: Schema.optional(Schema.String),
    file_url: Schema.optional(Schema.String),
    filename: Schema.optional(Schema.String)
  }),
  struct({
    type: Schema.Literal("output_text"),
    text: Schema.String,
    annotations: Schema.optional(Schema.Array(Schema.Unknown))
  }),
  struct({ type: Schema.Literal("refusal"), refusal: Schema.String })
)

/**
 * @since 0.1.0
 * @category models
 */
export type InputContent = typeof InputContent.Type

/**
 * An input message. `type: "message"` may be omitted.
 *
 * @since 0.1.0
 * @category schemas
 */
export const InputMessage = open({
  type: Schema.optional(Schema.Literal("message")),
  role: Schema.Literal("user", "assistant", "system", "developer"),
  content: Schema.Union(Schema.String, Schema.Array(InputContent)),
  id: Schema.optional(Schema.String),
  status: Schema.optional(Schema.String)
}).annotations({ identifier: "Responses.InputMessage" })

/**
 * @since 0.1.0
 * @category models
 */
export type InputMessage = typeof InputMessage.Type

/**
 * A function call made by the model, fed back as history.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FunctionCallInput = open({
  type: Schema.Literal("function_call"),
  call_id: Schema.String,
  name: Schema.String,
  arguments: Schema.String,
  id: Schema.optional(Schema.String),
  status: Schema.optional(Schema.String)
}).annotations({ identifier: "Responses.FunctionCallInput" })

/**
 * @since 0.1.0
 * @category models
 */
export type FunctionCallInput = typeof FunctionCallInput.Type

/**
 * The output of a function call, sent back to the model.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FunctionCallOutputInput = open({
  type: Schema.Literal("function_call_output"),
  call_id: Schema.String,
  output: Schema.String
}).annotations({ identifier: "Responses.FunctionCallOutputInput" })

/**
 * @since 0.1.0
 * @category models
 */
export type FunctionCallOutputInput = typeof FunctionCallOutputInput.Type

/**
 * Any other input item (`reasoning`, `item_reference`, built-in tool calls,
 * ...), passed through as it is.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OtherInputItem = open({
  type: Schema.String
}).annotations({ identifier: "Responses.OtherInputItem" })

/**
 * @since 0.1.0
 * @category models
 */
export type OtherInputItem = typeof OtherInputItem.Type

/**
 * An item of the `input` array.
 *
 * @since 0.1.0
 * @category schemas
 */
export const InputItem = Schema.Union(InputMessage, FunctionCallInput, FunctionCallOutputInput, OtherInputItem)

/**
 * @since 0.1.0
 * @category models
 */
export type InputItem = typeof InputItem.Type

/**
 * A function tool (flat shape: `name` at the top, not under `function`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const FunctionTool = open({
  type: Schema.Literal("function"),
  name: Schema.String,
  description: Schema.optional(Schema.NullOr(Schema.String)),
  parameters: Schema.optional(Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown }))),
  strict: Schema.optional(Schema.NullOr(Schema.Boolean))
}).annotations({ identifier: "Responses.FunctionTool" })

/**
 * @since 0.1.0
 * @category models
 */
export type FunctionTool = typeof FunctionTool.Type

/**
 * A built-in tool (`web_search`, `file_search`, ...), passed through.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BuiltInTool = open({
  type: Schema.String
}).annotations({ identifier: "Responses.BuiltInTool" })

/**
 * @since 0.1.0
 * @category models
 */
export type BuiltInTool = typeof BuiltInTool.Type

/**
 * A tool of the request.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Tool = Schema.Union(FunctionTool, BuiltInTool)

/**
 * @since 0.1.0
 * @category models
 */
export type Tool = typeof Tool.Type

/**
 * The body of `POST /v1/responses`. Extra top-level vendor fields are
 * accepted and kept.
 *
 * The schema carries `onExcessProperty: "preserve"` as an annotation:
 * `Schema.decodeUnknown` keeps unknown fields.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CreateResponseRequest = open({
  model: Schema.String,
  input: Schema.Union(Schema.String, Schema.Array(InputItem)),
  instructions: Schema.optional(Schema.NullOr(Schema.String)),
  stream: Schema.optional(Schema.Boolean),
  max_output_tokens: Schema.optional(Schema.Number),
  temperature: Schema.optional(Schema.Number),
  top_p: Schema.optional(Schema.Number),
  tools: Schema.optional(Schema.Array(Tool)),
  tool_choice: Schema.optional(
    Schema.Union(
      Schema.Literal("none", "auto", "required"),
      open({ type: Schema.String, name: Schema.optional(Schema.String) })
    )
  ),
  parallel_tool_calls: Schema.optional(Schema.Boolean),
  previous_response_id: Schema.optional(Schema.String),
  store: Schema.optional(Schema.Boolean),
  metadata: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  reasoning: Schema.optional(open({
    effort: Schema.optional(Schema.String),
    summary: Schema.optional(Schema.String)
  })),
  text: Schema.optional(open({
    format: Schema.optional(open({ type: Schema.String }))
  })),
  include: Schema.optional(Schema.Array(Schema.String)),
  truncation: Schema.optional(Schema.String),
  user: Schema.optional(Schema.String),
  service_tier: Schema.optional(Schema.String),
  background: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "Responses.CreateResponseRequest" })

/**
 * A responses request, as a plain object literal.
 *
 * @since 0.1.0
 * @category models
 */
export type CreateResponseRequest = typeof CreateResponseRequest.Encoded

// -----------------------------------------------------------------------------
// response
// -----------------------------------------------------------------------------

/**
 * The known output content types; others decode as {@link UnknownOutputContent}.
 *
 * @since 0.1.0
 * @category models
 */
export const knownOutputContentTypes = ["output_text", "refusal"] as const

/**
 * An `output_text` part of an output message.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OutputText = struct({
  type: Schema.Literal("output_text"),
  text: Schema.optionalWith(Schema.String, { nullable: true, default: () => "" }),
  annotations: nullable(Schema.Array(Schema.Unknown)),
  logprobs: Schema.optional(Schema.Unknown)
}).annotations({ identifier: "Responses.OutputText" })

/**
 * @since 0.1.0
 * @category models
 */
export type OutputText = typeof OutputText.Type

/**
 * A `refusal` part of an output message.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Refusal = struct({
  type: Schema.Literal("refusal"),
  refusal: Schema.optionalWith(Schema.String, { nullable: true, default: () => "" })
}).annotations({ identifier: "Responses.Refusal" })

/**
 * @since 0.1.0
 * @category models
 */
export type Refusal = typeof Refusal.Type

/**
 * An output content part of a type this module does not know, kept as sent.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UnknownOutputContent = struct({
  type: otherThan(knownOutputContentTypes)
}).annotations({ identifier: "Responses.UnknownOutputContent" })

/**
 * @since 0.1.0
 * @category models
 */
export type UnknownOutputContent = typeof UnknownOutputContent.Type

/**
 * A content part of an output message.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OutputContent = Schema.Union(OutputText, Refusal, UnknownOutputContent)

/**
 * @since 0.1.0
 * @category models
 */
export type OutputContent = typeof OutputContent.Type

/**
 * The known output item types; others decode as {@link UnknownOutputItem}.
 *
 * @since 0.1.0
 * @category models
 */
export const knownOutputItemTypes = ["message", "function_call", "reasoning"] as const

/**
 * An output message (`type: "message"`) with its content parts.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OutputMessage = struct({
  type: Schema.Literal("message"),
  id: nullable(Schema.String),
  role: nullable(Schema.String),
  status: nullable(Schema.String),
  content: arrayOrEmpty(OutputContent)
}).annotations({ identifier: "Responses.OutputMessage" })

/**
 * @since 0.1.0
 * @category models
 */
export type OutputMessage = typeof OutputMessage.Type

/**
 * A function call the model made.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FunctionCall = struct({
  type: Schema.Literal("function_call"),
  id: nullable(Schema.String),
  call_id: Schema.optionalWith(Schema.String, { nullable: true, default: () => "" }),
  name: Schema.optionalWith(Schema.String, { nullable: true, default: () => "" }),
  arguments: Schema.optionalWith(Schema.String, { nullable: true, default: () => "" }),
  status: nullable(Schema.String)
}).annotations({ identifier: "Responses.FunctionCall" })

/**
 * @since 0.1.0
 * @category models
 */
export type FunctionCall = typeof FunctionCall.Type

/**
 * A reasoning item (summaries of the model's reasoning).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Reasoning = struct({
  type: Schema.Literal("reasoning"),
  id: nullable(Schema.String),
  summary: nullable(Schema.Array(struct({ type: Schema.String, text: Schema.String }))),
  encrypted_content: nullable(Schema.String)
}).annotations({ identifier: "Responses.Reasoning" })

/**
 * @since 0.1.0
 * @category models
 */
export type Reasoning = typeof Reasoning.Type

/**
 * An output item of a type this module does not know, kept as sent.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UnknownOutputItem = struct({
  type: otherThan(knownOutputItemTypes)
}).annotations({ identifier: "Responses.UnknownOutputItem" })

/**
 * @since 0.1.0
 * @category models
 */
export type UnknownOutputItem = typeof UnknownOutputItem.Type

/**
 * An item of `output`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OutputItem = Schema.Union(OutputMessage, FunctionCall, Reasoning, UnknownOutputItem)

/**
 * @since 0.1.0
 * @category models
 */
export type OutputItem = typeof OutputItem.Type

/**
 * Token usage of a response.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ResponseUsage = struct({
  input_tokens: Schema.Number,
  output_tokens: Schema.Number,
  total_tokens: Schema.Number,
  input_tokens_details: nullable(struct({ cached_tokens: nullable(Schema.Number) })),
  output_tokens_details: nullable(struct({ reasoning_tokens: nullable(Schema.Number) }))
}).annotations({ identifier: "Responses.ResponseUsage" })

/**
 * @since 0.1.0
 * @category models
 */
export type ResponseUsage = typeof ResponseUsage.Type

/**
 * The `{code, message}` error object of a failed response or of a
 * `response.error` event. `code` may be a string or a number.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ResponseErrorObject = struct({
  code: nullable(Schema.Union(Schema.String, Schema.Number)),
  message: nullable(Schema.String)
}).annotations({ identifier: "Responses.ResponseErrorObject" })

/**
 * @since 0.1.0
 * @category models
 */
export type ResponseErrorObject = typeof ResponseErrorObject.Type

/**
 * The response object (the non-streamed body, and the `response` of the
 * lifecycle stream events). `output` missing or null decodes as `[]`.
 *
 * The schema carries `onExcessProperty: "preserve"` as an annotation:
 * `Schema.decodeUnknown` keeps unknown fields.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Response = struct({
  id: Schema.String,
  object: nullable(Schema.String),
  created_at: nullable(Schema.Number),
  status: nullable(Schema.String),
  model: nullable(Schema.String),
  output: arrayOrEmpty(OutputItem),
  usage: nullable(ResponseUsage),
  error: nullable(ResponseErrorObject),
  incomplete_details: nullable(struct({ reason: nullable(Schema.String) })),
  instructions: Schema.optional(Schema.Unknown),
  previous_response_id: nullable(Schema.String),
  temperature: nullable(Schema.Number),
  top_p: nullable(Schema.Number),
  max_output_tokens: nullable(Schema.Number),
  metadata: Schema.optional(Schema.Unknown),
  tools: Schema.optional(Schema.Unknown)
}).annotations({ identifier: "Responses.Response" })

/**
 * @since 0.1.0
 * @category models
 */
export type Response = typeof Response.Type

/**
 * The text of a response: every `output_text` part of every `message` item,
 * concatenated (the `output_text` convenience of the OpenAI SDKs).
 *
 * @since 0.1.0
 * @category accessors
 */
export const outputText = (response: Response): string => {
  let text = ""
  for (const item of response.output as ReadonlyArray<Record<string, unknown>>) {
    if (item.type !== "message" || !Array.isArray(item.content)) continue
    for (const part of item.content as ReadonlyArray<unknown>) {
      if (isRecord(part) && part.type === "output_text" && typeof part.text === "string") text += part.text
    }
  }
  return text
}

// -----------------------------------------------------------------------------
// stream events
// -----------------------------------------------------------------------------

const lifecycle = <T extends string>(type: T) =>
  struct({
    type: Schema.Literal(type),
    sequence_number: nullable(Schema.Number),
    response: Response
  }).annotations({ identifier: `Responses.Event(${type})` })

/**
 * `response.created`: the response object, status `in_progress`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ResponseCreatedEvent = lifecycle("response.created")

/**
 * @since 0.1.0
 * @category models
 */
export type ResponseCreatedEvent = typeof ResponseCreatedEvent.Type

/**
 * `response.in_progress`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ResponseInProgressEvent = lifecycle("response.in_progress")

/**
 * @since 0.1.0
 * @category models
 */
export type ResponseInProgressEvent = typeof ResponseInProgressEvent.Type

/**
 * `response.completed`: the final response object (the end of the stream;
 * there is no `[DONE]`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ResponseCompletedEvent = lifecycle("response.completed")

/**
 * @since 0.1.0
 * @category models
 */
export type ResponseCompletedEvent = typeof ResponseCompletedEvent.Type

/**
 * `response.failed`: the final response object with `status: "failed"` and
 * its `error`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ResponseFailedEvent = lifecycle("response.failed")

/**
 * @since 0.1.0
 * @category models
 */
export type ResponseFailedEvent = typeof ResponseFailedEvent.Type

/**
 * `response.incomplete`: the final response object with
 * `status: "incomplete"` (e.g. `max_output_tokens` reached).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ResponseIncompleteEvent = lifecycle("response.incomplete")

/**
 * @since 0.1.0
 * @category models
 */
export type ResponseIncompleteEvent = typeof ResponseIncompleteEvent.Type

/**
 * `response.output_item.added`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OutputItemAddedEvent = struct({
  type: Schema.Literal("response.output_item.added"),
  sequence_number: nullable(Schema.Number),
  output_index: nullable(Schema.Number),
  item: OutputItem
}).annotations({ identifier: "Responses.OutputItemAddedEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type OutputItemAddedEvent = typeof OutputItemAddedEvent.Type

/**
 * `response.output_item.done`: the finished item.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OutputItemDoneEvent = struct({
  type: Schema.Literal("response.output_item.done"),
  sequence_number: nullable(Schema.Number),
  output_index: nullable(Schema.Number),
  item: OutputItem
}).annotations({ identifier: "Responses.OutputItemDoneEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type OutputItemDoneEvent = typeof OutputItemDoneEvent.Type

/**
 * `response.content_part.added`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ContentPartAddedEvent = struct({
  type: Schema.Literal("response.content_part.added"),
  sequence_number: nullable(Schema.Number),
  item_id: nullable(Schema.String),
  output_index: nullable(Schema.Number),
  content_index: nullable(Schema.Number),
  part: OutputContent
}).annotations({ identifier: "Responses.ContentPartAddedEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type ContentPartAddedEvent = typeof ContentPartAddedEvent.Type

/**
 * `response.content_part.done`: the finished part.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ContentPartDoneEvent = struct({
  type: Schema.Literal("response.content_part.done"),
  sequence_number: nullable(Schema.Number),
  item_id: nullable(Schema.String),
  output_index: nullable(Schema.Number),
  content_index: nullable(Schema.Number),
  part: OutputContent
}).annotations({ identifier: "Responses.ContentPartDoneEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type ContentPartDoneEvent = typeof ContentPartDoneEvent.Type

/**
 * `response.output_text.delta`: a piece of text.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OutputTextDeltaEvent = struct({
  type: Schema.Literal("response.output_text.delta"),
  sequence_number: nullable(Schema.Number),
  item_id: nullable(Schema.String),
  output_index: nullable(Schema.Number),
  content_index: nullable(Schema.Number),
  delta: Schema.optionalWith(Schema.String, { nullable: true, default: () => "" })
}).annotations({ identifier: "Responses.OutputTextDeltaEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type OutputTextDeltaEvent = typeof OutputTextDeltaEvent.Type

/**
 * `response.output_text.done`: the whole text of the part.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OutputTextDoneEvent = struct({
  type: Schema.Literal("response.output_text.done"),
  sequence_number: nullable(Schema.Number),
  item_id: nullable(Schema.String),
  output_index: nullable(Schema.Number),
  content_index: nullable(Schema.Number),
  text: nullable(Schema.String)
}).annotations({ identifier: "Responses.OutputTextDoneEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type OutputTextDoneEvent = typeof OutputTextDoneEvent.Type

/**
 * `response.function_call_arguments.delta`: a piece of a function call's
 * arguments.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FunctionCallArgumentsDeltaEvent = struct({
  type: Schema.Literal("response.function_call_arguments.delta"),
  sequence_number: nullable(Schema.Number),
  item_id: nullable(Schema.String),
  output_index: nullable(Schema.Number),
  delta: Schema.optionalWith(Schema.String, { nullable: true, default: () => "" })
}).annotations({ identifier: "Responses.FunctionCallArgumentsDeltaEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type FunctionCallArgumentsDeltaEvent = typeof FunctionCallArgumentsDeltaEvent.Type

/**
 * `response.function_call_arguments.done`: the whole arguments string.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FunctionCallArgumentsDoneEvent = struct({
  type: Schema.Literal("response.function_call_arguments.done"),
  sequence_number: nullable(Schema.Number),
  item_id: nullable(Schema.String),
  output_index: nullable(Schema.Number),
  arguments: nullable(Schema.String)
}).annotations({ identifier: "Responses.FunctionCallArgumentsDoneEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type FunctionCallArgumentsDoneEvent = typeof FunctionCallArgumentsDoneEvent.Type

/**
 * `response.error`: the gateway's in-stream error, `error: {code, message}`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ResponseErrorEvent = struct({
  type: Schema.Literal("response.error"),
  sequence_number: nullable(Schema.Number),
  error: nullable(ResponseErrorObject)
}).annotations({ identifier: "Responses.ResponseErrorEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type ResponseErrorEvent = typeof ResponseErrorEvent.Type

/**
 * `error`: OpenAI's in-stream error event, with `code`, `message` and `param`
 * at the top level.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ErrorEvent = struct({
  type: Schema.Literal("error"),
  sequence_number: nullable(Schema.Number),
  code: nullable(Schema.Union(Schema.String, Schema.Number)),
  message: nullable(Schema.String),
  param: nullable(Schema.String)
}).annotations({ identifier: "Responses.ErrorEvent" })

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
  "response.created",
  "response.in_progress",
  "response.completed",
  "response.failed",
  "response.incomplete",
  "response.output_item.added",
  "response.output_item.done",
  "response.content_part.added",
  "response.content_part.done",
  "response.output_text.delta",
  "response.output_text.done",
  "response.function_call_arguments.delta",
  "response.function_call_arguments.done",
  "response.error",
  "error"
] as const

/**
 * An event of a type this module does not know (e.g.
 * `response.reasoning_summary_text.delta`), kept whole.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UnknownEvent = struct({
  type: otherThan(knownEventTypes),
  sequence_number: nullable(Schema.Number)
}).annotations({ identifier: "Responses.UnknownEvent" })

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
  ResponseCreatedEvent,
  ResponseInProgressEvent,
  ResponseCompletedEvent,
  ResponseFailedEvent,
  ResponseIncompleteEvent,
  OutputItemAddedEvent,
  OutputItemDoneEvent,
  ContentPartAddedEvent,
  ContentPartDoneEvent,
  OutputTextDeltaEvent,
  OutputTextDoneEvent,
  FunctionCallArgumentsDeltaEvent,
  FunctionCallArgumentsDoneEvent,
  ResponseErrorEvent,
  ErrorEvent
)

/**
 * @since 0.1.0
 * @category models
 */
export type KnownStreamEvent = typeof KnownStreamEvent.Type

/**
 * One `data:` payload of a responses stream: a known event or, for a type
 * this module does not know, an {@link UnknownEvent}.
 *
 * The schema carries `onExcessProperty: "preserve"` as an annotation:
 * `Schema.decodeUnknown` keeps unknown fields.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ResponseStreamEvent = Schema.Union(KnownStreamEvent, UnknownEvent)

/**
 * @since 0.1.0
 * @category models
 */
export type ResponseStreamEvent = typeof ResponseStreamEvent.Type

/**
 * Narrows a stream event to the known event of the given type. (A plain
 * `event.type === "..."` check does not narrow, because the fallback's `type`
 * is `string`.)
 *
 * @since 0.1.0
 * @category guards
 */
export const isEventType = <T extends KnownStreamEvent["type"]>(
  event: ResponseStreamEvent,
  type: T
): event is Extract<KnownStreamEvent, { readonly type: T }> => event.type === type
