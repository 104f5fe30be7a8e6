/**
 * The faults `SkyMock` can inject, their spec strings, and the parser and
 * printer between the two.
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as SkyError from "../SkyError.js"
import * as SkyWire from "../SkyWire.js"

/**
 * A fault, as a tagged union (see `SkyMock` for what each one does on the wire).
 *
 * @internal
 */
export type Fault = Data.TaggedEnum<{
  /** An error response of a table code, produced with `SkyWire.encodeError`. */
  ErrorResponse: {
    readonly code: SkyError.Code
    readonly shape?: SkyWire.Shape | undefined
    readonly retryAfterMillis?: number | undefined
    readonly shouldRetry?: boolean | undefined
    readonly message?: string | undefined
  }
  /** 502 with an nginx HTML page and an `x-request-id` header. */
  Html502: {}
  /** The socket is destroyed (reset) before any byte of the response. */
  ResetBeforeHeaders: {}
  /** 200 headers and half the body (or half the stream), then the socket is destroyed. */
  ResetMidBody: {}
  /** The request is accepted and never answered; the socket closes when the server stops. */
  Stall: {}
  /** The answer is delayed by `millis`, then given normally. */
  Latency: { readonly millis: number }
  /** 200 with a JSON body cut in half (a stream: its first event cut in half), then a clean end. */
  TruncatedJson: {}
  /** An error response (500, code 2105, gateway envelope) whose body is `bytes` bytes long. */
  Oversize: { readonly bytes: number }
  /** A stream that sends `after` good events, then an in-stream error of `code`. */
  MidStreamError: {
    readonly code: SkyError.Code
    readonly after: number
    readonly message?: string | undefined
  }
  /** A stream that sends `after` good events and ends cleanly without its terminator. */
  StreamCut: { readonly after: number }
}>

/**
 * The constructors of `Fault` (`Fault.ErrorResponse({ code: 2007 })`, ...).
 *
 * @internal
 */
export const Fault = Data.taggedEnum<Fault>()

/** The events a stream fault lets through by default. */
export const defaultAfter = 2

const shapes: ReadonlyArray<SkyWire.Shape> = SkyWire.shapes

const isCode = (n: number): n is SkyError.Code => SkyError.entryOfCode(n) !== undefined

const tableCodes: string = SkyError.tags.flatMap((tag) => {
  const code: number | undefined = SkyError.catalogue[tag].code
  return code === undefined ? [] : [String(code)]
}).join(", ")

/** The largest body `oversize` produces (64 MiB). */
export const maxOversizeBytes = 64 * 1024 * 1024

/** Escapes `%` and non-printable or non-ASCII characters, so that a message fits in a header. */
const escapeText = (text: string): string =>
  text.replace(/[%\u0000-\u001f\u007f-\u{10ffff}]/gu, (ch) => encodeURIComponent(ch))

const unescapeText = (text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

const grammar = "error:<code>, html502, reset-before-headers, reset-mid-body, stall, latency:<ms>, " +
  "truncated-json, oversize:<bytes>, mid-stream-error:<code>, stream-cut"

const integer = (text: string, what: string, min: number, max: number): Either.Either<number, string> =>
  /^\d+$/.test(text) && Number(text) >= min && Number(text) <= max
    ? Either.right(Number(text))
    : Either.left(`${what} must be an integer from ${min} to ${max}, got "${text}"`)

const codeOf = (text: string | undefined, name: string): Either.Either<SkyError.Code, string> => {
  if (text === undefined || text === "") return Either.left(`${name} needs a code, e.g. ${name}:2007`)
  if (!/^\d+$/.test(text) || !isCode(Number(text))) {
    return Either.left(`${name}:${text}: "${text}" is not a SkyEngine error code (one of ${tableCodes})`)
  }
  return Either.right(Number(text) as SkyError.Code)
}

interface Parts {
  readonly name: string
  readonly argument: string | undefined
  readonly options: ReadonlyArray<readonly [string, string]>
}

const split = (spec: string): Either.Either<Parts, string> => {
  // `message=` takes the rest of the spec, commas included.
  const at = spec.search(/,\s*message=/)
  const head = at < 0 ? spec : spec.slice(0, at)
  const message = at < 0 ? undefined : spec.slice(spec.indexOf("message=", at) + "message=".length)
  const [first = "", ...rest] = head.split(",").map((s) => s.trim())
  const colon = first.indexOf(":")
  const name = (colon < 0 ? first : first.slice(0, colon)).trim().toLowerCase()
  const argument = colon < 0 ? undefined : first.slice(colon + 1).trim()
  const options: Array<readonly [string, string]> = []
  for (const option of rest) {
    const eq = option.indexOf("=")
    if (option === "" || eq <= 0) return Either.left(`"${option}" is not an option: write name=value`)
    options.push([option.slice(0, eq).trim().toLowerCase(), option.slice(eq + 1).trim()])
  }
  if (message !== undefined) options.push(["message", unescapeText(message)])
  return Either.right({ name, argument, options })
}

const noArgument = (parts: Parts, fault: Fault): Either.Either<Fault, string> =>
  parts.argument !== undefined
    ? Either.left(`${parts.name} takes no argument, got "${parts.name}:${parts.argument}"`)
    : parts.options.length > 0
    ? Either.left(`${parts.name} takes no options, got "${parts.options[0]![0]}"`)
    : Either.right(fault)

const unknownOption = (name: string, option: string, allowed: ReadonlyArray<string>): Either.Either<never, string> =>
  Either.left(`unknown option "${option}" for ${name} (allowed: ${allowed.join(", ")})`)

/**
 * Parses a fault spec: `Right` with the fault, or `Left` with a message that
 * says what is wrong and what is allowed.
 *
 * @internal
 */
export const parseFault = (text: string): Either.Either<Fault, string> => {
  const spec = text.trim()
  if (spec === "") return Either.left(`empty fault spec (expected one of ${grammar})`)
  return Either.flatMap(split(spec), (parts): Either.Either<Fault, string> => {
    switch (parts.name) {
      case "error": {
        const code = codeOf(parts.argument, "error")
        if (Either.isLeft(code)) return Either.left(code.left)
        const fields: {
          code: SkyError.Code
          shape?: SkyWire.Shape
          retryAfterMillis?: number
          shouldRetry?: boolean
          message?: string
        } = { code: code.right }
        for (const [key, value] of parts.options) {
          switch (key) {
            case "shape": {
              const shape = shapes.find((s) => s === value)
              if (shape === undefined) return Either.left(`shape must be one of ${shapes.join(", ")}, got "${value}"`)
              fields.shape = shape
              break
            }
            case "retry-after": {
              if (!/^\d+(\.\d+)?$/.test(value)) {
                return Either.left(`retry-after must be a number of seconds, got "${value}"`)
              }
              fields.retryAfterMillis = Math.round(Number(value) * 1000)
              break
            }
            case "retry-after-ms": {
              const ms = integer(value, "retry-after-ms", 0, 86_400_000)
              if (Either.isLeft(ms)) return Either.left(ms.left)
              fields.retryAfterMillis = ms.right
              break
            }
            case "should-retry": {
              if (value !== "true" && value !== "false") {
                return Either.left(`should-retry must be true or false, got "${value}"`)
              }
              fields.shouldRetry = value === "true"
              break
            }
            case "message":
              fields.message = value
              break
            default:
              return unknownOption("error", key, ["shape", "retry-after", "retry-after-ms", "should-retry", "message"])
          }
        }
        return Either.right(Fault.ErrorResponse(fields))
      }
      case "html502":
        return noArgument(parts, Fault.Html502())
      case "reset-before-headers":
        return noArgument(parts, Fault.ResetBeforeHeaders())
      case "reset-mid-body":
        return noArgument(parts, Fault.ResetMidBody())
      case "stall":
        return noArgument(parts, Fault.Stall())
      case "truncated-json":
        return noArgument(parts, Fault.TruncatedJson())
      case "latency": {
        if (parts.argument === undefined) return Either.left("latency needs a number of milliseconds, e.g. latency:200")
        if (parts.options.length > 0) return Either.left(`latency takes no options, got "${parts.options[0]![0]}"`)
        return Either.map(integer(parts.argument, "latency", 0, 3_600_000), (millis) => Fault.Latency({ millis }))
      }
      case "oversize": {
        if (parts.argument === undefined) return Either.left("oversize needs a number of bytes, e.g. oversize:100000")
        if (parts.options.length > 0) return Either.left(`oversize takes no options, got "${parts.options[0]![0]}"`)
        return Either.map(integer(parts.argument, "oversize", 1, maxOversizeBytes), (bytes) => Fault.Oversize({ bytes }))
      }
      case "mid-stream-error": {
        const code = codeOf(parts.argument, "mid-stream-error")
        if (Either.isLeft(code)) return Either.left(code.left)
        let after = defaultAfter
        let message: string | undefined
        for (const [key, value] of parts.options) {
          if (key === "after") {
            const n = integer(value, "after", 0, 10_000)
            if (Either.isLeft(n)) return Either.left(n.left)
            after = n.right
          } else if (key === "message") {
            message = value
          } else {
            return unknownOption("mid-stream-error", key, ["after", "message"])
          }
        }
        return Either.right(Fault.MidStreamError({ code: code.right, after, ...(message !== undefined ? { message } : {}) }))
      }
      case "stream-cut": {
        if (parts.argument !== undefined) {
          return Either.left(`stream-cut takes no argument, got "stream-cut:${parts.argument}" (write stream-cut,after=N)`)
        }
        let after = defaultAfter
        for (const [key, value] of parts.options) {
          if (key !== "after") return unknownOption("stream-cut", key, ["after"])
          const n = integer(value, "after", 0, 10_000)
          if (Either.isLeft(n)) return Either.left(n.left)
          after = n.right
        }
        return Either.right(Fault.StreamCut({ after }))
      }
      default:
        return Either.left(`unknown fault "${parts.name}" (expected one of ${grammar})`)
    }
  })
}

/**
 * The canonical spec of a fault; `parseFault(formatFault(f))` gives `f` back.
 *
 * @internal
 */
export const formatFault = (fault: Fault): string => {
  switch (fault._tag) {
    case "ErrorResponse":
      return [
        `error:${fault.code}`,
        ...(fault.shape !== undefined ? [`shape=${fault.shape}`] : []),
        ...(fault.retryAfterMillis !== undefined ? [`retry-after-ms=${fault.retryAfterMillis}`] : []),
        ...(fault.shouldRetry !== undefined ? [`should-retry=${fault.shouldRetry}`] : []),
        ...(fault.message !== undefined ? [`message=${escapeText(fault.message)}`] : [])
      ].join(",")
    case "Html502":
      return "html502"
    case "ResetBeforeHeaders":
      return "reset-before-headers"
    case "ResetMidBody":
      return "reset-mid-body"
    case "Stall":
      return "stall"
    case "Latency":
      return `latency:${fault.millis}`
    case "TruncatedJson":
      return "truncated-json"
    case "Oversize":
      return `oversize:${fault.bytes}`
    case "MidStreamError":
      return [
        `mid-stream-error:${fault.code}`,
        `after=${fault.after}`,
        ...(fault.message !== undefined ? [`message=${escapeText(fault.message)}`] : [])
      ].join(",")
    case "StreamCut":
      return `stream-cut,after=${fault.after}`
  }
}
