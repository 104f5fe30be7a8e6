/**
 * Server-sent events from text, in time linear in the text whatever its line endings.
 *
 * `@effect/experimental`'s parser rescans its whole buffer after every line, so fed a chunk of many lines it is
 * quadratic in the chunk; it also forgets, between two feeds, that a chunk ended with `\r`, so a `\r\n` split
 * across chunks reads as two line endings. Lines are therefore split here, on `\n`, `\r` and `\r\n` alike
 * (remembering a `\r` at the end of a chunk), and the parser is fed one whole line at a time, ended with `\n`:
 * it sees each character once.
 *
 * @internal
 */
import * as Sse from "@effect/experimental/Sse"

/**
 * The longest line (and, through the parser, the largest event) accepted: the parser's own default, 10 MiB.
 *
 * @internal
 */
export const maxLineLength = 10 * 1024 * 1024

/** @internal */
export interface LineParser {
  readonly feed: (text: string) => { readonly message: string } | undefined
}

/** @internal */
export interface EventDecoder {
  /** The events that `text` completes, or the complaint when a line or an event is too large. */
  readonly push: (text: string) => Array<Sse.Event> | { readonly message: string }
  /** The events left at the end of the body: a last event that ends without its blank line still counts. */
  readonly end: () => Array<Sse.Event> | { readonly message: string }
}

const LF = 10
const CR = 13

/**
 * An event decoder. `parser` builds the line parser (default: `@effect/experimental`'s), so that a test can
 * count what it is fed.
 *
 * @internal
 */
export const makeEventDecoder = (
  parser: (onParse: (event: Sse.AnyEvent) => void) => LineParser = Sse.makeParser
): EventDecoder => {
  let pending: Array<Sse.Event> = []
  const lines = parser((event) => {
    if (event._tag === "Event") pending.push(event)
  })
  /** The start of the line not yet ended, from earlier chunks. */
  let carry = ""
  /** The last chunk ended with `\r`: a `\n` first in the next one ends nothing. */
  let afterCr = false
  const take = (): Array<Sse.Event> => {
    const events = pending
    pending = []
    return events
  }
  const tooLarge = (): { readonly message: string } => ({
    message: `an SSE line exceeded the maximum size of ${maxLineLength} characters`
  })
  return {
    push: (text) => {
      let start = 0
      if (afterCr && text.length > 0) {
        afterCr = false
        if (text.charCodeAt(0) === LF) start = 1
      }
      // The next `\r` and `\n` at or after `from`, each found once per chunk position (-1: none left).
      let nextCr = -2
      let nextLf = -2
      let from = start
      while (from < text.length) {
        if (nextCr !== -1 && nextCr < from) nextCr = text.indexOf("\r", from)
        if (nextLf !== -1 && nextLf < from) nextLf = text.indexOf("\n", from)
        const end = nextCr === -1 ? nextLf : nextLf === -1 ? nextCr : Math.min(nextCr, nextLf)
        if (end === -1) break
        const line = carry.length === 0 ? text.slice(from, end) : carry + text.slice(from, end)
        carry = ""
        if (line.length > maxLineLength) return tooLarge()
        const error = lines.feed(`${line}\n`)
        if (error !== undefined) return { message: error.message }
        from = end + 1
        if (text.charCodeAt(end) === CR) {
          if (from === text.length) afterCr = true
          else if (text.charCodeAt(from) === LF) from += 1
        }
      }
      if (from < text.length) {
        carry = carry.length === 0 ? text.slice(from) : carry + text.slice(from)
        if (carry.length > maxLineLength) return tooLarge()
      }
      return take()
    },
    end: () => {
      const error = lines.feed(carry.length === 0 ? "\n" : `${carry}\n\n`)
      carry = ""
      return error === undefined ? take() : { message: error.message }
    }
  }
}
