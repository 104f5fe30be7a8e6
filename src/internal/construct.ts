/**
 * The one way a `SkyError` is built inside the library: fields capped to the
 * documented limits, then the class constructed without re-validation.
 *
 * @internal
 */
import { capFields } from "../../packages/core/src/limits.js"
import * as SkyError from "../SkyError.js"

type Unvalidated = new(props: unknown, disableValidation: boolean) => SkyError.SkyError

/**
 * The class of a tag, with its fields capped, built without re-validating (its fields were built to the schema)
 * and without capturing a JavaScript stack: an error built here describes a response or a transport failure, and
 * the frames of the Effect runtime that happened to build it say nothing about it (the call's span says where the
 * call was). Capturing them cost ~18 µs per error in isolation and ~150 µs per 429 in a loaded concurrent run, the
 * largest single cost of a failed call; `stack` keeps its first line (`Tag: message`).
 */
export const construct = (tag: SkyError.Tag, props: Record<string, unknown>): SkyError.SkyError => {
  const capped = capFields(props)
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return new (SkyError.classes[tag] as unknown as Unvalidated)(capped, true)
  } finally {
    Error.stackTraceLimit = limit
  }
}

/** The same error with some fields replaced; the class, the message and the other fields are kept. */
export const withFields = (error: SkyError.SkyError, patch: Record<string, unknown>): SkyError.SkyError => {
  // Only the schema's fields: spreading the error itself would read `stack`, which makes V8 format it.
  const props: Record<string, unknown> = {}
  for (const key of Object.keys(SkyError.classes[error._tag].fields)) {
    const value = (error as unknown as Record<string, unknown>)[key]
    if (value !== undefined && key !== "_tag") props[key] = value
  }
  return construct(error._tag, { ...props, ...patch })
}
