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
 * How a class is built without its Schema constructor, which has no public trusted form in Effect 4.1 and runs
 * `struct.make` on every error: a walk that validates every field, copies the headers and attempts and applies the
 * defaults (3-8 µs per error, a third of classifying a 429), before it calls its base with the result. Here that base
 * (the first ancestor without a static `fields`: `Data.Error`, which calls `Error` with the message and assigns the
 * props) is called directly with what `struct.make` makes: `_tag` first, then the fields in field order, a default
 * where one is absent or `undefined`, other keys dropped. The defaults are constants, read once by building the class
 * from nothing. The props are the library's own, typed by the core's classifier, so they are not checked.
 */
interface Builder {
  readonly base: new(props: Record<string, unknown>) => object
  readonly tag: string
  /** The field keys in order, `_tag` left out, with the constructor default of each (`undefined`: none). */
  readonly keys: ReadonlyArray<string>
  readonly defaults: ReadonlyArray<unknown>
}

const builders = new Map<SkyError.Tag, Builder | null>()

const builderOf = (tag: SkyError.Tag): Builder | null => {
  let builder = builders.get(tag)
  if (builder !== undefined) return builder
  builder = null
  const cls = SkyError.classes[tag] as unknown as Constructor & { readonly fields?: unknown }
  let base: unknown = Object.getPrototypeOf(cls)
  while (typeof base === "function" && "fields" in base) base = Object.getPrototypeOf(base)
  const fields = cls.fields
  if (typeof base === "function" && base !== Function.prototype && typeof fields === "object" && fields !== null) {
    const template = new cls({}) as unknown as Record<string, unknown>
    const fieldKeys = Object.keys(fields)
    // The expected shape: the template's own enumerable keys are the tag and defaults, all of them fields.
    if (template._tag === tag && Object.keys(template).every((key) => fieldKeys.includes(key))) {
      const keys = fieldKeys.filter((key) => key !== "_tag")
      builder = { base: base as Builder["base"], tag, keys, defaults: keys.map((key) => template[key]) }
    }
  }
  builders.set(tag, builder)
  return builder
}

/**
 * The class of a tag, with its fields capped, built without capturing a JavaScript stack: an error built here
 * describes a response or a transport failure, and the frames of the Effect runtime that happened to build it say
 * nothing about it (the call's span says where the call was); `stack` keeps its first line (`Tag: message`).
 *
 * The instance is what the class's constructor makes (`test/SkyError.test.ts` compares them for every tag), built
 * as `builderOf` says; a class whose shape is not the expected one gets its constructor.
 */
export const construct = (tag: SkyError.Tag, props: Record<string, unknown>): SkyError.SkyError => {
  const capped = capFields(props)
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    const builder = builderOf(tag)
    if (builder === null) return new (SkyError.classes[tag] as unknown as Constructor)(capped)
    // A new object (`capFields` gives `props` itself when nothing was cut, and the base keeps what it is given).
    const own: Record<string, unknown> = { _tag: builder.tag }
    const { defaults, keys } = builder
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]
      const given = Object.hasOwn(capped, key)
      const value = given ? capped[key] : undefined
      if (value !== undefined) own[key] = value
      else if (defaults[i] !== undefined) own[key] = defaults[i]
      else if (given) own[key] = undefined
    }
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
