/**
 * The one way a `SkyError` is built inside the library: fields capped to the
 * documented limits, then the class constructed without re-validation.
 *
 * @internal
 */
import * as SkyError from "../SkyError.js"

type Unvalidated = new(props: unknown, disableValidation: boolean) => SkyError.SkyError

/**
 * The longest text each field of an error keeps, in UTF-16 code units. A longer
 * value is cut and ends with `...`; the body has its own limit (`SkyWire.bodyLimit`).
 */
export const fieldLimits = {
  message: 8_192,
  issue: 8_192,
  reason: 2_048,
  code: 64,
  errorType: 256,
  requestId: 256,
  url: 8_192,
  headerName: 256,
  headerValue: 4_096,
  headerCount: 100
} as const

const ellipsis = "..."

/** The text cut to `max` code units (its last three `...`), never splitting a surrogate pair. */
export const capText = (text: string, max: number): string => {
  if (text.length <= max) return text
  let end = Math.max(0, max - ellipsis.length)
  const last = text.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end -= 1
  return text.slice(0, end) + ellipsis
}

const cappedFields = ["message", "issue", "reason", "errorType", "requestId", "url"] as const

const capHeaders = (headers: Readonly<Record<string, string>>): Record<string, string> => {
  const out: Record<string, string> = {}
  let count = 0
  for (const name in headers) {
    if (count++ >= fieldLimits.headerCount) break
    out[capText(name, fieldLimits.headerName)] = capText(headers[name]!, fieldLimits.headerValue)
  }
  return out
}

/** The fields with every text cut to its limit (`fieldLimits`). */
const capFields = (props: Record<string, unknown>): Record<string, unknown> => {
  let out: Record<string, unknown> | undefined
  const set = (key: string, value: unknown) => {
    out ??= { ...props }
    out[key] = value
  }
  for (const key of cappedFields) {
    const value = props[key]
    if (typeof value === "string" && value.length > fieldLimits[key]) set(key, capText(value, fieldLimits[key]))
  }
  if (typeof props.code === "string" && props.code.length > fieldLimits.code) {
    set("code", capText(props.code, fieldLimits.code))
  }
  const headers = props.headers
  if (typeof headers === "object" && headers !== null) {
    const record = headers as Record<string, string>
    let over = false
    let count = 0
    for (const name in record) {
      if (++count > fieldLimits.headerCount || name.length > fieldLimits.headerName ||
        record[name]!.length > fieldLimits.headerValue) {
        over = true
        break
      }
    }
    if (over) set("headers", capHeaders(record))
  }
  return out ?? props
}

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
