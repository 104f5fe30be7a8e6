import { Effect } from "effect"
import { SkyClient, SkyError } from "effect-skyengine"
import { ask } from "./quickstart.js"

// Plain Effect: catchTags rejects unknown keys but lets a forgotten tag through,
// so pin the result to `never` to make it exhaustive.
export const withCatchTags = (prompt: string): Effect.Effect<string, never, SkyClient.SkyClient> =>
  ask(prompt).pipe(
    // Groups narrow E: after this line the 2007 and 2008 classes are gone from it.
    Effect.catchIf(SkyError.isTooManyRequests, (e) =>
      Effect.succeed(e._tag === "TpmLimitExceeded" ? "tokens per minute" : "requests per minute")),
    Effect.catchIf(SkyError.isBadRequest, (e) => Effect.succeed(`fix the request (${e.code}): ${e.message}`)),
    Effect.catchTags({
      UpstreamUnavailable: () => Effect.succeed("model down"),
      UpstreamTimeout: () => Effect.succeed("model timed out"),
      ResponseParseFailed: () => Effect.succeed("unreadable model output"),
      InvalidApiKey: () => Effect.succeed("bad key"),
      ModelAccessDenied: () => Effect.succeed("no access"),
      AccountOverdue: () => Effect.succeed("overdue"),
      InternalError: () => Effect.succeed("gateway error"),
      ClientClosedRequest: () => Effect.succeed("cancelled"),
      UnknownGatewayError: (e) => Effect.succeed(`HTTP ${e.status}`),
      ConnectionError: () => Effect.succeed("offline"),
      RequestTimeout: () => Effect.succeed("timed out"),
      InvalidRequest: (e) => Effect.succeed(`not sent: ${e.reason ?? e.message}`),
      InvalidResponse: () => Effect.succeed("unexpected response")
    })
  )

// Or decide by the error's own metadata.
export const describe = (error: SkyError.SkyError): string =>
  `${error._tag}${"code" in error && error.code !== undefined ? ` (${error.code})` : ""}: ${error.message}` +
  ` [retryable: ${SkyError.isRetryable(error)}; ${SkyError.catalogue[error._tag].remedy}]`
