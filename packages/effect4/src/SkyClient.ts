/**
 * The SkyEngine client: every call an `Effect<A, SkyError>`, every stream a `Stream<A, SkyError>`, with the
 * server's retry hints followed and a per-request timeout.
 *
 * @since 2.0.0
 */
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import * as Chat from "./Chat.js"
import * as Embeddings from "./Embeddings.js"
import * as Gemini from "./Gemini.js"
import * as Client from "./internal/client.js"
import { optionMillis, timeoutOr } from "./internal/deadline.js"
import { fastDecoder } from "./internal/fastDecode.js"
import * as Request from "./internal/request.js"
import type { StreamSurface } from "./internal/stream.js"
import * as ChatStream from "./internal/surfaces/chat.js"
import * as GeminiStream from "./internal/surfaces/gemini.js"
import * as MessagesStream from "./internal/surfaces/messages.js"
import * as ResponsesStream from "./internal/surfaces/responses.js"
import * as Messages from "./Messages.js"
import * as Responses from "./Responses.js"
import type * as SkyError from "./SkyError.js"
import * as SkyRetry from "./SkyRetry.js"
import { retryDurationProblem, retryOptionsProblem } from "../../core/src/retryPolicy.js"

/**
 * The gateway's public address.
 *
 * @since 2.0.0
 * @category constants
 */
export const defaultBaseUrl = "https://model-api.skyengine.com.cn"

/**
 * The default per-request deadline: 10 minutes, as in the official SDKs, since a non-streamed reasoning call can
 * take minutes.
 *
 * @since 2.0.0
 * @category constants
 */
export const defaultTimeout: Duration.Duration = Duration.minutes(10)

/**
 * The `anthropic-version` header sent to `/v1/messages`.
 *
 * @since 2.0.0
 * @category constants
 */
export const defaultAnthropicVersion = "2023-06-01"

/**
 * The client's settings, with the names the official SDKs use.
 *
 * @since 2.0.0
 * @category models
 */
export interface Options {
  /**
   * The API key (`ak-...`), kept `Redacted`: it never appears in an error, a log or a span. A key that is empty,
   * only whitespace, or holds a control character fails the client's construction with a `Config.ConfigError`.
   */
  readonly apiKey: Redacted.Redacted<string>
  /** Default `https://model-api.skyengine.com.cn`. */
  readonly baseUrl?: string | undefined
  /**
   * The deadline of one attempt. For a plain call it covers the whole response; for a stream it covers the
   * response headers and then each gap between two events (an SSE comment such as `: ping`, or part of an event,
   * does not end a gap). Default 10 minutes. Must be positive (`Duration.infinity`: no deadline): zero, negative
   * or unreadable fails `make` with a `Config.ConfigError`.
   */
  readonly timeout?: Duration.Input | undefined
  /**
   * The deadline of one attempt's whole stream, from sending the request to the stream's last event, however
   * steadily events arrive. Default: none. Must be positive, as `timeout`.
   */
  readonly streamTimeout?: Duration.Input | undefined
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
 * What one call may change: its own deadlines, retries and headers.
 *
 * @since 2.0.0
 * @category models
 */
export interface CallOptions {
  /**
   * The deadline of one attempt (see `Options.timeout`), for this call; zero, negative or unreadable fails the
   * call as `InvalidRequest`, never sent (as does such a `streamTimeout`).
   */
  readonly timeout?: Duration.Input | undefined
  /** The deadline of one attempt's whole stream (see `Options.streamTimeout`); for this call, over the client's. */
  readonly streamTimeout?: Duration.Input | undefined
  /** Retries for this call (see `Options.maxRetries`); a value `make` would refuse fails the call as `InvalidRequest`. */
  readonly maxRetries?: number | undefined
  /** The retry policy for this call, over the client's (see `Options.retry`); refused the same way. */
  readonly retry?: SkyRetry.RetryOptions | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/**
 * A call to any other path of the gateway.
 *
 * @since 2.0.0
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
 * The client's methods. Every error channel is exactly `SkyError`; a request that cannot be sent (a body that
 * cannot be encoded as JSON, a header HTTP cannot carry) fails with `InvalidRequest` before anything is sent.
 *
 * @since 2.0.0
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
 * @since 2.0.0
 * @category services
 */
export class SkyClient extends Context.Service<SkyClient, Service>()("effect-skyengine/SkyClient") {}

/** A body decoder from a schema: a value that already has the type is taken as it is (see fastDecoder). */
const decoderOf = <A>(decode: (u: unknown) => Result.Result<A, { readonly message: string }>): Client.Decode<A> => (u) =>
  Effect.fromResult(decode(u))

const decodeChatCompletion = decoderOf(fastDecoder(Chat.ChatCompletion))
const decodeResponse = decoderOf(fastDecoder(Responses.Response))
const decodeMessage = decoderOf(fastDecoder(Messages.Message))
const decodeGenerateContentResponse = decoderOf(fastDecoder(Gemini.GenerateContentResponse))
const decodeCreateEmbeddingResponse = decoderOf(fastDecoder(Embeddings.CreateEmbeddingResponse))

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

/** A configuration error whose message is `problem` at `path`: it never holds the key. */
const configError = (path: string, problem: string): Config.ConfigError =>
  new Config.ConfigError(new ConfigProvider.SourceError({ message: `${path}: ${problem}` }))

/**
 * The API key checked when the client is built: an empty key, a key of only whitespace, or one holding a control
 * character (CR, LF, ...) fails with a `ConfigError` at `path` that never shows the key.
 */
const checkApiKey = (
  apiKey: Redacted.Redacted<string>,
  path: string
): Effect.Effect<Redacted.Redacted<string>, Config.ConfigError> => {
  const problem = Request.apiKeyProblem(Redacted.value(apiKey))
  return problem === undefined ? Effect.succeed(apiKey) : Effect.fail(configError(path, problem))
}

/**
 * A timeout option checked when the client is built: zero, negative, NaN or not a duration fails with a
 * `Config.ConfigError` at `path` (core's `timeoutProblem`); absent is `fallback`; `Duration.infinity` is no deadline.
 */
const checkTimeout = (
  input: Duration.Input | undefined,
  fallback: Duration.Duration,
  path: string
): Effect.Effect<Duration.Duration, Config.ConfigError> => {
  const timeout = timeoutOr(input, fallback, path)
  return typeof timeout === "string" ? Effect.fail(configError(path, timeout)) : Effect.succeed(timeout)
}

/**
 * The retry options checked when the client is built: the first that core's `retryOptionsProblem` refuses
 * (`maxRetries` not a whole number >= 0, `retry.jitter` outside 0..1, a retry duration negative, NaN or unreadable)
 * fails with a `Config.ConfigError` at its name.
 */
const checkRetry = (options: Options): Effect.Effect<void, Config.ConfigError> => {
  const problem = retryOptionsProblem(options.maxRetries, options.retry, optionMillis)
  return problem === undefined ? Effect.void : Effect.fail(configError(problem.option, problem.reason))
}

/**
 * Builds the service over an `HttpClient`. Fails with a `Config.ConfigError` (at `apiKey`) when the API key is
 * empty, only whitespace, or holds a control character; the error never shows the key. A `timeout` or
 * `streamTimeout` that is zero, negative or unreadable fails the same way, at its own name, as does a bad retry
 * option (`maxRetries` not a whole number 0 or more, `retry.jitter` outside 0..1, a retry duration negative, NaN or
 * unreadable).
 *
 * The `HttpClient` is used without `effect/http`'s own client span (it would record the request and the
 * response headers); each call's `SkyClient.*` span is the client span, and its trace context is what the request
 * propagates. Redirects are never followed, on any `HttpClient`.
 *
 * @since 2.0.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Service, Config.ConfigError, HttpClient.HttpClient> =>
  Effect.andThen(
    Effect.andThen(checkApiKey(options.apiKey, "apiKey"), checkRetry(options)),
    Effect.zipWith(
      Effect.zip(
        checkTimeout(options.timeout, defaultTimeout, "timeout"),
        checkTimeout(options.streamTimeout, Duration.infinity, "streamTimeout")
      ),
      Effect.service(HttpClient.HttpClient),
      ([timeout, streamTimeout], transportClient) => {
      const http = Request.transport(transportClient)
      const settings = settingsOf(options, timeout, streamTimeout)
      const json = <A>(endpoint: Request.Endpoint, decode: Client.Decode<A>, call?: CallOptions) =>
        Client.callJson(http, settings, endpoint, decode, call)
      const stream = <A>(endpoint: Request.Endpoint, surface: StreamSurface<A>, call?: CallOptions) =>
        Client.callStream(http, settings, endpoint, surface, call)
      const post = (
        operation: string,
        path: string,
        body: { readonly [key: string]: unknown },
        headers?: Record<string, string>
      ): Request.Endpoint => ({ operation, method: "POST", path, body, headers, model: modelOf(body) })
      const anthropic = { "anthropic-version": settings.anthropicVersion }
      const geminiEndpoint = (
        operation: string,
        request: Gemini.GenerateContentRequest,
        streamed: boolean
      ): Request.Endpoint => {
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
    })
  )

/**
 * The client as a layer, from options. Fails with a `Config.ConfigError` (at `apiKey`) when the API key is empty,
 * only whitespace, or holds a control character.
 *
 * @since 2.0.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<SkyClient, Config.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(SkyClient)(make(options))

const nonNegative = (name: string) => (n: number): Effect.Effect<number, Config.ConfigError> =>
  n >= 0 ? Effect.succeed(n) : Effect.fail(configError(name, "must be 0 or more"))

/**
 * The settings read from configuration: `SKYENGINE_API_KEY` (required, as `Redacted`), `SKYENGINE_BASE_URL`,
 * `SKYENGINE_TIMEOUT` (a duration such as `90 seconds`), `SKYENGINE_MAX_RETRIES`, `SKYENGINE_MAX_RETRY_AFTER`. A
 * key that is empty, only whitespace, or holds a control character is a `Config.ConfigError` at
 * `SKYENGINE_API_KEY` whose message never shows the key.
 *
 * @since 2.0.0
 * @category config
 */
export const config: Config.Config<Options> = Config.all({
  apiKey: Config.Redacted("SKYENGINE_API_KEY").pipe(
    Config.mapEffect((key) => checkApiKey(key, "SKYENGINE_API_KEY"))
  ),
  baseUrl: Config.String("SKYENGINE_BASE_URL").pipe(Config.withDefault(defaultBaseUrl)),
  timeout: Config.Duration("SKYENGINE_TIMEOUT").pipe(
    Config.mapEffect((duration) => checkTimeout(duration, defaultTimeout, "SKYENGINE_TIMEOUT")),
    Config.withDefault(defaultTimeout)
  ),
  maxRetries: Config.Int("SKYENGINE_MAX_RETRIES").pipe(
    Config.mapEffect(nonNegative("SKYENGINE_MAX_RETRIES")),
    Config.withDefault(SkyRetry.defaultPolicy.maxRetries)
  ),
  maxRetryAfter: Config.Duration("SKYENGINE_MAX_RETRY_AFTER").pipe(
    Config.mapEffect((duration) => {
      const problem = retryDurationProblem("SKYENGINE_MAX_RETRY_AFTER", duration, Duration.toMillis(duration))
      return problem === undefined ? Effect.succeed(duration) : Effect.fail(configError("SKYENGINE_MAX_RETRY_AFTER", problem))
    }),
    Config.withDefault(SkyRetry.defaultPolicy.maxRetryAfter)
  )
}).pipe(Config.map(({ maxRetryAfter, ...rest }): Options => ({ ...rest, retry: { maxRetryAfter } })))

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

/**
 * The client as a layer, from configuration (see `config`); `overrides` are laid over what the configuration
 * gives.
 *
 * @since 2.0.0
 * @category layers
 */
export const layerConfig = (
  overrides?: Partial<Options> | Config.Config<Partial<Options>>
): Layer.Layer<SkyClient, Config.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(SkyClient)(
    Effect.flatMap(
      Config.isConfig(overrides)
        ? Effect.zipWith(config, overrides, overlay)
        : Effect.map(config, (base) => overlay(base, overrides ?? {})),
      make
    )
  )

// ---------------------------------------------------------------------------
// Collecting streams
// ---------------------------------------------------------------------------

/**
 * Each streamed surface's element and what collecting its stream gives (the value its plain call returns).
 *
 * @since 2.0.0
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
 * Runs a stream to its end and folds it into what the surface's plain call returns: `"chat"` a
 * `ChatCompletion`, `"responses"` the final `Response`, `"messages"` the final `Message`, `"gemini"` the merged
 * `GenerateContentResponse`. Use: `stream.pipe(SkyClient.collect("chat"))`.
 *
 * @since 2.0.0
 * @category collecting
 */
export const collect = <K extends keyof Collected>(surface: K): <R>(
  self: Stream.Stream<Collected[K][0], SkyError.SkyError, R>
) => Effect.Effect<Collected[K][1], SkyError.SkyError, R> =>
<R>(
  self: Stream.Stream<Collected[K][0], SkyError.SkyError, R>
): Effect.Effect<Collected[K][1], SkyError.SkyError, R> =>
  Effect.map(Stream.runCollect(self), (elements) => folds[surface](elements))
