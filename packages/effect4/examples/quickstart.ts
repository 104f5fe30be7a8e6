import { Duration, Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { SkyClient, SkyError } from "effect-skyengine"

// Reads SKYENGINE_API_KEY (as Redacted) and SKYENGINE_BASE_URL; any HttpClient works:
// fetch needs nothing more than effect, NodeHttpClient.layerUndici comes with @effect/platform-node.
export const SkyLive = SkyClient.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))

export const ask = (prompt: string): Effect.Effect<string, SkyError.SkyError, SkyClient.SkyClient> =>
  Effect.gen(function*() {
    const sky = yield* SkyClient.SkyClient
    const completion = yield* sky.chatCompletions({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: prompt }]
    })
    return completion.choices[0]?.message.content ?? ""
  })

// One handler per tag: delete a line, or add a tag to SkyError, and this stops compiling.
export const answer = (prompt: string): Effect.Effect<string, never, SkyClient.SkyClient> =>
  ask(prompt).pipe(
    SkyError.handleAll({
      UnclassifiedLlmError: (e) => Effect.succeed(`model error: ${e.message}`),
      UpstreamUnavailable: () => Effect.succeed("the model is down; try another"),
      UpstreamTimeout: () => Effect.succeed("the model timed out"),
      InvalidModelParameter: (e) => Effect.succeed(`bad parameter: ${e.message}`),
      RequestParseFailed: (e) => Effect.succeed(`bad request: ${e.message}`),
      ResponseParseFailed: () => Effect.succeed("the gateway could not read the model's answer"),
      RpmLimitExceeded: (e) =>
        Effect.succeed(`too many requests; retry after ${e.retryAfter ? Duration.format(e.retryAfter) : "a while"}`),
      TpmLimitExceeded: () => Effect.succeed("too many tokens per minute"),
      InvalidApiKey: () => Effect.succeed("check SKYENGINE_API_KEY"),
      ModelAccessDenied: () => Effect.succeed("no access to this model"),
      AccountOverdue: () => Effect.succeed("the account is overdue"),
      ModelNotFound: () => Effect.succeed("no such model"),
      InternalError: (e) => Effect.succeed(`gateway error, request id ${e.requestId ?? "unknown"}`),
      ClientClosedRequest: () => Effect.succeed("cancelled"),
      UnknownGatewayError: (e) => Effect.succeed(`HTTP ${e.status}: ${e.message}`),
      ConnectionError: (e) => Effect.succeed(`no connection: ${e.reason ?? e.message}`),
      RequestTimeout: () => Effect.succeed("timed out"),
      InvalidRequest: (e) => Effect.succeed(`not sent: ${e.reason ?? e.message}`),
      InvalidResponse: (e) => Effect.succeed(`unexpected response: ${e.issue ?? e.message}`)
    })
  )
