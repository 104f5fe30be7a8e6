/**
 * The SkyEngine client: every call an `Effect<A, SkyError>`, every stream a
 * `Stream<A, SkyError>`, with the server's retry hints followed and a
 * per-request timeout.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as ParseResult from "effect/ParseResult"
import type * as SchemaAST from "effect/SchemaAST"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Chat from "./Chat.js"
import * as Embeddings from "./Embeddings.js"
import * as Gemini from "./Gemini.js"
import * as Client from "./internal/client.js"
import { optionMillis, timeoutOr } from "./internal/deadline.js"
import * as ChatStream from "./internal/surfaces/chat.js"
import * as GeminiStream from "./internal/surfaces/gemini.js"
import * as MessagesStream from "./internal/surfaces/messages.js"
import * as ResponsesStream from "./internal/surfaces/responses.js"
import type { StreamSurface } from "./internal/stream.js"
import * as Request from "./internal/request.js"
import { fastDecoder } from "./internal/fastDecode.js"
import * as Messages from "./Messages.js"
import * as Responses from "./Responses.js"
import type * as SkyError from "./SkyError.js"
import * as SkyRetry from "./SkyRetry.js"
import { retryDurationProblem, retryOptionsProblem } from "../packages/core/src/retryPolicy.js"

/**
 * The gateway's public address.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl = "https://model-api.skyengine.com.cn"

/**
 * The default per-request deadline: 10 minutes, as in the official SDKs, since
 * a non-streamed reasoning call can take minutes.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultTimeout: Duration.Duration = Duration.minutes(10)

/**
 * The `anthropic-version` header sent to `/v1/messages`.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultAnthropicVersion = "2023-06-01"

/**
 * The client's settings, with the names the official SDKs use.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The API key (`ak-...`), kept `Redacted`: it never appears in an error, a log or a span. A key that is empty,
   * only whitespace, or holds a control character fails the client's construction with a `ConfigError`.
   */
  readonly apiKey: Redacted.Redacted<string>
  /** Default `https://model-api.skyengine.com.cn`. */
  readonly baseUrl?: string | undefined
  /**
   * The deadline of one attempt. For a plain call it covers the whole
   * response; for a stream it covers the response headers and then each gap
   * between two events (an SSE comment such as `: ping`, or part of an event,
   * does not end a gap). Default 10 minutes. Must be positive (`Duration.infinity`:
   * no deadline): zero, negative or unreadable fails `make` with a `ConfigError`.
   */
  readonly timeout?: Duration.DurationInput | undefined
  /**
   * The deadline of one attempt's whole stream, from sending the request to
   * the stream's last event, however steadily events arrive. Default: none.
   * Must be positive, as `timeout`.
   *
   * @since 0.2.0
   */
  readonly streamTimeout?: Duration.DurationInput | undefined
  /**
   * Retries after the first attempt. Default 2; 0 turns retries off. A whole number, 0 or more: anything else
   * (negative, fractional, NaN, Infinity) fails `make` with a `ConfigError` at `maxRetries`.
   */
  readonly maxRetries?: number | undefined
  /**
   * The rest of the retry policy: backoff, jitter, and the cap on a server's `retry-after`. Durations 0 or more
   * (`Duration.infinity` allowed), `jitter` from 0 to 1: anything else fails `make` with a `ConfigError` at its name
   * (e.g. `retry.initialDelay`).
   */
  readonly retry?: SkyRetry.RetryOptions | undefined
  /** Headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** The `anthropic-version` header for `/v1/messages`. Default `2023-06-01`. */
  readonly anthropicVersion?: string | undefined
}

/**
 * What one call may change: its own deadline, retries and headers.
 *
 * @since 0.1.0
 * @category models
 */
export interface CallOptions {
  /**
   * The deadline of one attempt (see `Options.timeout`), for this call; zero, negative or unreadable fails the
   * call as `InvalidRequest`, never sent (as does such a `streamTimeout`).
   */
  readonly timeout?: Duration.DurationInput | undefined
  /**
   * The deadline of one attempt's whole stream (see `Options.streamTimeout`);
   * for this call, over the client's.
   *
   * @since 0.2.0
   */
  readonly streamTimeout?: Duration.DurationInput | undefined
  /** Retries for this call (see `Options.maxRetries`); a value `make` would refuse fails the call as `InvalidRequest`. */
  readonly maxRetries?: number | undefined
  /** The retry policy for this call, over the client's (see `Options.retry`); refused the same way. */
  readonly retry?: SkyRetry.RetryOptions | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/**
 * A call to any other path of the gateway.
 *
 * @since 0.1.0
 * @category models
 */
export interface RawRequest {
  readonly method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | undefined
  /** A path under the base URL, e.g. `/v1/images/generations`. */
  readonly path: string
  /** A JSON body. */
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/**
 * The client's methods. Every error channel is exactly `SkyError`; a request
 * body that cannot be encoded as JSON (a `BigInt`, a cycle) fails with
 * `RequestParseFailed` before anything is sent.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** `POST /v1/chat/completions`. */
  readonly chatCompletions: (
    request: Chat.CreateChatCompletionRequest,
    options?: CallOptions
  ) => Effect.Effect<Chat.ChatCompletion, SkyError.SkyError>
  /** `POST /v1/chat/completions` with `stream: true`; ends at `[DONE]`. */
  readonly chatCompletionsStream: (
    request: Chat.CreateChatCompletionRequest,
    options?: CallOptions
  ) => Stream.Stream<Chat.ChatCompletionChunk, SkyError.SkyError>
  /** `POST /v1/responses`. */
  readonly responses: (
    request: Responses.CreateResponseRequest,
    options?: CallOptions
  ) => Effect.Effect<Responses.Response, SkyError.SkyError>
  /** `POST /v1/responses` with `stream: true`; ends at `response.completed`. */
  readonly responsesStream: (
    request: Responses.CreateResponseRequest,
    options?: CallOptions
  ) => Stream.Stream<Responses.ResponseStreamEvent, SkyError.SkyError>
  /** `POST /v1/messages` (Anthropic), with `anthropic-version`. */
  readonly messages: (
    request: Messages.CreateMessageRequest,
    options?: CallOptions
  ) => Effect.Effect<Messages.Message, SkyError.SkyError>
  /** `POST /v1/messages` with `stream: true`; ends at `message_stop`. */
  readonly messagesStream: (
    request: Messages.CreateMessageRequest,
    options?: CallOptions
  ) => Stream.Stream<Messages.MessageStreamEvent, SkyError.SkyError>
  /** `POST /v1beta/models/{model}:generateContent`. */
  readonly generateContent: (
    request: Gemini.GenerateContentRequest,
    options?: CallOptions
  ) => Effect.Effect<Gemini.GenerateContentResponse, SkyError.SkyError>
  /** `POST /v1beta/models/{model}:streamGenerateContent?alt=sse`; ends with the body, after a finish reason. */
  readonly streamGenerateContent: (
    request: Gemini.GenerateContentRequest,
    options?: CallOptions
  ) => Stream.Stream<Gemini.GenerateContentResponse, SkyError.SkyError>
  /** `POST /v1/embeddings`. */
  readonly embeddings: (
    request: Embeddings.CreateEmbeddingRequest,
    options?: CallOptions
  ) => Effect.Effect<Embeddings.CreateEmbeddingResponse, SkyError.SkyError>
  /** Any other path: the JSON body of the answer, with the same errors, retries and timeout. */
  readonly request: (request: RawRequest, options?: CallOptions) => Effect.Effect<unknown, SkyError.SkyError>
}

/**
 * The client service.
 *
 * @since 0.1.0
 * @category tags
 */
export class SkyClient extends Context.Tag("effect-skyengine/SkyClient")<SkyClient, Service>() {}

type Decoder<A> = (u: unknown, options?: SchemaAST.ParseOptions) => Effect.Effect<A, ParseResult.ParseError>

// Response bodies: a body that already has the type is taken as it is (see fastDecoder).
const decodeChatCompletion = fastDecoder(Chat.ChatCompletion)
const decodeResponse = fastDecoder(Responses.Response)
const decodeMessage = fastDecoder(Messages.Message)
const decodeGenerateContentResponse = fastDecoder(Gemini.GenerateContentResponse)
const decodeCreateEmbeddingResponse = fastDecoder(Embeddings.CreateEmbeddingResponse)

const settingsOf = (options: Options, timeout: Duration.Duration, streamTimeout: Duration.Duration): Request.Settings => ({
  apiKey: options.apiKey,
  baseUrl: options.baseUrl ?? defaultBaseUrl,
  plan: Request.plannerOf(options.apiKey, options.baseUrl ?? defaultBaseUrl, options.headers ?? {}),
  timeout,
  retry: SkyRetry.policy({ ...options.retry, maxRetries: options.maxRetries ?? options.retry?.maxRetries }),
  anthropicVersion: options.anthropicVersion ?? defaultAnthropicVersion,
  streamTimeout
})

const withStream = <R extends object>(request: R, stream: boolean): R & { readonly stream: boolean } => ({
  ...request,
  stream
})

const modelOf = (request: { readonly [key: string]: unknown }): string | undefined =>
  typeof request.model === "string" ? request.model : undefined

/**
 * The API key checked when the client is built: an empty key, a key of only
 * whitespace, or one holding a control character (CR, LF, ...) fails with a
 * `ConfigError` at `path` that never shows the key. Every other key is used as it is.
 */
const checkApiKey = (
  apiKey: Redacted.Redacted<string>,
  path: string
): Effect.Effect<void, ConfigError.ConfigError> => {
  const problem = Request.apiKeyProblem(Redacted.value(apiKey))
  return problem === undefined ? Effect.void : Effect.fail(ConfigError.InvalidData([path], problem))
}

/**
 * A timeout option checked when the client is built: zero, negative, NaN or not a duration fails with a
 * `ConfigError` at `path` (core's `timeoutProblem`); absent is `fallback`; `Duration.infinity` is no deadline.
 */
const checkTimeout = (
  input: Duration.DurationInput | undefined,
  fallback: Duration.Duration,
  path: string
): Effect.Effect<Duration.Duration, ConfigError.ConfigError> => {
  const timeout = timeoutOr(input, fallback, path)
  return typeof timeout === "string" ? Effect.fail(ConfigError.InvalidData([path], timeout)) : Effect.succeed(timeout)
}

/**
 * The retry options checked when the client is built: the first that core's `retryOptionsProblem` refuses
 * (`maxRetries` not a whole number >= 0, `retry.jitter` outside 0..1, a retry duration negative, NaN or unreadable)
 * fails with a `ConfigError` at its name.
 */
const checkRetry = (options: Options): Effect.Effect<void, ConfigError.ConfigError> => {
  const problem = retryOptionsProblem(options.maxRetries, options.retry, optionMillis)
  return problem === undefined ? Effect.void : Effect.fail(ConfigError.InvalidData(problem.option.split("."), problem.reason))
}

/**
 * Builds the service over an `HttpClient`. Fails with a `ConfigError` (at
 * `apiKey`) when the API key is empty, only whitespace, or holds a control
 * character; the error never shows the key. A `timeout` or `streamTimeout`
 * that is zero, negative or unreadable fails the same way, at its own name, as
 * does a bad retry option (`maxRetries` not a whole number 0 or more,
 * `retry.jitter` outside 0..1, a retry duration negative, NaN or unreadable).
 *
 * The `HttpClient` is used without `@effect/platform`'s own `http.client` span
 * (it would record the request's `authorization` header); each call's
 * `SkyClient.*` span is the client span, and its trace context is what the
 * request propagates. Redirects are never followed, on any `HttpClient`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Service, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Effect.zipRight(Effect.zipRight(checkApiKey(options.apiKey, "apiKey"), checkRetry(options)), Effect.zipWith(
    Effect.zip(
      checkTimeout(options.timeout, defaultTimeout, "timeout"),
      checkTimeout(options.streamTimeout, Duration.infinity, "streamTimeout")
    ),
    HttpClient.HttpClient,
    ([timeout, streamTimeout], transportClient) => {
    const http = Request.transport(transportClient)
    const settings = settingsOf(options, timeout, streamTimeout)
    const json = <A>(endpoint: Request.Endpoint, decode: Decoder<A>, call?: CallOptions) =>
      Client.callJson(http, settings, endpoint, decode, call)
    const stream = <A>(endpoint: Request.Endpoint, surface: StreamSurface<A>, call?: CallOptions) =>
      Client.callStream(http, settings, endpoint, surface, call)
    const post = (
      operation: string,
      path: string,
      body: { readonly [key: string]: unknown },
      headers?: Record<string, string>
    ): Request.Endpoint => ({
      operation,
      method: "POST",
      path,
      body,
      headers,
      model: modelOf(body)
    })
    const anthropic = { "anthropic-version": settings.anthropicVersion }
    const geminiEndpoint = (operation: string, request: Gemini.GenerateContentRequest, streamed: boolean): Request.Endpoint => {
      let path: string
      try {
        path = Gemini.path(request.model, streamed)
      } catch (cause) {
        // A model name that cannot be put in a URL (a lone surrogate makes encodeURIComponent throw).
        return {
          operation,
          method: "POST",
          path: "",
          model: request.model,
          invalid: `the model name cannot be put in a URL (${cause instanceof Error ? cause.message : String(cause)})`
        }
      }
      return { operation, method: "POST", path, body: Gemini.bodyOf(request), model: request.model }
    }
    return SkyClient.of({
      chatCompletions: (request, call) =>
        json(post("chatCompletions", "/v1/chat/completions", withStream(request, false)), decodeChatCompletion, call),
      chatCompletionsStream: (request, call) =>
        stream(
          post("chatCompletionsStream", "/v1/chat/completions", {
            ...request,
            stream: true,
            stream_options: { include_usage: true, ...request.stream_options }
          }),
          ChatStream.surface,
          call
        ),
      responses: (request, call) =>
        json(post("responses", "/v1/responses", withStream(request, false)), decodeResponse, call),
      responsesStream: (request, call) =>
        stream(post("responsesStream", "/v1/responses", withStream(request, true)), ResponsesStream.surface, call),
      messages: (request, call) =>
        json(post("messages", "/v1/messages", withStream(request, false), anthropic), decodeMessage, call),
      messagesStream: (request, call) =>
        stream(post("messagesStream", "/v1/messages", withStream(request, true), anthropic), MessagesStream.surface, call),
      generateContent: (request, call) =>
        json(geminiEndpoint("generateContent", request, false), decodeGenerateContentResponse, call),
      streamGenerateContent: (request, call) =>
        stream(geminiEndpoint("streamGenerateContent", request, true), GeminiStream.surface, call),
      embeddings: (request, call) =>
        json(post("embeddings", "/v1/embeddings", request), decodeCreateEmbeddingResponse, call),
      request: (request, call) =>
        json(
          {
            operation: "request",
            method: request.method ?? (request.body === undefined ? "GET" : "POST"),
            path: request.path,
            body: request.body,
            headers: request.headers,
            model: typeof request.body === "object" && request.body !== null
              ? modelOf(request.body as { readonly [key: string]: unknown })
              : undefined
          },
          Effect.succeed,
          call
        )
    })
  }))

/**
 * The client as a layer, from options. Fails with a `ConfigError` (at `apiKey`)
 * when the API key is empty, only whitespace, or holds a control character.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<SkyClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(SkyClient, make(options))

/**
 * The settings read from configuration: `SKYENGINE_API_KEY` (required, as
 * `Redacted`), `SKYENGINE_BASE_URL`, `SKYENGINE_TIMEOUT` (a duration such as
 * `90 seconds`), `SKYENGINE_MAX_RETRIES`, `SKYENGINE_MAX_RETRY_AFTER`. A key
 * that is empty, only whitespace, or holds a control character is a
 * `ConfigError` at `SKYENGINE_API_KEY` (the message never shows the key).
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<Options> = Config.all({
  apiKey: Config.redacted("SKYENGINE_API_KEY").pipe(Config.mapOrFail((key) => {
    const problem = Request.apiKeyProblem(Redacted.value(key))
    return problem === undefined ? Either.right(key) : Either.left(ConfigError.InvalidData([], problem))
  })),
  baseUrl: Config.string("SKYENGINE_BASE_URL").pipe(Config.withDefault(defaultBaseUrl)),
  timeout: Config.duration("SKYENGINE_TIMEOUT").pipe(
    Config.mapOrFail((duration) => {
      const timeout = timeoutOr(duration, defaultTimeout, "SKYENGINE_TIMEOUT")
      return typeof timeout === "string" ? Either.left(ConfigError.InvalidData([], timeout)) : Either.right(timeout)
    }),
    Config.withDefault(defaultTimeout)
  ),
  maxRetries: Config.integer("SKYENGINE_MAX_RETRIES").pipe(
    Config.validate({ message: "must be 0 or more", validation: (n) => n >= 0 }),
    Config.withDefault(SkyRetry.defaultPolicy.maxRetries)
  ),
  // Read as text: Effect 3's duration reads "-5 seconds" as zero, and core's rule refuses a negative as written.
  maxRetryAfter: Config.string("SKYENGINE_MAX_RETRY_AFTER").pipe(
    Config.mapOrFail((text): Either.Either<Duration.Duration, ConfigError.ConfigError> => {
      const problem = retryDurationProblem("SKYENGINE_MAX_RETRY_AFTER", text, optionMillis(text))
      return problem === undefined ? Either.right(Duration.decode(text as Duration.DurationInput)) : Either.left(ConfigError.InvalidData([], problem))
    }),
    Config.withDefault(SkyRetry.defaultPolicy.maxRetryAfter)
  )
}).pipe(Config.map(({ maxRetryAfter, ...rest }) => ({ ...rest, retry: { maxRetryAfter } })))

/**
 * The client as a layer, from configuration (see `config`); `overrides` are
 * laid over what the configuration gives.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  overrides?: Partial<Options> | Config.Config<Partial<Options>>
): Layer.Layer<SkyClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(
    SkyClient,
    Effect.flatMap(
      Config.isConfig(overrides)
        ? Effect.zipWith(config, overrides, overlay)
        : Effect.map(config, (base) => overlay(base, overrides ?? {})),
      make
    )
  )

/** Options laid over options: an undefined override keeps the base's value, and `retry` is merged field by field. */
const overlay = (base: Options, overrides: Partial<Options>): Options => {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined))
  return {
    ...base,
    ...defined,
    apiKey: overrides.apiKey ?? base.apiKey,
    retry: {
      ...base.retry,
      ...Object.fromEntries(Object.entries(overrides.retry ?? {}).filter(([, value]) => value !== undefined))
    }
  }
}

// ---------------------------------------------------------------------------
// Collecting streams
// ---------------------------------------------------------------------------

/**
 * What each stream folds into: the element of the stream, and the value the
 * plain call would have returned.
 *
 * @since 1.0.0
 * @category collecting
 */
export interface Collected {
  readonly chat: readonly [Chat.ChatCompletionChunk, Chat.ChatCompletion]
  readonly responses: readonly [Responses.ResponseStreamEvent, Responses.Response]
  readonly messages: readonly [Messages.MessageStreamEvent, Messages.Message]
  readonly gemini: readonly [Gemini.GenerateContentResponse, Gemini.GenerateContentResponse]
}

const folds: { readonly [K in keyof Collected]: (elements: Iterable<Collected[K][0]>) => Collected[K][1] } = {
  chat: ChatStream.accumulate,
  responses: ResponsesStream.accumulate,
  messages: MessagesStream.accumulate,
  gemini: GeminiStream.accumulate
}

/**
 * Runs a stream of `surface` (`"chat"`, `"responses"`, `"messages"` or
 * `"gemini"`) to its end and folds it into the value the plain call would have
 * returned:
 *
 * ```ts
 * client.chatCompletionsStream(request).pipe(SkyClient.collect("chat"))
 * // Effect<Chat.ChatCompletion, SkyError>
 * ```
 *
 * - chat: deltas concatenated per choice, tool-call fragments merged by index,
 *   the last finish reason and usage;
 * - responses: the terminal event's response (its output filled from the
 *   deltas when sent empty), else the latest snapshot built from the deltas;
 * - messages: `message_start`'s message with its blocks filled from the deltas
 *   (a tool input JSON-parsed, kept as its raw text when it does not parse) and
 *   `message_delta`'s stop reason and usage;
 * - gemini: consecutive text parts joined per candidate, other fields from the
 *   last response that has them.
 *
 * @since 1.0.0
 * @category collecting
 */
export const collect = <K extends keyof Collected>(surface: K) =>
<R>(self: Stream.Stream<Collected[K][0], SkyError.SkyError, R>): Effect.Effect<Collected[K][1], SkyError.SkyError, R> =>
  Effect.map(Stream.runCollect(self), folds[surface])
