/**
 * Building `SkyError` instances from fields that are already of their schema's types.
 *
 * @internal
 */
import * as SkyError from "../SkyError.js"

type Unvalidated = new(props: unknown, disableValidation: boolean) => SkyError.SkyError

/** The class of a tag, built without re-validating (its fields were built to the schema). */
export const construct = (tag: SkyError.Tag, props: Record<string, unknown>): SkyError.SkyError =>
  new (SkyError.classes[tag] as unknown as Unvalidated)(props, true)

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
