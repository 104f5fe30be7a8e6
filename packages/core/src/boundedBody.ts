/**
 * Reading an error body without holding it: the first `keep` bytes are kept as evidence, and every byte up to
 * `scanLimit` goes through an incremental JSON scanner that finds the facts classification needs (the codes, the
 * type, the message, the request id, the marks) without building the value. Memory is bounded by `keep`, the
 * captured facts (a few capped strings) and one bit per level of nesting.
 *
 * Plain TypeScript, no Effect: the client feeds it from any byte stream.
 *
 * @internal
 */
import { capText } from "./limits.js"
import { isRecord } from "./json.js"

/** The bytes kept as evidence by default: `SkyWire.bodyLimit` (64 KiB). */
export const defaultKeep = 65_536

/**
 * How far the scanner reads by default (8 MiB): an error envelope whose code sits behind a multi-megabyte message
 * still classifies; past it, reading stops.
 */
export const defaultScanLimit = 8_388_608

/**
 * The largest 2xx body a call of one value reads (64 MiB, decoded): a body announced larger is refused after its
 * first bytes, one that grows past it (sent in chunks, or inflated by its content-encoding) when it does; reading
 * stops there and the socket is released. A stream's body has no such bound (each of its events has
 * `Sse.maxLineLength`).
 */
export const maxAnswerBytes = 67_108_864

/** Why a 2xx body was not read: it was announced (`content-length`) or seen larger than `limit`. */
export const answerTooLargeProblem = (announced: number | undefined, limit: number = maxAnswerBytes): string =>
  announced === undefined
    ? `the body grew past the ${limit}-byte limit on an answer`
    : `the body (${announced} bytes announced) is larger than the ${limit}-byte limit on an answer`

/** A 2xx body larger than its bound: why (`answerTooLargeProblem`). */
export class AnswerTooLarge {
  constructor(readonly message: string) {}
}

/**
 * How a 2xx body is read under `limit`: a plain body announced within it in one piece by the transport (`Whole`); a
 * plain body announced larger not at all (`Refuse`: the reader stops at its first bytes, releasing the socket); any
 * other chunk by chunk (`Count`, with `makeAnswerCollector`), a coded one as decoded (fetch decodes and keeps the
 * header).
 */
export const answerRead = (
  headers: Readonly<Record<string, string | undefined>>,
  limit: number = maxAnswerBytes
): { readonly _tag: "Whole" } | { readonly _tag: "Refuse"; readonly problem: AnswerTooLarge } | { readonly _tag: "Count" } => {
  const length = headers["content-length"] === undefined ? NaN : Number(headers["content-length"])
  if (headers["content-encoding"] !== undefined || !Number.isFinite(length)) return counted
  return length <= limit ? whole : { _tag: "Refuse", problem: new AnswerTooLarge(answerTooLargeProblem(length, limit)) }
}

const whole = { _tag: "Whole" } as const
const counted = { _tag: "Count" } as const

/**
 * Collects a 2xx body's chunks while they stay within `limit`: `push` says whether to read on, `result` gives the
 * body as UTF-8 text, or why not.
 */
export const makeAnswerCollector = (limit: number = maxAnswerBytes): {
  readonly push: (chunk: Uint8Array) => boolean
  readonly result: () => string | AnswerTooLarge
} => {
  const parts: Array<Uint8Array> = []
  let size = 0
  return {
    push: (chunk) => {
      size += chunk.byteLength
      if (size > limit) return false
      parts.push(chunk)
      return true
    },
    result: () => {
      if (size > limit) return new AnswerTooLarge(answerTooLargeProblem(undefined, limit))
      if (parts.length === 1) return answerDecoder.decode(parts[0]!)
      const out = new Uint8Array(size)
      let offset = 0
      for (const part of parts) {
        out.set(part, offset)
        offset += part.byteLength
      }
      return answerDecoder.decode(out)
    }
  }
}

const answerDecoder = new TextDecoder("utf-8")

/** The longest message-like string the scanner keeps (`fieldLimits.message`); other strings keep 1,024. */
export const messageCapture = 8_192
const otherCapture = 1_024
/** Keys longer than this are never among the ones looked for. */
const keyCapture = 32
/** How many `error.details[]` objects are looked into. */
const maxDetails = 16

/** What the scanner found: the root object reduced to the members classification reads (see `project`). */
export type JsonFacts = Readonly<Record<string, unknown>>

/** A body read with a bound (public as `SkyWire.CollectedBody`). */
export interface CollectedBody {
  readonly _tag: "CollectedBody"
  /** The kept prefix (at most `keep` bytes). */
  readonly bytes: Uint8Array
  /** Whether the whole body was seen (reading was not stopped). */
  readonly complete: boolean
  /** How many bytes were pushed in all. */
  readonly seenBytes: number
  /**
   * The scanner's verdict on what it read: `complete` a whole JSON value, `partial` valid JSON so far but cut at
   * the scan limit, `invalid` not JSON (or a body that ended mid-value).
   */
  readonly json: "complete" | "partial" | "invalid"
  /** The facts, when the body's root is a JSON object and `json` is not `invalid`. */
  readonly facts: JsonFacts | undefined
}

/** Collects one body: the client pushes each chunk as it arrives and stops when `push` says so. */
export interface BodyCollector {
  /** Feeds the next chunk; false means stop reading, enough has been seen. */
  readonly push: (chunk: Uint8Array) => boolean
  /**
   * The body as collected. `failed`: the read failed before the body's end (a reset, an abort): what came is kept,
   * not `complete`, and judged as a body cut short (`partial` while it is valid JSON so far).
   */
  readonly result: (failed?: boolean) => CollectedBody
}

/** @internal */
export const isCollectedBody = (u: unknown): u is CollectedBody =>
  typeof u === "object" && u !== null && (u as { readonly _tag?: unknown })._tag === "CollectedBody" &&
  (u as { readonly bytes?: unknown }).bytes instanceof Uint8Array

const rootKeys: ReadonlySet<string> = new Set([
  "code",
  "type",
  "tag",
  "request_id",
  "trace_id",
  "message",
  "msg",
  "detail",
  "error",
  "instance",
  "retry_after"
])
const errorKeys: ReadonlySet<string> = new Set([
  "code",
  "type",
  "tag",
  "message",
  "msg",
  "request_id",
  "trace_id",
  "retry_after",
  "details"
])
const detailKeys: ReadonlySet<string> = new Set(["code", "message"])
const messageKeys: ReadonlySet<string> = new Set(["message", "msg", "detail", "error"])

const ellipsis = "..."


const captureOf = (key: string): number => (messageKeys.has(key) ? messageCapture : otherCapture)

const leaf = (value: unknown, max: number): unknown =>
  typeof value === "string" ? capText(value, max) : Array.isArray(value) ? [] : isRecord(value) ? {} : value

const pick = (from: Record<string, unknown>, keys: ReadonlySet<string>, out: Record<string, unknown>): void => {
  for (const key of keys) if (Object.prototype.hasOwnProperty.call(from, key)) out[key] = leaf(from[key], captureOf(key))
}

/**
 * The facts of a parsed value, as the scanner finds them in its bytes: the root's members in `rootKeys`, the
 * `error` object's in `errorKeys`, the first `maxDetails` objects of `error.details` with their `code` and
 * `message`; strings capped, other containers reduced to empty ones. Used to compare the scanner with `JSON.parse`.
 */
export const project = (value: unknown): JsonFacts | undefined => {
  if (!isRecord(value)) return undefined
  const root: Record<string, unknown> = {}
  pick(value, rootKeys, root)
  const error = value.error
  if (isRecord(error)) {
    const out: Record<string, unknown> = {}
    pick(error, errorKeys, out)
    if (Array.isArray(error.details)) {
      out.details = error.details.filter(isRecord).slice(0, maxDetails).map((d) => {
        const item: Record<string, unknown> = {}
        pick(d, detailKeys, item)
        return item
      })
    }
    root.error = out
  }
  return root
}

// Containers: what an open object or array is, for the facts.
const ignored = 0
const rootObject = 1
const errorObject = 2
const detailsArray = 3
const detailObject = 4

// States of the scanner.
const expectValue = 0
const afterValue = 1
const expectKeyOrEnd = 2 // after `{`
const expectKey = 3 // after `,` in an object
const expectColon = 4
const inString = 5
const inEscape = 6
const inUnicode = 7
const inNumber = 8
const inLiteral = 9
const done = 10
const failed = 11

const numberPattern = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/
const maxNumberText = 512

/** An incremental JSON scanner: push bytes, read the facts; never more memory than the facts and one bit a level. */
class Scanner {
  state = expectValue
  depth = 0
  /** One bit per open container: 1 an object, 0 an array. */
  kinds = new Uint8Array(64)
  /** What each of the first levels is, for the facts. */
  readonly roles: Array<number> = []
  facts: Record<string, unknown> | undefined = undefined
  private error: Record<string, unknown> | undefined = undefined
  private details: Array<Record<string, unknown>> | undefined = undefined
  private bomIndex = 0
  private started = false
  rootStarted = false
  // The value about to be read: where it goes (target, key) and how much of a string to keep.
  private slotTarget: Record<string, unknown> | undefined = undefined
  private slotKey = ""
  // The string being read: a key or a value, kept (capture > 0) or skipped.
  private stringIsKey = false
  private capture = 0
  private text = ""
  private decoder: TextDecoder | undefined = undefined
  private unicode = 0
  private unicodeDigits = 0
  private number = ""
  private literal = ""
  private literalIndex = 0
  private literalValue: unknown = null
  private lastKey: string | undefined = undefined

  private role(): number {
    return this.depth === 0 ? ignored : (this.roles[this.depth - 1] ?? ignored)
  }

  private isObjectAt(depth: number): boolean {
    return ((this.kinds[depth >> 3]! >> (depth & 7)) & 1) === 1
  }

  private open(isObj: boolean, role: number): void {
    const depth = this.depth
    if ((depth >> 3) >= this.kinds.length) {
      const grown = new Uint8Array(this.kinds.length * 2)
      grown.set(this.kinds)
      this.kinds = grown
    }
    if (isObj) this.kinds[depth >> 3]! |= 1 << (depth & 7)
    else this.kinds[depth >> 3]! &= ~(1 << (depth & 7))
    if (depth < 4) this.roles[depth] = role
    this.depth = depth + 1
  }

  /** A value ends: the container it closed, or `afterValue`, or the end of the root. */
  private valueEnded(): void {
    this.slotTarget = undefined
    this.state = this.depth === 0 ? done : afterValue
  }

  private store(value: unknown): void {
    if (this.slotTarget !== undefined) this.slotTarget[this.slotKey] = value
  }

  /** Where the next value of the current container goes. */
  private slotForKey(key: string | undefined): void {
    this.slotTarget = undefined
    if (key === undefined) return
    const role = this.role()
    const keys = role === rootObject ? rootKeys : role === errorObject ? errorKeys : role === detailObject
      ? detailKeys
      : undefined
    if (keys === undefined || !keys.has(key)) return
    this.slotTarget = role === rootObject ? this.facts : role === errorObject ? this.error : this.currentDetail
    this.slotKey = key
  }

  private currentDetail: Record<string, unknown> | undefined = undefined

  private startValue(byte: number): void {
    if (this.depth === 0) this.rootStarted = true
    const role = this.role()
    const target = this.slotTarget
    const key = this.slotKey
    if (byte === 0x7b /* { */) {
      let childRole = ignored
      if (this.depth === 0) {
        this.facts = {}
        childRole = rootObject
      } else if (target !== undefined && role === rootObject && key === "error") {
        this.error = {}
        this.details = undefined
        target[key] = this.error
        childRole = errorObject
      } else if (role === detailsArray && this.details !== undefined && this.details.length < maxDetails) {
        this.currentDetail = {}
        this.details.push(this.currentDetail)
        childRole = detailObject
      } else if (target !== undefined) {
        target[key] = {}
      }
      this.open(true, childRole)
      this.slotTarget = undefined
      this.state = expectKeyOrEnd
    } else if (byte === 0x5b /* [ */) {
      let childRole = ignored
      if (target !== undefined && role === errorObject && key === "details") {
        this.details = []
        target[key] = this.details
        childRole = detailsArray
      } else if (target !== undefined) {
        target[key] = []
      }
      this.open(false, childRole)
      this.slotTarget = undefined
      this.state = expectValue
      this.started = false
    } else if (byte === 0x22 /* " */) {
      this.beginString(false, target === undefined ? 0 : captureOf(key) + 1)
    } else if (byte === 0x2d || (byte >= 0x30 && byte <= 0x39)) {
      this.number = String.fromCharCode(byte)
      this.state = inNumber
    } else if (byte === 0x74 || byte === 0x66 || byte === 0x6e) {
      this.literal = byte === 0x74 ? "true" : byte === 0x66 ? "false" : "null"
      this.literalValue = byte === 0x74 ? true : byte === 0x66 ? false : null
      this.literalIndex = 1
      this.state = inLiteral
    } else {
      this.state = failed
    }
  }

  private beginString(isKey: boolean, capture: number): void {
    this.stringIsKey = isKey
    this.capture = capture
    this.text = ""
    this.decoder = undefined
    this.state = inString
  }

  private appendBytes(chunk: Uint8Array, from: number, to: number): void {
    if (this.capture === 0 || from >= to || this.text.length >= this.capture) return
    this.decoder ??= new TextDecoder("utf-8")
    // Never more than the capture: a long run is cut (in bytes, which are at least as many as code units).
    const end = Math.min(to, from + (this.capture - this.text.length) * 4)
    this.text += this.decoder.decode(chunk.subarray(from, end), { stream: true })
  }

  private appendUnit(unit: number): void {
    if (this.capture === 0 || this.text.length >= this.capture) return
    if (this.decoder !== undefined) this.text += this.decoder.decode()
    this.decoder = undefined
    this.text += String.fromCharCode(unit)
  }

  private endString(): void {
    if (this.decoder !== undefined) this.text += this.decoder.decode()
    this.decoder = undefined
    if (this.stringIsKey) {
      this.lastKey = this.capture === 0 || this.text.length > keyCapture ? undefined : this.text
      this.state = expectColon
    } else {
      if (this.capture > 0) this.store(capText(this.text, this.capture - 1))
      this.valueEnded()
    }
    this.text = ""
  }

  private endNumber(): boolean {
    const text = this.number
    if (text.length <= maxNumberText ? !numberPattern.test(text) : !/^[-+.eE\d]+$/.test(text)) {
      this.state = failed
      return false
    }
    this.store(Number(text))
    this.number = ""
    this.valueEnded()
    return true
  }

  private close(byte: number): void {
    const isObj = byte === 0x7d
    if (this.depth === 0 || this.isObjectAt(this.depth - 1) !== isObj) {
      this.state = failed
      return
    }
    this.depth -= 1
    if (this.depth < 4) this.roles.length = this.depth
    this.valueEnded()
  }

  push(chunk: Uint8Array): void {
    const length = chunk.length
    let i = 0
    while (i < length) {
      const state = this.state
      if (state === failed) return
      const byte = chunk[i]!
      if (state === inString) {
        // The run up to the next quote, backslash or control character is copied in one go.
        let j = i
        while (j < length) {
          const b = chunk[j]!
          if (b === 0x22 || b === 0x5c || b < 0x20) break
          j++
        }
        this.appendBytes(chunk, i, j)
        if (j === length) return
        const b = chunk[j]!
        if (b === 0x22) this.endString()
        else if (b === 0x5c) this.state = inEscape
        else this.state = failed
        i = j + 1
        continue
      }
      i++
      switch (state) {
        case expectValue: {
          if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) break
          if (this.depth === 0 && !this.started && this.bomIndex < 3 && byte === [0xef, 0xbb, 0xbf][this.bomIndex]) {
            this.bomIndex++
            break
          }
          if (this.bomIndex > 0 && this.bomIndex < 3) {
            this.state = failed
            break
          }
          if (byte === 0x5d /* ] */ && !this.started && this.depth > 0 && !this.isObjectAt(this.depth - 1)) {
            this.close(byte)
            break
          }
          this.started = true
          if (this.depth > 0 && !this.isObjectAt(this.depth - 1)) {
            // An array element: only the elements of `error.details` are looked into.
            this.slotTarget = undefined
          }
          this.startValue(byte)
          break
        }
        case afterValue: {
          if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) break
          if (byte === 0x2c /* , */) {
            if (this.isObjectAt(this.depth - 1)) this.state = expectKey
            else {
              this.state = expectValue
              this.started = true
            }
          } else if (byte === 0x7d || byte === 0x5d) this.close(byte)
          else this.state = failed
          break
        }
        case expectKeyOrEnd:
        case expectKey: {
          if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) break
          if (byte === 0x22) {
            const role = this.role()
            this.beginString(true, role === ignored || role === detailsArray ? 0 : keyCapture + 1)
          } else if (byte === 0x7d && state === expectKeyOrEnd) this.close(byte)
          else this.state = failed
          break
        }
        case expectColon: {
          if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) break
          if (byte === 0x3a) {
            this.slotForKey(this.lastKey)
            this.state = expectValue
            this.started = true
          } else this.state = failed
          break
        }
        case inEscape: {
          this.state = inString
          switch (byte) {
            case 0x22:
            case 0x5c:
            case 0x2f:
              this.appendUnit(byte)
              break
            case 0x62:
              this.appendUnit(0x08)
              break
            case 0x66:
              this.appendUnit(0x0c)
              break
            case 0x6e:
              this.appendUnit(0x0a)
              break
            case 0x72:
              this.appendUnit(0x0d)
              break
            case 0x74:
              this.appendUnit(0x09)
              break
            case 0x75:
              this.unicode = 0
              this.unicodeDigits = 0
              this.state = inUnicode
              break
            default:
              this.state = failed
          }
          break
        }
        case inUnicode: {
          const digit = byte >= 0x30 && byte <= 0x39
            ? byte - 0x30
            : byte >= 0x61 && byte <= 0x66
            ? byte - 0x57
            : byte >= 0x41 && byte <= 0x46
            ? byte - 0x37
            : -1
          if (digit < 0) {
            this.state = failed
            break
          }
          this.unicode = this.unicode * 16 + digit
          if (++this.unicodeDigits === 4) {
            this.appendUnit(this.unicode)
            this.state = inString
          }
          break
        }
        case inNumber: {
          if ((byte >= 0x30 && byte <= 0x39) || byte === 0x2e || byte === 0x65 || byte === 0x45 || byte === 0x2b ||
            byte === 0x2d)
          {
            if (this.number.length <= maxNumberText) this.number += String.fromCharCode(byte)
            break
          }
          // The byte after a number belongs to what follows it.
          if (this.endNumber()) i--
          break
        }
        case inLiteral: {
          if (byte !== this.literal.charCodeAt(this.literalIndex)) {
            this.state = failed
            break
          }
          if (++this.literalIndex === this.literal.length) {
            this.store(this.literalValue)
            this.valueEnded()
          }
          break
        }
        case done: {
          if (!(byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09)) this.state = failed
          break
        }
      }
    }
  }

  /** The verdict once no more bytes come: `ended` when the body ended (rather than reading being stopped). */
  verdict(ended: boolean): "complete" | "partial" | "invalid" {
    if (this.state === failed) return "invalid"
    if (this.state === inNumber && this.depth === 0) {
      // A number at the root ends with the body.
      if (ended) return this.endNumber() ? "complete" : "invalid"
      return "partial"
    }
    if (this.state === done) return "complete"
    if (ended) return "invalid"
    // Cut while reading a string that is looked for (a message longer than the scan): its head, marked as cut.
    if ((this.state === inString || this.state === inEscape || this.state === inUnicode) && !this.stringIsKey &&
      this.capture > 0)
    {
      if (this.decoder !== undefined) this.text += this.decoder.decode()
      this.decoder = undefined
      const max = this.capture - 1
      this.store(this.text.length + ellipsis.length <= max ? this.text + ellipsis : capText(this.text + ellipsis, max))
      this.capture = 0
    }
    return "partial"
  }

  get finished(): boolean {
    return this.state === done
  }

  get failed(): boolean {
    return this.state === failed
  }

  /** Nothing more can be learnt: not JSON, or a root that is not an object (no facts to find). */
  get hopeless(): boolean {
    return this.state === failed || (this.rootStarted && this.facts === undefined)
  }
}

/**
 * A size option made usable, the one rule for every size the library takes: not a number, `NaN` or negative
 * means `fallback`; a fraction is floored; anything above `max` (`Infinity` too) is `max`. Never throws.
 *
 * @internal
 */
export const sizeOr = (u: unknown, fallback: number, max: number = Number.MAX_SAFE_INTEGER): number =>
  typeof u !== "number" || Number.isNaN(u) || u < 0 ? fallback : Math.min(Math.floor(u), max)

/**
 * A collector for one body: keeps the first `keep` bytes (default 64 KiB), scans up to `scanLimit` bytes
 * (default 8 MiB). An invalid size (negative, NaN, not a number) means the default; `Infinity` means no limit.
 *
 * @internal
 */
export const makeCollector = (
  options?: { readonly keep?: number; readonly scanLimit?: number }
): BodyCollector => {
  const keep = sizeOr(options?.keep, defaultKeep)
  const scanLimit = Math.max(keep, sizeOr(options?.scanLimit, defaultScanLimit))
  const kept: Array<Uint8Array> = []
  let keptBytes = 0
  let seenBytes = 0
  let stopped = false
  // A body that fits in `keep` is parsed whole by `JSON.parse`: the scanner runs only once the body outgrows the
  // kept prefix (it then catches up on the prefix), so the common small error body costs one copy and nothing more.
  let scanning = false
  const scanner = new Scanner()
  const scan = (chunk: Uint8Array, start: number): void => {
    if (start < scanLimit && !scanner.hopeless) {
      scanner.push(start + chunk.length <= scanLimit ? chunk : chunk.subarray(0, scanLimit - start))
    }
  }
  const push = (chunk: Uint8Array): boolean => {
    if (stopped) return false
    if (!(chunk instanceof Uint8Array) || chunk.length === 0) return true
    const start = seenBytes
    seenBytes += chunk.length
    const keptBefore = kept.length
    if (keptBytes < keep) {
      // A copy: the caller may reuse its buffer.
      const part = chunk.slice(0, keep - keptBytes)
      kept.push(part)
      keptBytes += part.length
    }
    if (!scanning) {
      if (seenBytes <= keep) return true
      scanning = true
      // Until now every byte seen was kept: scan them first, in order.
      let offset = 0
      for (let i = 0; i < keptBefore; i++) {
        scan(kept[i]!, offset)
        offset += kept[i]!.length
      }
    }
    scan(chunk, start)
    // Enough: the scan limit is reached, or nothing more can be learnt (the kept prefix is full and the
    // scanner is done or has given up).
    if (seenBytes >= scanLimit || (keptBytes >= keep && (scanner.hopeless || scanner.finished))) {
      stopped = seenBytes > keptBytes || !scanner.finished
      if (stopped) return false
    }
    return true
  }
  const result = (failed: boolean = false): CollectedBody => {
    let bytes: Uint8Array
    if (kept.length === 1) bytes = kept[0]!
    else {
      bytes = new Uint8Array(keptBytes)
      let offset = 0
      for (const part of kept) {
        bytes.set(part, offset)
        offset += part.length
      }
    }
    const complete = !stopped && !failed
    let verdict: "complete" | "partial" | "invalid" | undefined
    const scanned = (): "complete" | "partial" | "invalid" => {
      if (verdict === undefined) {
        // Not scanned while read (the whole body was kept): scanned now, only if someone asks.
        if (!scanning) scan(bytes, 0)
        verdict = scanner.verdict(complete)
      }
      return verdict
    }
    return {
      _tag: "CollectedBody",
      bytes,
      complete,
      seenBytes,
      get json() {
        return scanned()
      },
      get facts() {
        return scanned() === "invalid" ? undefined : scanner.facts
      }
    }
  }
  return { push, result }
}

/**
 * A body read whole (at most `defaultKeep` bytes, in a buffer of its own): what `makeCollector` gives for it,
 * without copying the bytes (the collector copies because a caller may reuse its buffer) or building the scanner
 * before anyone asks for the facts. A larger body goes through the collector.
 *
 * @internal
 */
export const wholeBody = (bytes: Uint8Array): CollectedBody => {
  if (bytes.length > defaultKeep) {
    const collector = makeCollector()
    collector.push(bytes)
    return collector.result()
  }
  return new WholeBody(bytes)
}

/** A body read whole: scanned only if its verdict or facts are asked for (a class: no getters built per body). */
class WholeBody implements CollectedBody {
  readonly _tag = "CollectedBody"
  readonly complete = true
  readonly seenBytes: number
  private scanner: Scanner | undefined
  private verdict: "complete" | "partial" | "invalid" | undefined
  constructor(readonly bytes: Uint8Array) {
    this.seenBytes = bytes.length
  }
  private scanned(): "complete" | "partial" | "invalid" {
    if (this.verdict === undefined) {
      this.scanner = new Scanner()
      if (this.bytes.length > 0) this.scanner.push(this.bytes)
      this.verdict = this.scanner.verdict(true)
    }
    return this.verdict
  }
  get json(): "complete" | "partial" | "invalid" {
    return this.scanned()
  }
  get facts(): JsonFacts | undefined {
    return this.scanned() === "invalid" ? undefined : this.scanner!.facts
  }
}
