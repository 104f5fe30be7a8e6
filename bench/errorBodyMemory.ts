/**
 * Measures the client's memory for a 500 with a 200 MB body (not a test).
 *
 *   node --expose-gc --import tsx bench/errorBodyMemory.ts [undici|fetch]
 *
 * The server runs in a child process, so that only the client's memory is measured (`bench/hardeningFigures.ts`).
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { FetchHttpClient } from "@effect/platform"
import { Effect, Layer, Redacted } from "effect"
import { SkyClient } from "../src/index.js"
import { measureBigError } from "./hardeningFigures.js"

const label = process.argv[2] ?? "undici"
const transport = label === "fetch" ? FetchHttpClient.layer : NodeHttpClient.layerUndici

await measureBigError(label, (baseUrl) =>
  Effect.runPromise(
    Effect.flip(Effect.flatMap(SkyClient.SkyClient, (sky) => sky.request({ path: "/v1/x", body: {} }))).pipe(
      Effect.provide(
        SkyClient.layer({ apiKey: Redacted.make("ak-" + "r".repeat(32)), baseUrl, maxRetries: 0 }).pipe(
          Layer.provide(transport)
        )
      )
    )
  ))
