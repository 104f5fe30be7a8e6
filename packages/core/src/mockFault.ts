/**
 * The faults the double can inject, their spec strings, and the parser and printer between the two, as plain
 * data (a line wraps a parsed fault in its own constructors).
 *
 * @internal
 */
import { catalogue, type Code, entryOfCode, tags } from "./table.js"
import { type Shape, shapes } from "./wire.js"

/**
 * The fields of each fault, by tag (see the double's documentation for what each one does on the wire). A line
 * builds its own tagged union over it (`Data.TaggedEnum<FaultFields>` in Effect 3).
 *
 * @since 1.0.0
 * @category faults
 * @internal
 */
export type FaultFields = {
  /** An error response of a table code, produced with the wire encoder. */
  ErrorResponse: {
    readonly code: Code
    readonly shape?: Shape | undefined
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
    readonly code: Code
    readonly after: number
    readonly message?: string | undefined
  }
  /** A stream that sends `after` good events and ends cleanly without its terminator. */
  StreamCut: { readonly after: number }
}

/**
 * A fault, as a plain tagged union.
 *
 * @since 1.0.0
 * @category faults
 * @internal
 */
export type Fault = { readonly [K in keyof FaultFields]: { readonly _tag: K } & FaultFields[K] }[keyof FaultFields]

/**
 * The outcome of parsing a spec: the fault, or a message that says what is wrong and what is allowed.
 *
 * @since 1.0.0
 * @category faults
 * @internal
 */
export type ParseResult =
  | { readonly _tag: "Right"; readonly right: Fault }
  | { readonly _tag: "Left"; readonly left: string }

type Result<A> = { readonly _tag: "Right"; readonly right: A } | { readonly _tag: "Left"; readonly left: string }

const right = <A>(a: A): Result<A> => ({ _tag: "Right", right: a })
const left = (message: string): Result<never> => ({ _tag: "Left", left: message })
const isLeft = <A>(r: Result<A>): r is { readonly _tag: "Left"; readonly left: string } => r._tag === "Left"
const map = <A, B>(r: Result<A>, f: (a: A) => B): Result<B> => isLeft(r) ? r : right(f(r.right))
const flatMap = <A, B>(r: Result<A>, f: (a: A) => Result<B>): Result<B> => isLeft(r) ? r : f(r.right)

const make = <K extends keyof FaultFields>(_tag: K, fields: FaultFields[K]): Fault =>
  ({ _tag, ...fields }) as unknown as Fault

/**
 * The events a stream fault lets through by default.
 *
 * @since 1.0.0
 * @category faults
 * @internal
 */
export const defaultAfter = 2

const isCode = (n: number): n is Code => entryOfCode(n) !== undefined

const tableCodes: string = tags.flatMap((tag) => {
  const code: number | undefined = catalogue[tag].code
  return code === undefined ? [] : [String(code)]
}).join(", ")

/**
 * The largest body `oversize` produces (64 MiB).
 *
 * @since 1.0.0
 * @category faults
 * @internal
 */
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

const integer = (text: string, what: string, min: number, max: number): Result<number> =>
  /^\d+$/.test(text) && Number(text) >= min && Number(text) <= max
    ? right(Number(text))
    : left(`${what} must be an integer from ${min} to ${max}, got "${text}"`)

const codeOf = (text: string | undefined, name: string): Result<Code> => {
  if (text === undefined || text === "") return left(`${name} needs a code, e.g. ${name}:2007`)
  if (!/^\d+$/.test(text) || !isCode(Number(text))) {
    return left(`${name}:${text}: "${text}" is not a SkyEngine error code (one of ${tableCodes})`)
  }
  return right(Number(text) as Code)
}

interface Parts {
  readonly name: string
  readonly argument: string | undefined
  readonly options: ReadonlyArray<readonly [string, string]>
}

const split = (spec: string): Result<Parts> => {
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
    if (option === "" || eq <= 0) return left(`"${option}" is not an option: write name=value`)
    options.push([option.slice(0, eq).trim().toLowerCase(), option.slice(eq + 1).trim()])
  }
  if (message !== undefined) options.push(["message", unescapeText(message)])
  return right({ name, argument, options })
}

const noArgument = (parts: Parts, fault: Fault): Result<Fault> =>
  parts.argument !== undefined
    ? left(`${parts.name} takes no argument, got "${parts.name}:${parts.argument}"`)
    : parts.options.length > 0
    ? left(`${parts.name} takes no options, got "${parts.options[0]![0]}"`)
    : right(fault)

const unknownOption = (name: string, option: string, allowed: ReadonlyArray<string>): Result<never> =>
  left(`unknown option "${option}" for ${name} (allowed: ${allowed.join(", ")})`)

/**
 * Parses a fault spec: `Right` with the fault, or `Left` with a message that
 * says what is wrong and what is allowed (the shape of an `Either`, as plain data).
 *
 * @since 1.0.0
 * @category faults
 * @internal
 */
export const parseFault = (text: string): ParseResult => {
  const spec = text.trim()
  if (spec === "") return left(`empty fault spec (expected one of ${grammar})`)
  return flatMap(split(spec), (parts): Result<Fault> => {
    switch (parts.name) {
      case "error": {
        const code = codeOf(parts.argument, "error")
        if (isLeft(code)) return left(code.left)
        const fields: {
          code: Code
          shape?: Shape
          retryAfterMillis?: number
          shouldRetry?: boolean
          message?: string
        } = { code: code.right }
        for (const [key, value] of parts.options) {
          switch (key) {
            case "shape": {
              const shape = shapes.find((s) => s === value)
              if (shape === undefined) return left(`shape must be one of ${shapes.join(", ")}, got "${value}"`)
              fields.shape = shape
              break
            }
            case "retry-after": {
              if (!/^\d+(\.\d+)?$/.test(value)) {
                return left(`retry-after must be a number of seconds, got "${value}"`)
              }
              fields.retryAfterMillis = Math.round(Number(value) * 1000)
              break
            }
            case "retry-after-ms": {
              const ms = integer(value, "retry-after-ms", 0, 86_400_000)
              if (isLeft(ms)) return left(ms.left)
              fields.retryAfterMillis = ms.right
              break
            }
            case "should-retry": {
              if (value !== "true" && value !== "false") {
                return left(`should-retry must be true or false, got "${value}"`)
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
        return right(make("ErrorResponse", fields))
      }
      case "html502":
        return noArgument(parts, make("Html502", {}))
      case "reset-before-headers":
        return noArgument(parts, make("ResetBeforeHeaders", {}))
      case "reset-mid-body":
        return noArgument(parts, make("ResetMidBody", {}))
      case "stall":
        return noArgument(parts, make("Stall", {}))
      case "truncated-json":
        return noArgument(parts, make("TruncatedJson", {}))
      case "latency": {
        if (parts.argument === undefined) return left("latency needs a number of milliseconds, e.g. latency:200")
        if (parts.options.length > 0) return left(`latency takes no options, got "${parts.options[0]![0]}"`)
        return map(integer(parts.argument, "latency", 0, 3_600_000), (millis) => make("Latency", { millis }))
      }
      case "oversize": {
        if (parts.argument === undefined) return left("oversize needs a number of bytes, e.g. oversize:100000")
        if (parts.options.length > 0) return left(`oversize takes no options, got "${parts.options[0]![0]}"`)
        return map(integer(parts.argument, "oversize", 1, maxOversizeBytes), (bytes) => make("Oversize", { bytes }))
      }
      case "mid-stream-error": {
        const code = codeOf(parts.argument, "mid-stream-error")
        if (isLeft(code)) return left(code.left)
        let after = defaultAfter
        let message: string | undefined
        for (const [key, value] of parts.options) {
          if (key === "after") {
            const n = integer(value, "after", 0, 10_000)
            if (isLeft(n)) return left(n.left)
            after = n.right
          } else if (key === "message") {
            message = value
          } else {
            return unknownOption("mid-stream-error", key, ["after", "message"])
          }
        }
        return right(make("MidStreamError", { code: code.right, after, ...(message !== undefined ? { message } : {}) }))
      }
      case "stream-cut": {
        if (parts.argument !== undefined) {
          return left(`stream-cut takes no argument, got "stream-cut:${parts.argument}" (write stream-cut,after=N)`)
        }
        let after = defaultAfter
        for (const [key, value] of parts.options) {
          if (key !== "after") return unknownOption("stream-cut", key, ["after"])
          const n = integer(value, "after", 0, 10_000)
          if (isLeft(n)) return left(n.left)
          after = n.right
        }
        return right(make("StreamCut", { after }))
      }
      default:
        return left(`unknown fault "${parts.name}" (expected one of ${grammar})`)
    }
  })
}

/**
 * The canonical spec of a fault; `parseFault(formatFault(f))` gives `f` back.
 *
 * @since 1.0.0
 * @category faults
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
