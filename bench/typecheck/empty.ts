/**
 * Type-check baseline: an empty Effect program (no import of this library).
 */
import { Effect } from "effect"

export const program: Effect.Effect<string, never> = Effect.succeed("ok")
