/**
 * A local double of the SkyEngine gateway, for tests: a real HTTP server on
 * loopback (Node's `node:http`) that answers every surface with deterministic
 * fake completions in the gateway's quirky shapes, checks keys, enforces RPM
 * and TPM limits, records every request, and produces every documented
 * failure on demand. Its error responses are written by the encoder of the public
 * `SkyWire.encodeError`: a service that answers in the gateway's format needs
 * nothing else.
 *
 * Node-specific: import it as `effect-skyengine/SkyMock` (it is not part of the
 * package's index). It needs only `effect`; `layerClient` uses undici
 * (`NodeHttpClient.layerUndici`) when the optional peer `@effect/platform-node`
 * is installed, else `FetchHttpClient.layer`.
 *
 * ## Endpoints
 *
 * | path | plain | stream |
 * |---|---|---|
 * | `POST /v1/chat/completions` | `chat.completion` | `stream: true`: a first chunk with `choices: []` and `created: 0`, one chunk per word, a last chunk with `choices: []` and the full `usage`, then `data: [DONE]` |
 * | `POST /v1/responses` | `response` | `stream: true`: `event:` lines `response.created`, `response.output_item.added`, `response.output_text.delta` (one per word), `response.output_text.done`, `response.completed`; no `[DONE]` |
 * | `POST /v1/messages` | Anthropic `message` | `stream: true`: `message_start`, `content_block_start`, `content_block_delta` (one per word), `content_block_stop`, `message_delta`, `message_stop`; every data object carries `message`, `index`, `content_block`, `delta`, `usage`, most of them empty |
 * | `POST /v1beta/models/{model}:generateContent` | `GenerateContentResponse` with `sdkHttpResponse` | |
 * | `POST /v1beta/models/{model}:streamGenerateContent` | | `data:` lines, one per word, no terminator; the last has `finishReason: "STOP"` |
 * | `POST /v1/embeddings` | 8 floats per input (or `dimensions`), from SHA-256 of the input; `encoding_format: "base64"` gives little-endian float32 | |
 *
 * The answer is `echo: <text of the last user message>`. Ids are 32 hex
 * characters without prefixes, `system_fingerprint` is `""`, Anthropic's
 * `stop_sequence` is `""` and its content blocks carry Go zero values.
 * Tokens are counted as whitespace-separated words: the prompt's count covers
 * every text of the request, the answer's count is its number of words (and of
 * text deltas in its stream).
 *
 * ## Checks, in order
 *
 * 1. a fault (see below) is applied first, also on unknown paths and before the key check;
 * 2. an unknown path or method: 404 (`UnknownGatewayError` for a client);
 * 3. the key, from `Authorization: Bearer` or `x-api-key`: missing or invalid gives 2101 (401);
 * 4. a body that is not a JSON object: 2005; no `model`: 2004; model `unknown-model` or `missing-...`: 2104;
 * 5. the per-key limits over a sliding 60 s window: `rpm` gives 2007, `tpm` 2008 (429, with
 *    `retry-after` / `retry-after-ms` until the window frees enough). A request is counted once it
 *    passed every check, with its prompt and answer tokens.
 *
 * The errors the double makes itself use `defaultShape`, else the Anthropic
 * shape on `/v1/messages` and the gateway envelope elsewhere (404 and invalid
 * fault specs: `defaultShape`, else the gateway envelope). Codes 2101-2106
 * carry the table's fixed English messages on every surface. Every response
 * carries `x-request-id` and `request-id` (the same 32 hex; the official
 * Anthropic SDK reads `request-id`), and every error body that has room for it
 * carries the same id.
 *
 * ## Records
 *
 * `requests` keeps the newest `maxRecords` requests (default 1,000; older ones
 * are dropped), and of each body at most `recordBodyLimit` characters (default
 * 64 KiB; a longer body is kept as its first characters, unparsed, with
 * `bodyTruncated: true`), so a long-running double holds bounded memory.
 *
 * ## Faults
 *
 * A fault is chosen per request: from the queue (`enqueue(fault, times)`, consumed first, one per
 * request, whatever the path), else from the header `x-sky-mock: <spec>`, else from a model named
 * `sky-mock/<spec>` (for Gemini, in the path). An invalid spec is answered with 400 and a message that
 * says what is wrong (an `UnknownGatewayError` with `errorType: "SkyMockInvalidFault"`).
 *
 * | spec | effect |
 * |---|---|
 * | `error:<code>` | that table code's error (any of 2001-2008, 2101-2106) made with its `SkyError` class and `SkyWire.encodeError`. Options: `,shape=gateway\|anthropic\|openai\|problem`, `,retry-after=<seconds>`, `,retry-after-ms=<ms>`, `,should-retry=true\|false`, `,message=<text>` |
 * | `html502` | 502 with an nginx HTML page and an `x-request-id` header |
 * | `reset-before-headers` | the socket is reset without an answer |
 * | `reset-mid-body` | 200 headers and half the JSON body (its full `content-length`), or the first half of the stream's events, then the socket is destroyed |
 * | `stall` | no answer at all; the socket is closed when the server stops |
 * | `latency:<ms>` | waits, then answers normally |
 * | `truncated-json` | 200 with the JSON body cut in half (a stream: its first event's JSON cut in half), then a clean end |
 * | `oversize:<bytes>` | 500 with a gateway envelope (code 2105) whose padded message makes the body exactly that many bytes |
 * | `mid-stream-error:<code>` | a stream that sends 2 good events, then the surface's in-stream error: chat and Gemini `data: {"error": {"code", "message", ...}}`, responses `event: response.error`, messages `event: error` with the Anthropic body. Options: `,after=<events>` (default 2; 0 sends the error first), `,message=<text>` |
 * | `stream-cut` | a stream that sends 2 good events and ends cleanly, without its terminator (Gemini: without a finish reason). Option: `,after=<events>` |
 *
 * `message=` takes the rest of the spec, commas included; `%XX` escapes in it are decoded, so that any
 * text fits in a header. On a plain (non-streamed) request, `mid-stream-error:<code>` answers like
 * `error:<code>` and `stream-cut` like `truncated-json`. "N failures, then success" is `enqueue(fault, N)`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { SkyClient } from "effect-skyengine"
 * import * as SkyMock from "effect-skyengine/SkyMock"
 *
 * const program = Effect.gen(function*() {
 *   const mock = yield* SkyMock.SkyMock
 *   const client = yield* SkyClient.SkyClient
 *   yield* mock.enqueue(SkyMock.Fault.ErrorResponse({ code: 2007, retryAfterMillis: 50 }), 2)
 *   return yield* client.chatCompletions({ model: "m", messages: [{ role: "user", content: "hi" }] })
 * }).pipe(Effect.provide(SkyMock.layerClient()))
 * ```
 *
 * @since 2.0.0
 */
import type * as Http from "node:http"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import type * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
import * as MockFault from "../../core/src/mockFault.js"
import * as MockServer from "../../core/src/mockServer.js"
import * as SkyClient from "./SkyClient.js"

// ---------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------

/**
 * The double's settings: `port` (default 0, a free port), `host` (default
 * `127.0.0.1`), `apiKeys` (only these keys are accepted; otherwise any key of
 * the form `ak-` and 32 letters or digits), `rpm` and `tpm` (per key, over a
 * sliding 60 s window), `defaultShape` (the shape of the errors the double
 * makes itself), `maxRecords` (default 1,000) and `recordBodyLimit` (default
 * 64 KiB): a record bound that is not a non-negative number is its default.
 *
 * @since 2.0.0
 * @category models
 */
export type Options = MockServer.Options

/**
 * A request as the double received it: method, path (with its query),
 * headers (lower-cased, `authorization` and `x-api-key` redacted), whether
 * its key was accepted, its body (parsed JSON, or text; cut to
 * `recordBodyLimit` with `bodyTruncated`), its `x-sky-attempt`, the canonical
 * spec of the fault applied to it, and the request id it was answered with.
 *
 * @since 2.0.0
 * @category models
 */
export type RecordedRequest = MockServer.RecordedRequest

/**
 * The running double.
 *
 * @since 2.0.0
 * @category models
 */
export interface Service {
  /** The base URL, e.g. `http://127.0.0.1:50123` (no trailing slash). */
  readonly url: string
  readonly port: number
  /** Queues a fault for the next `times` requests (default 1); queued faults come before the header and the model name. */
  readonly enqueue: (fault: Fault, times?: number) => Effect.Effect<void>
  /** The requests received, oldest first: the newest `maxRecords` of them. */
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
  /** Forgets the recorded requests, the queued faults and the rate-limit windows. */
  readonly clear: Effect.Effect<void>
}

/**
 * The double as a service.
 *
 * @since 2.0.0
 * @category services
 */
export class SkyMock extends Context.Service<SkyMock, Service>()("effect-skyengine/SkyMock") {}

/**
 * The server could not listen (the port is taken, the host is not local, ...).
 *
 * @since 2.0.0
 * @category errors
 */
export class SkyMockListenError extends Data.TaggedError("SkyMockListenError")<{
  readonly host: string
  readonly port: number
  /** The system's error code, e.g. `EADDRINUSE`. */
  readonly code: string | undefined
  readonly message: string
  readonly cause?: unknown
}> {}

// ---------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------

/**
 * A fault the double can inject, as a tagged union: `ErrorResponse`,
 * `Html502`, `ResetBeforeHeaders`, `ResetMidBody`, `Stall`, `Latency`,
 * `TruncatedJson`, `Oversize`, `MidStreamError`, `StreamCut` (see the module's
 * table for what each does).
 *
 * @since 2.0.0
 * @category faults
 */
export type Fault = MockFault.Fault

/**
 * The constructors of `Fault`, e.g. `Fault.ErrorResponse({ code: 2007, retryAfterMillis: 50 })`,
 * `Fault.Stall()`, `Fault.MidStreamError({ code: 2003, after: 2 })`. Faults compare by value.
 *
 * @since 2.0.0
 * @category faults
 */
export const Fault: Data.TaggedEnum.Constructor<Fault> = Data.taggedEnum<Fault>()

/**
 * Parses a fault spec (the grammar is in the module's documentation): a
 * success with the fault, or a failure with a message that says what is wrong
 * and what is allowed.
 *
 * @since 2.0.0
 * @category faults
 */
export const parseFault = (text: string): Result.Result<Fault, string> => {
  const parsed = MockFault.parseFault(text)
  return parsed._tag === "Right" ? Result.succeed(parsed.right) : Result.fail(parsed.left)
}

/**
 * The canonical spec of a fault, for the `x-sky-mock` header or a
 * `sky-mock/<spec>` model; `parseFault(formatFault(f))` gives `f` back.
 *
 * @since 2.0.0
 * @category faults
 */
export const formatFault: (fault: Fault) => string = MockFault.formatFault

/**
 * The header that picks a fault for one request.
 *
 * @since 2.0.0
 * @category constants
 */
export const faultHeader: string = MockServer.faultHeader

/**
 * The model prefix that picks a fault for one request: `sky-mock/<spec>`.
 *
 * @since 2.0.0
 * @category constants
 */
export const faultModelPrefix: string = MockServer.faultModelPrefix

/**
 * The key `layerClient` sends unless told otherwise: `ak-` and 32 zeros.
 *
 * @since 2.0.0
 * @category constants
 */
export const defaultApiKey: string = "ak-" + "0".repeat(32)

// ---------------------------------------------------------------------------
// Constructors
// ---------------------------------------------------------------------------

/** The core's `listen` as an effect: the port bound, or the failure as a `SkyMockListenError`. */
const listen = (server: Http.Server, host: string, port: number): Effect.Effect<number, SkyMockListenError> =>
  Effect.callback<number, SkyMockListenError>((resume) => {
    MockServer.listen(server, host, port, (result) =>
      resume(
        result._tag === "Right" ? Effect.succeed(result.right) : Effect.fail(new SkyMockListenError(result.left))
      ))
  })

/** The core's `close` as an effect: done once the server is closed. */
const close = (server: Http.Server, state: MockServer.State): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    MockServer.close(server, state, () => resume(Effect.void))
  })

/**
 * Starts the double on loopback for the life of the scope; closing the scope
 * closes every connection (stalled ones included) and the server.
 *
 * @since 2.0.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Service, SkyMockListenError, Scope.Scope> =>
  Effect.gen(function*() {
    const host = options.host ?? "127.0.0.1"
    const state = MockServer.makeState()
    const { port } = yield* Effect.acquireRelease(
      Effect.suspend(() => {
        const server = MockServer.createServer(options, state)
        return Effect.map(listen(server, host, options.port ?? 0), (port) => ({ server, port }))
      }),
      ({ server }) => close(server, state)
    )
    return SkyMock.of({
      url: MockServer.urlOf(host, port),
      port,
      enqueue: (fault, times = 1) => Effect.sync(() => MockServer.enqueue(state, fault, times)),
      requests: Effect.sync(() => MockServer.recordsOf(state)),
      clear: Effect.sync(() => MockServer.clear(state))
    })
  })

/**
 * The double as a layer.
 *
 * @since 2.0.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<SkyMock, SkyMockListenError> =>
  Layer.effect(SkyMock, make(options))

/**
 * The settings of `layerClient`: the double's, plus the client's (its `baseUrl`
 * is always the double's).
 *
 * @since 2.0.0
 * @category models
 */
export interface ClientOptions extends Options {
  /** Default key: the first of `apiKeys`, else `defaultApiKey`. */
  readonly client?: Partial<SkyClient.Options> | undefined
}

/** Whether the import failed because `@effect/platform-node` itself is not installed (not one of its dependencies). */
const isPlatformNodeMissing = (error: unknown): boolean =>
  error instanceof Error && "code" in error &&
  (error.code === "ERR_MODULE_NOT_FOUND" || error.code === "MODULE_NOT_FOUND") &&
  /['"]@effect\/platform-node['"/]/.test(error.message)

/**
 * The `HttpClient` of `layerClient`: undici from `@effect/platform-node` when
 * that optional peer is installed, otherwise the fetch client of `effect/http`,
 * so that the double works with `effect` alone.
 */
const httpClientLayer: Layer.Layer<HttpClient.HttpClient> = Layer.unwrap(
  Effect.tryPromise({
    try: () => import("@effect/platform-node/NodeHttpClient"),
    catch: (error) => error
  }).pipe(
    Effect.map((module): Layer.Layer<HttpClient.HttpClient> => module.layerUndici),
    Effect.catch((error) => isPlatformNodeMissing(error) ? Effect.succeed(FetchHttpClient.layer) : Effect.die(error))
  )
)

/**
 * The double and a `SkyClient` pointed at it, over undici
 * (`NodeHttpClient.layerUndici`) when `@effect/platform-node` is installed,
 * else over `FetchHttpClient.layer`.
 *
 * @since 2.0.0
 * @category layers
 */
export const layerClient = (
  options: ClientOptions = {}
): Layer.Layer<SkyMock | SkyClient.SkyClient, SkyMockListenError> => {
  const { client, ...mockOptions } = options
  const apiKey = Redacted.make(options.apiKeys?.[0] ?? defaultApiKey)
  const clientLayer = Layer.unwrap(
    // A key the client refuses is the test's own mistake: a defect here, with the client's clear message.
    Effect.map(Effect.service(SkyMock), (mock) => Layer.orDie(SkyClient.layer({ apiKey, ...client, baseUrl: mock.url })))
  )
  return clientLayer.pipe(Layer.provide(httpClientLayer), Layer.provideMerge(layer(mockOptions)))
}
