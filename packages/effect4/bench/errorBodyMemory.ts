/**
 * Measures the 2.x client's memory for a 500 with a 200 MB body (not a test); as the 1.x line's
 * `bench/errorBodyMemory.ts`, on the same server (`bench/hardeningFigures.ts`).
 *
 *   $N22 --expose-gc --import tsx packages/effect4/bench/errorBodyMemory.ts [undici|fetch]
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { measureBigError } from "../../../bench/hardeningFigures.js"
import * as SkyClient from "../src/SkyClient.js"

const label = process.argv[2] ?? "undici"
const transport = label === "fetch" ? FetchHttpClient.layer : NodeHttpClient.layerUndici

await measureBigError(label, (baseUrl) =>
  Effect.runPromise(
    Effect.flip(Effect.gen(function*() {
      const sky = yield* SkyClient.SkyClient
      return yield* sky.request({ path: "/v1/x", body: {} })
    })).pipe(
      Effect.provide(
        SkyClient.layer({ apiKey: Redacted.make("ak-" + "r".repeat(32)), baseUrl, maxRetries: 0 }).pipe(
          Layer.provide(transport)
        )
      )
    )
  ))
