/**
 * The one way a `SkyError` is built inside the library: fields capped to the documented limits, then the class
 * constructed.
 *
 * @internal
 */
import { capFields } from "../../../core/src/limits.js"
import * as SkyError from "../SkyError.js"

type Constructor = new(props: Record<string, unknown>) => SkyError.SkyError

/**
 * The class of a tag, with its fields capped, built without capturing a JavaScript stack: an error built here
 * describes a response or a transport failure, and the frames of the Effect runtime that happened to build it say
 * nothing about it (the call's span says where the call was); `stack` keeps its first line (`Tag: message`).
 *
 * Effect 4's Schema classes have no public trusted constructor (`makeClassTrusted` is internal, and
 * `disableChecks` still parses), so the constructor validates the fields: about 9 µs for a 429 with headers, body
 * and URL (Node 22; capturing a stack would add about 6 µs more). The one bypass, `Object.create` on the prototype,
 * costs 0.5 µs but skips the `Error` constructor (`message`, `toJSON`'s arguments) and leans on internals, so it is
 * not used: a failed call costs a network round trip, and a field of the wrong type becomes a defect here instead of
 * a malformed error later.
 */
export const construct = (tag: SkyError.Tag, props: Record<string, unknown>): SkyError.SkyError => {
  const capped = capFields(props)
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return new (SkyError.classes[tag] as unknown as Constructor)(capped)
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
