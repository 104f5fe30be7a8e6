/**
 * The time of one chat stream of N chunks (default 20,000) for each SSE line ending, through the 2.x client over
 * undici; as the 1.x line's `bench/lineEndings.ts`, on the same server (`bench/hardeningFigures.ts`).
 *
 *   $N22 --import tsx packages/effect4/bench/lineEndings.ts [chunks] [rounds]
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { timeLineEndings } from "../../../bench/hardeningFigures.js"
import * as SkyClient from "../src/SkyClient.js"

let runtime: ManagedRuntime.ManagedRuntime<SkyClient.SkyClient, unknown> | undefined
await timeLineEndings(Number(process.argv[2] ?? 20_000), Number(process.argv[3] ?? 3), async (baseUrl) => {
  runtime = ManagedRuntime.make(
    SkyClient.layer({ apiKey: Redacted.make("ak-bench-0123456789"), baseUrl, maxRetries: 0 }).pipe(
      Layer.provide(NodeHttpClient.layerUndici)
    )
  )
  const sky = await runtime.runPromise(Effect.gen(function*() {
    return yield* SkyClient.SkyClient
  }))
  return () => Effect.runPromise(Stream.runCount(sky.chatCompletionsStream({ model: "m", messages: [] })))
})
await runtime?.dispose()
