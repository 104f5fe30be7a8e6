/**
 * The one way a `SkyError` is built inside the library: fields capped to the
 * documented limits, then the class constructed without re-validation.
 *
 * @internal
 */
import { capFields } from "../../packages/core/src/limits.js"
import * as SkyError from "../SkyError.js"

type ErrorClass = (typeof SkyError.classes)[SkyError.Tag]

/**
 * How a class is built without its Schema constructor: the constructor of its first ancestor that is not a
 * Schema class (`Data.Error`'s, which assigns the props), and the class's constructor defaults in field order.
 * The Schema constructor spreads the props and walks every field for defaults on each construction (~25 % of
 * classifying a 429 in isolation); the defaults here are the catalogue's constants, read once by building the
 * class from nothing.
 */
interface Builder {
  readonly base: new(props: Record<string, unknown>) => object
  readonly defaults: ReadonlyArray<readonly [string, unknown]>
}

const builders = new Map<SkyError.Tag, Builder | null>()

const builderOf = (tag: SkyError.Tag): Builder | null => {
  let builder = builders.get(tag)
  if (builder !== undefined) return builder
  const cls = SkyError.classes[tag] as ErrorClass & { readonly fields: Record<string, unknown> }
  let base: unknown = Object.getPrototypeOf(cls)
  while (typeof base === "function" && "fields" in base) base = Object.getPrototypeOf(base)
  if (typeof base !== "function" || base === Function.prototype) {
    builder = null
  } else {
    const template = new (cls as unknown as Unvalidated)({}, true) as unknown as Record<string, unknown>
    const defaults: Array<readonly [string, unknown]> = []
    for (const key of Object.keys(cls.fields)) if (template[key] !== undefined) defaults.push([key, template[key]])
    builder = { base: base as Builder["base"], defaults }
  }
  builders.set(tag, builder)
  return builder
}

type Unvalidated = new(props: unknown, disableValidation: boolean) => SkyError.SkyError

/**
 * The class of a tag, with its fields capped, built without re-validating (its fields were built to the schema)
 * and without capturing a JavaScript stack: an error built here describes a response or a transport failure, and
 * the frames of the Effect runtime that happened to build it say nothing about it (the call's span says where the
 * call was). Capturing them cost ~18 µs per error in isolation and ~150 µs per 429 in a loaded concurrent run, the
 * largest single cost of a failed call; `stack` keeps its first line (`Tag: message`).
 *
 * The instance is what the Schema constructor makes (`test/SkyError.test.ts` compares them field by field, key
 * order included), built as `builderOf` says; a class whose shape is not the expected one gets its constructor.
 */
export const construct = (tag: SkyError.Tag, props: Record<string, unknown>): SkyError.SkyError => {
  const capped = capFields(props)
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    const builder = builderOf(tag)
    if (builder === null) return new (SkyError.classes[tag] as unknown as Unvalidated)(capped, true)
    // The Schema constructor's own steps, on a copy (`capFields` gives `props` itself when nothing was cut): the
    // tag is the class's, and defaults fill what is absent, in field order.
    // (A copy by loop, not a spread and a `delete`: `delete` turns the object into a slow dictionary.)
    const own: Record<string, unknown> = {}
    for (const key in capped) if (key !== "_tag") own[key] = capped[key]
    for (const [key, value] of builder.defaults) if (own[key] === undefined) own[key] = value
    return Reflect.construct(builder.base, [own], SkyError.classes[tag]) as SkyError.SkyError
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
