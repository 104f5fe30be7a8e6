/**
 * The documented limit of every text field an error keeps, and the one way a field is cut to it.
 *
 * @internal
 */

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
export const capFields = (props: Record<string, unknown>): Record<string, unknown> => {
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
