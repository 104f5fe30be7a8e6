/**
 * Type-check baseline: the library imported and a call typed `Effect<string, SkyError>`, with no error handling.
 * The difference to `empty.ts` is the cost of loading the library's types; the difference from here to
 * `exhaustive.ts` / `catchtags.ts` is the cost of the exhaustive handling itself.
 */
import { Effect } from "effect"
import { SkyError } from "../../src/index.js"

declare const call: Effect.Effect<string, SkyError.SkyError>

export const program: Effect.Effect<string, SkyError.SkyError> = call.pipe(Effect.map((s) => s.toUpperCase()))
