/**
 * The fair baseline of benchmark d: what a careful hand-written decoder of the
 * gateway's error responses does, with none of `SkyWire.decodeError`'s
 * generality (no charsets, no secret scrubbing, no body cap, no Schema class).
 * It decodes the bytes, `JSON.parse`s, `switch`es on the code, matches the fixed
 * English messages, falls back to the status, reads the request id and
 * `retry-after`, and constructs a plain `Error` subclass with the same fields.
 */

/** The input of both decoders: as the client hands a response over. */
export interface HandInput {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
}

/** A plain `Error` subclass with the fields of a `SkyError`. */
export class HandError extends Error {
  constructor(
    readonly tag: string,
    readonly status: number,
    readonly code: number | string | undefined,
    message: string,
    readonly requestId: string | undefined,
    readonly errorType: string | undefined,
    readonly retryAfterMillis: number | undefined,
    readonly body: string,
    readonly headers: Readonly<Record<string, string>>
  ) {
    super(message)
  }
}

const utf8 = new TextDecoder()

const fixedMessages: Readonly<Record<string, string>> = {
  "the api key in the request is missing or invalid": "InvalidApiKey",
  "you do not have access to the requested model": "ModelAccessDenied",
  "your account has an overdue balance": "AccountOverdue",
  "specified model is not found": "ModelNotFound",
  "internal server error": "InternalError",
  "client closed request": "ClientClosedRequest"
}

const tagOfCode = (code: number): string | undefined => {
  switch (code) {
    case 2001:
      return "UnclassifiedLlmError"
    case 2002:
      return "UpstreamUnavailable"
    case 2003:
      return "UpstreamTimeout"
    case 2004:
      return "InvalidModelParameter"
    case 2005:
      return "RequestParseFailed"
    case 2006:
      return "ResponseParseFailed"
    case 2007:
      return "RpmLimitExceeded"
    case 2008:
      return "TpmLimitExceeded"
    case 2101:
      return "InvalidApiKey"
    case 2102:
      return "ModelAccessDenied"
    case 2103:
      return "AccountOverdue"
    case 2104:
      return "ModelNotFound"
    case 2105:
      return "InternalError"
    case 2106:
      return "ClientClosedRequest"
    default:
      return undefined
  }
}

const defaultMessages: Readonly<Record<string, string>> = {
  InvalidApiKey: "The API key in the request is missing or invalid",
  ClientClosedRequest: "client closed request",
  InternalError: "internal server error"
}

const str = (u: unknown): string | undefined => (typeof u === "string" && u.length > 0 ? u : undefined)

const statusLines: Readonly<Record<number, string>> = { 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" }

/** Decodes one error response. */
export const handDecode = (input: HandInput, now: number): HandError => {
  const text = utf8.decode(input.body)
  let root: Record<string, any> | undefined
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) root = parsed as Record<string, any>
  } catch {
    root = undefined
  }
  const error = typeof root?.error === "object" && root.error !== null ? root.error as Record<string, any> : undefined
  const rawCode = error?.code ?? root?.code
  const code = typeof rawCode === "number" ? rawCode : typeof rawCode === "string" && /^\d+$/.test(rawCode) ? Number(rawCode) : undefined
  const message = str(error?.message) ?? str(root?.message)
  const errorType = str(error?.type)
  let tag = code === undefined ? undefined : tagOfCode(code)
  if (tag === undefined) {
    for (const candidate of [message, errorType]) {
      const found = candidate === undefined ? undefined : fixedMessages[candidate.trim().toLowerCase()]
      if (found !== undefined) {
        tag = found
        break
      }
    }
  }
  if (tag === undefined) {
    tag = input.status === 401 ? "InvalidApiKey" : input.status === 499 ? "ClientClosedRequest" : input.status === 500 ? "InternalError" : "UnknownGatewayError"
  }
  const headers: Record<string, string> = {}
  for (const name in input.headers) headers[name.toLowerCase()] = input.headers[name]!
  const requestId = str(root?.request_id) ?? str(error?.trace_id) ?? str(headers["x-request-id"]) ?? str(headers["request-id"])
  let retryAfterMillis: number | undefined
  const ms = headers["retry-after-ms"]
  const seconds = headers["retry-after"]
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms)) retryAfterMillis = Number(ms)
  else if (seconds !== undefined) {
    if (/^\d+(\.\d+)?$/.test(seconds)) retryAfterMillis = Number(seconds) * 1000
    else {
      const date = Date.parse(seconds)
      if (!Number.isNaN(date)) retryAfterMillis = Math.max(0, date - now)
    }
  }
  const finalMessage = message ?? defaultMessages[tag] ??
    (root === undefined
      ? `HTTP ${input.status}${statusLines[input.status] === undefined ? "" : ` ${statusLines[input.status]}`}: ${
        text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim().slice(0, 200)
      }`
      : `HTTP ${input.status}`)
  return new HandError(
    tag,
    input.status,
    tag === "UnknownGatewayError" ? rawCode as number | string | undefined : code,
    finalMessage,
    requestId,
    errorType,
    retryAfterMillis,
    text,
    headers
  )
}
