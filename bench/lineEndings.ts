/**
 * The time of one chat stream of N chunks (default 20,000) for each SSE line ending, through the client over
 * undici against a loopback server in this process (`bench/hardeningFigures.ts`). Not a test: it prints figures.
 *
 *   node --import tsx bench/lineEndings.ts [chunks] [rounds]
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Context, Effect, Exit, Layer, Redacted, Scope, Stream } from "effect"
import { SkyClient } from "../src/index.js"
import { timeLineEndings } from "./hardeningFigures.js"

const scope = Effect.runSync(Scope.make())
await timeLineEndings(Number(process.argv[2] ?? 20_000), Number(process.argv[3] ?? 3), async (baseUrl) => {
  const context = await Effect.runPromise(
    Layer.buildWithScope(
      SkyClient.layer({ apiKey: Redacted.make("ak-bench-0123456789"), baseUrl, maxRetries: 0 }).pipe(
        Layer.provide(NodeHttpClient.layerUndici)
      ),
      scope
    )
  )
  const sky = Context.get(context, SkyClient.SkyClient)
  return () => Effect.runPromise(Stream.runCount(sky.chatCompletionsStream({ model: "m", messages: [] })))
})
await Effect.runPromise(Scope.close(scope, Exit.void))
