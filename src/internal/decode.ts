/**
 * Classifying an error response into a `SkyError`: the Effect-free core classifies (`classifyError`, plain data);
 * this adapter opens the `Redacted` secrets, turns milliseconds into `Duration`s and builds the class.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Redacted from "effect/Redacted"
import * as SkyError from "../SkyError.js"
// Type-only: the public module owns (and documents) the shapes of the input and the options.
import type { DecodeOptions, ErrorResponse } from "../SkyWire.js"
import * as Classify from "../../packages/core/src/classify.js"
import * as Evidence from "../../packages/core/src/evidence.js"
import { construct } from "./construct.js"

/**
 * The secrets to scrub, as plain text: a `Redacted` is opened here, and only here, to be looked for.
 *
 * @internal
 */
export const secretsOf = (
  secrets: ReadonlyArray<string | Redacted.Redacted<string>> | undefined
): ReadonlyArray<string> => {
  if (secrets === undefined) return []
  const texts: Array<string> = []
  for (const s of secrets) texts.push(Redacted.isRedacted(s) ? Redacted.value(s) : s)
  return Evidence.secretTexts(texts)
}

/**
 * The class's props from the core's plain fields, in the same order: milliseconds become `Duration`s.
 *
 * @internal
 */
export const propsOf = (fields: Classify.ErrorFields<unknown>): Record<string, unknown> => {
  const props: Record<string, unknown> = {}
  const record = fields as Readonly<Record<string, unknown>>
  for (const key in record) {
    const value = record[key]
    if (value === undefined) continue
    if (key === "retryAfterMillis") props.retryAfter = Duration.millis(value as number)
    else if (key === "timeoutMillis") props.timeout = Duration.millis(value as number)
    else props[key] = value
  }
  return props
}

/** @internal */
export const decodeError = (input: ErrorResponse, options: DecodeOptions = {}): SkyError.SkyError => {
  const { tag, fields } = Classify.classifyError<SkyError.Attempt>(input, {
    method: options.method,
    url: options.url,
    secrets: secretsOf(options.secrets),
    now: options.now,
    bodyLimit: options.bodyLimit,
    attempts: options.attempts
  })
  return construct(tag, propsOf(fields))
}

/**
 * An error as the core's encoder reads it: its tag and plain fields, `Duration`s as milliseconds.
 *
 * @internal
 */
export { wireErrorOf } from "./wireError.js"
