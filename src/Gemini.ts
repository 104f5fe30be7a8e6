/**
 * Schemas for the Gemini surface of the SkyEngine gateway
 * (`POST /v1beta/models/{model}:generateContent` and
 * `:streamGenerateContent?alt=sse`): the request, the
 * `GenerateContentResponse` (one per SSE `data:` line when streaming, with no
 * terminator).
 *
 * The model is part of the path, not of the body: {@link GenerateContentRequest}
 * has `model` plus the body fields, {@link bodyOf} drops `model`, and
 * {@link path} builds the URL path.
 *
 * The gateway adds an `sdkHttpResponse` object to every body; it decodes (and
 * is kept). Finish reasons, roles, safety categories and probabilities are
 * plain strings.
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

const JsonObject = Schema.Record({ key: Schema.String, value: Schema.Unknown })


// -----------------------------------------------------------------------------
// known values
// -----------------------------------------------------------------------------

/**
 * Common finish reasons. `finishReason` is decoded as `string` because the
 * list keeps growing upstream.
 *
 * @since 0.1.0
 * @category models
 */
export type KnownFinishReason =
  | "FINISH_REASON_UNSPECIFIED"
  | "STOP"
  | "MAX_TOKENS"
  | "SAFETY"
  | "RECITATION"
  | "LANGUAGE"
  | "OTHER"
  | "BLOCKLIST"
  | "PROHIBITED_CONTENT"
  | "SPII"
  | "MALFORMED_FUNCTION_CALL"

// -----------------------------------------------------------------------------
// content
// -----------------------------------------------------------------------------

/**
 * A part of a content: Gemini parts are not tagged, a part has one of
 * `text`, `inlineData`, `fileData`, `functionCall`, `functionResponse`,
 * `executableCode`, `codeExecutionResult`, plus the flags `thought` and
 * `thoughtSignature`. Used both in requests and in responses.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Part = struct({
  text: Schema.optional(Schema.String),
  thought: Schema.optional(Schema.Boolean),
  thoughtSignature: Schema.optional(Schema.String),
  inlineData: Schema.optional(struct({ mimeType: Schema.String, data: Schema.String })),
  fileData: Schema.optional(struct({ mimeType: Schema.optional(Schema.String), fileUri: Schema.String })),
  functionCall: Schema.optional(struct({
    id: Schema.optional(Schema.String),
    name: Schema.String,
    args: Schema.optional(JsonObject)
  })),
  functionResponse: Schema.optional(struct({
    id: Schema.optional(Schema.String),
    name: Schema.String,
    response: JsonObject
  })),
  executableCode: Schema.optional(struct({ language: Schema.String, code: Schema.String })),
  codeExecutionResult: Schema.optional(struct({ outcome: Schema.String, output: Schema.optional(Schema.String) })),
  videoMetadata: Schema.optional(JsonObject)
}).annotations({ identifier: "Gemini.Part" })

/**
 * @since 0.1.0
 * @category models
 */
export type Part = typeof Part.Type

/**
 * A content: a `role` (`"user"` or `"model"`; decoded as a string) and its
 * parts. A candidate's content can be sent back as-is in a later request.
 * Missing or null `parts` decode as `[]` (the server omits them, e.g. on a
 * `SAFETY` finish).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Content = struct({
  role: Schema.optional(Schema.String),
  parts: Schema.optionalWith(Schema.Array(Part), { nullable: true, default: () => [] })
}).annotations({ identifier: "Gemini.Content" })

/**
 * @since 0.1.0
 * @category models
 */
export type Content = typeof Content.Type

// -----------------------------------------------------------------------------
// request
// -----------------------------------------------------------------------------

/**
 * A content of a request (both `role` and `parts` as the user writes them).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ContentParam = struct({
  role: Schema.optional(Schema.String),
  parts: Schema.Array(Part)
}).annotations({ identifier: "Gemini.ContentParam" })

/**
 * @since 0.1.0
 * @category models
 */
export type ContentParam = typeof ContentParam.Type

/**
 * A safety setting.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SafetySetting = open({
  category: Schema.String,
  threshold: Schema.String
}).annotations({ identifier: "Gemini.SafetySetting" })

/**
 * @since 0.1.0
 * @category models
 */
export type SafetySetting = typeof SafetySetting.Type

/**
 * `generationConfig`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const GenerationConfig = open({
  temperature: Schema.optional(Schema.Number),
  topP: Schema.optional(Schema.Number),
  topK: Schema.optional(Schema.Number),
  candidateCount: Schema.optional(Schema.Number),
  maxOutputTokens: Schema.optional(Schema.Number),
  stopSequences: Schema.optional(Schema.Array(Schema.String)),
  presencePenalty: Schema.optional(Schema.Number),
  frequencyPenalty: Schema.optional(Schema.Number),
  seed: Schema.optional(Schema.Number),
  responseMimeType: Schema.optional(Schema.String),
  responseSchema: Schema.optional(Schema.Unknown),
  responseJsonSchema: Schema.optional(Schema.Unknown),
  responseModalities: Schema.optional(Schema.Array(Schema.String)),
  thinkingConfig: Schema.optional(open({
    thinkingBudget: Schema.optional(Schema.Number),
    includeThoughts: Schema.optional(Schema.Boolean),
    thinkingLevel: Schema.optional(Schema.String)
  }))
}).annotations({ identifier: "Gemini.GenerationConfig" })

/**
 * @since 0.1.0
 * @category models
 */
export type GenerationConfig = typeof GenerationConfig.Type

/**
 * A tool: `functionDeclarations`, or a built-in (`googleSearch`,
 * `codeExecution`, ...) passed through.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Tool = open({
  functionDeclarations: Schema.optional(Schema.Array(open({
    name: Schema.String,
    description: Schema.optional(Schema.String),
    parameters: Schema.optional(Schema.Unknown),
    parametersJsonSchema: Schema.optional(Schema.Unknown)
  })))
}).annotations({ identifier: "Gemini.Tool" })

/**
 * @since 0.1.0
 * @category models
 */
export type Tool = typeof Tool.Type

const bodyFields = {
  contents: Schema.Array(ContentParam),
  systemInstruction: Schema.optional(ContentParam),
  generationConfig: Schema.optional(GenerationConfig),
  safetySettings: Schema.optional(Schema.Array(SafetySetting)),
  tools: Schema.optional(Schema.Array(Tool)),
  toolConfig: Schema.optional(JsonObject),
  cachedContent: Schema.optional(Schema.String),
  labels: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))
}

/**
 * The JSON body of `generateContent` / `streamGenerateContent` (no `model`:
 * it is in the path). Extra top-level fields are accepted and kept.
 *
 * The schema carries `onExcessProperty: "preserve"` as an annotation:
 * `Schema.decodeUnknown` keeps unknown fields.
 *
 * @since 0.1.0
 * @category schemas
 */
export const GenerateContentBody = open(bodyFields).annotations({ identifier: "Gemini.GenerateContentBody" })

/**
 * A request body, as a plain object literal.
 *
 * @since 0.1.0
 * @category models
 */
export type GenerateContentBody = typeof GenerateContentBody.Encoded

/**
 * A request as the user writes it: the `model` (e.g. `"gemini-2.5-flash"`)
 * plus the body fields. Use {@link bodyOf} and {@link path} to send it.
 *
 * The schema carries `onExcessProperty: "preserve"` as an annotation:
 * `Schema.decodeUnknown` keeps unknown fields.
 *
 * @since 0.1.0
 * @category schemas
 */
export const GenerateContentRequest = open({
  model: Schema.String,
  ...bodyFields
}).annotations({ identifier: "Gemini.GenerateContentRequest" })

/**
 * A request with its model, as a plain object literal.
 *
 * @since 0.1.0
 * @category models
 */
export type GenerateContentRequest = typeof GenerateContentRequest.Encoded

/**
 * The JSON body of a request: the request without `model`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const bodyOf = (request: GenerateContentRequest): GenerateContentBody => {
  const { model: _model, ...body } = request
  return body
}

/**
 * The URL path of a call:
 * `/v1beta/models/${encodeURIComponent(model)}:generateContent`, or
 * `:streamGenerateContent?alt=sse` when `stream` is true. A leading
 * `models/` in `model` (the resource-name form) is dropped.
 *
 * @since 0.1.0
 * @category constructors
 */
export const path = (model: string, stream: boolean): string => {
  const name = model.startsWith("models/") ? model.slice("models/".length) : model
  return `/v1beta/models/${encodeURIComponent(name)}:${stream ? "streamGenerateContent?alt=sse" : "generateContent"}`
}

// -----------------------------------------------------------------------------
// response
// -----------------------------------------------------------------------------

/**
 * A safety rating of a candidate or of the prompt.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SafetyRating = struct({
  category: nullable(Schema.String),
  probability: nullable(Schema.String),
  probabilityScore: nullable(Schema.Number),
  severity: nullable(Schema.String),
  severityScore: nullable(Schema.Number),
  blocked: nullable(Schema.Boolean)
}).annotations({ identifier: "Gemini.SafetyRating" })

/**
 * @since 0.1.0
 * @category models
 */
export type SafetyRating = typeof SafetyRating.Type

/**
 * A candidate. `index` is omitted by the server for the first candidate in
 * some responses: read it as `index ?? 0`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Candidate = struct({
  content: nullable(Content),
  finishReason: nullable(Schema.String),
  finishMessage: nullable(Schema.String),
  index: nullable(Schema.Number),
  safetyRatings: nullable(Schema.Array(SafetyRating)),
  citationMetadata: Schema.optional(Schema.Unknown),
  groundingMetadata: Schema.optional(Schema.Unknown),
  tokenCount: nullable(Schema.Number),
  avgLogprobs: nullable(Schema.Number),
  logprobsResult: Schema.optional(Schema.Unknown)
}).annotations({ identifier: "Gemini.Candidate" })

/**
 * @since 0.1.0
 * @category models
 */
export type Candidate = typeof Candidate.Type

/**
 * Token counts per modality.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ModalityTokenCount = struct({
  modality: nullable(Schema.String),
  tokenCount: nullable(Schema.Number)
}).annotations({ identifier: "Gemini.ModalityTokenCount" })

/**
 * @since 0.1.0
 * @category models
 */
export type ModalityTokenCount = typeof ModalityTokenCount.Type

/**
 * `usageMetadata`. Every count is optional (the server omits zero counts).
 *
 * @since 0.1.0
 * @category schemas
 */
export const UsageMetadata = struct({
  promptTokenCount: nullable(Schema.Number),
  candidatesTokenCount: nullable(Schema.Number),
  totalTokenCount: nullable(Schema.Number),
  thoughtsTokenCount: nullable(Schema.Number),
  cachedContentTokenCount: nullable(Schema.Number),
  toolUsePromptTokenCount: nullable(Schema.Number),
  promptTokensDetails: nullable(Schema.Array(ModalityTokenCount)),
  candidatesTokensDetails: nullable(Schema.Array(ModalityTokenCount)),
  cacheTokensDetails: nullable(Schema.Array(ModalityTokenCount))
}).annotations({ identifier: "Gemini.UsageMetadata" })

/**
 * @since 0.1.0
 * @category models
 */
export type UsageMetadata = typeof UsageMetadata.Type

/**
 * The gateway's extra `sdkHttpResponse` object (the upstream HTTP response as
 * the Go SDK saw it). `headers` values may be strings or arrays of strings.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SdkHttpResponse = struct({
  headers: nullable(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  body: nullable(Schema.String)
}).annotations({ identifier: "Gemini.SdkHttpResponse" })

/**
 * @since 0.1.0
 * @category models
 */
export type SdkHttpResponse = typeof SdkHttpResponse.Type

/**
 * The response of `generateContent`, and each `data:` payload of
 * `streamGenerateContent`. `candidates` missing or null decodes as `[]` (a
 * blocked prompt has only `promptFeedback`).
 *
 * The schema carries `onExcessProperty: "preserve"` as an annotation:
 * `Schema.decodeUnknown` keeps unknown fields.
 *
 * @since 0.1.0
 * @category schemas
 */
export const GenerateContentResponse = struct({
  candidates: Schema.optionalWith(Schema.Array(Candidate), { nullable: true, default: () => [] }),
  promptFeedback: nullable(struct({
    blockReason: nullable(Schema.String),
    blockReasonMessage: nullable(Schema.String),
    safetyRatings: nullable(Schema.Array(SafetyRating))
  })),
  usageMetadata: nullable(UsageMetadata),
  modelVersion: nullable(Schema.String),
  responseId: nullable(Schema.String),
  createTime: nullable(Schema.String),
  sdkHttpResponse: nullable(SdkHttpResponse)
}).annotations({ identifier: "Gemini.GenerateContentResponse" })

/**
 * @since 0.1.0
 * @category models
 */
export type GenerateContentResponse = typeof GenerateContentResponse.Type

/**
 * The text of a response's first candidate (index 0): its non-thought text
 * parts, concatenated.
 *
 * @since 0.1.0
 * @category accessors
 */
export const textOf = (response: GenerateContentResponse): string => {
  const candidate = response.candidates.find((c) => (c.index ?? 0) === 0) ?? response.candidates[0]
  let text = ""
  for (const part of candidate?.content?.parts ?? []) {
    if (typeof part.text === "string" && part.thought !== true) text += part.text
  }
  return text
}
