/**
 * Classifying an error response into a `SkyError`: the Effect-free core classifies (`classifyError`, plain
 * data); this adapter turns milliseconds into `Duration`s and builds the class.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Classify from "../../../core/src/classify.js"
import * as Evidence from "../../../core/src/evidence.js"
import type * as SkyError from "../SkyError.js"
import { construct } from "./construct.js"

/**
 * The class's props from the core's plain fields, in the same order: milliseconds become `Duration`s.
 *
 * @internal
 */
export const propsOf = (fields: Classify.ErrorFields<unknown>): Record<string, unknown> => {
  const props: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue
    if (key === "retryAfterMillis") props.retryAfter = Duration.millis(value as number)
    else if (key === "timeoutMillis") props.timeout = Duration.millis(value as number)
    else props[key] = value
  }
  return props
}

/**
 * An error response (status, headers, body: text, JSON, bytes or a bounded body) as its `SkyError`. The secrets
 * are plain text here: they are looked for, never kept.
 *
 * @internal
 */
export const decodeError = (
  input: Classify.ErrorResponse,
  options: {
    readonly method?: string | undefined
    readonly url?: string | undefined
    readonly secrets?: ReadonlyArray<string> | undefined
    readonly now?: number | undefined
    readonly bodyLimit?: number | undefined
    readonly attempts?: ReadonlyArray<SkyError.Attempt> | undefined
  } = {}
): SkyError.SkyError => {
  const { fields, tag } = Classify.classifyError<SkyError.Attempt>(input, {
    method: options.method,
    url: options.url,
    secrets: Evidence.secretTexts(options.secrets),
    now: options.now,
    bodyLimit: options.bodyLimit,
    attempts: options.attempts
  })
  return construct(tag, propsOf(fields))
}
