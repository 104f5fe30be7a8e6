/**
 * Server-sent events from text, in time linear in the text whatever its line endings.
 *
 * Lines are split here, on `\n`, `\r` and `\r\n` alike (remembering a `\r` at the end of a chunk, so that a
 * `\r\n` split across chunks is one line ending), and each line is interpreted here as one SSE field, per the
 * event-stream interpretation of the HTML standard
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
 *
 * `@effect/experimental`'s parser is no longer fed: it rescans its buffer one character at a time, in a loop
 * that was the largest share of the client's per-chunk cost on a stream (about 4 µs of some 23 µs per chunk),
 * and it forgets, between two feeds, that a chunk ended with `\r`. Once the lines are framed, a field is a
 * single `indexOf(":")` and a slice; its `Event` shape is declared here, so that a surface sees the same events.
 *
 * @internal
 */
/**
 * One server-sent event, the shape of `Sse.Event` on both Effect lines (so that each line's surfaces see their
 * own library's type).
 *
 * @internal
 */
export interface Event {
  readonly _tag: "Event"
  readonly event: string
  readonly id: string | undefined
  readonly data: string
}

/**
 * The longest line, and the largest event (its data lines together), accepted: 10 MiB, the bound
 * `@effect/experimental`'s parser applied.
 *
 * @internal
 */
export const maxLineLength = 10 * 1024 * 1024

/** @internal */
export interface EventDecoder {
  /** The events that `text` completes, or the complaint when a line or an event is too large. */
  readonly push: (text: string) => Array<Event> | { readonly message: string }
  /** The events left at the end of the body: a last event that ends without its blank line still counts. */
  readonly end: () => Array<Event> | { readonly message: string }
}

const LF = 10
const CR = 13
const SPACE = 32
const BOM = 0xfeff

const lineTooLarge = { message: `an SSE line exceeded the maximum size of ${maxLineLength} characters` } as const
const eventTooLarge = { message: `an SSE event exceeded the maximum size of ${maxLineLength} characters` } as const

/**
 * An event decoder. `onLine`, when given, sees every line the decoder interprets (without its ending), so that a
 * test can check that each character is read into one line once.
 *
 * @internal
 */
export const makeEventDecoder = (onLine?: (line: string) => void): EventDecoder => {
  let events: Array<Event> = []
  /** The start of the line not yet ended, from earlier chunks. */
  let carry = ""
  /** The last chunk ended with `\r`: a `\n` first in the next one ends nothing. */
  let afterCr = false
  /** The first character of the stream is still to come (a byte order mark there is dropped). */
  let first = true
  // The event being built. `data` holds its data lines joined by `\n`; `hasData` tells one empty data line from none.
  let data = ""
  let hasData = false
  let eventType = ""
  let eventId: string | undefined

  /**
   * One line, ended: `source` from `start` to `end` (read in place, so that a field costs one slice, its value).
   * An empty line dispatches the event; otherwise the line is a field (or a comment).
   */
  const interpret = (source: string, start: number, end: number): { readonly message: string } | undefined => {
    if (onLine !== undefined) onLine(source.slice(start, end))
    if (start === end) {
      // Dispatch. An event without a data line is no event (its type and id are dropped with it).
      if (hasData) {
        events.push({ _tag: "Event", event: eventType === "" ? "message" : eventType, id: eventId, data })
        data = ""
        hasData = false
      }
      eventType = ""
      eventId = undefined
      return undefined
    }
    // The first colon of the line, searched within the line only (a search of `source` past `end` would
    // rescan the rest of the chunk for each colon-less line); a data line, the common one, needs no search.
    let colon: number
    if (source.startsWith("data:", start)) {
      colon = start + 4
    } else {
      const found = source.slice(start, end).indexOf(":")
      colon = found === -1 ? -1 : start + found
    }
    if (colon === start) return undefined // a comment
    const nameEnd = colon === -1 ? end : colon
    // The field's name, compared in place: `data`, `event` and `id` are the fields that mean something here.
    const field = nameEnd - start === 4 && source.startsWith("data", start)
      ? "data"
      : nameEnd - start === 5 && source.startsWith("event", start)
      ? "event"
      : nameEnd - start === 2 && source.startsWith("id", start)
      ? "id"
      : undefined
    // `retry` sets the delay before a reconnection, and this client does not reconnect (a failed stream is
    // retried as a new call, only before its first element), so it is ignored, as is any other field.
    if (field === undefined) return undefined
    const valueStart = colon === -1 ? end : source.charCodeAt(colon + 1) === SPACE && colon + 1 < end ? colon + 2 : colon + 1
    const value = source.slice(valueStart, end)
    switch (field) {
      case "data":
        if (hasData) {
          if (data.length + 1 + value.length > maxLineLength) return eventTooLarge
          data = `${data}\n${value}`
        } else {
          data = value
          hasData = true
        }
        break
      case "event":
        eventType = value
        break
      case "id":
        if (!value.includes("\u0000")) eventId = value
        break
    }
    return undefined
  }

  const take = (): Array<Event> => {
    const out = events
    events = []
    return out
  }

  return {
    push: (text) => {
      let start = 0
      if (text.length > 0) {
        if (afterCr) {
          afterCr = false
          if (text.charCodeAt(0) === LF) start = 1
        }
        if (first) {
          first = false
          if (text.charCodeAt(0) === BOM) start = 1
        }
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
        let error: { readonly message: string } | undefined
        if (carry.length === 0) {
          if (end - from > maxLineLength) return lineTooLarge
          error = interpret(text, from, end)
        } else {
          const line = carry + text.slice(from, end)
          carry = ""
          if (line.length > maxLineLength) return lineTooLarge
          error = interpret(line, 0, line.length)
        }
        if (error !== undefined) return error
        from = end + 1
        if (text.charCodeAt(end) === CR) {
          if (from === text.length) afterCr = true
          else if (text.charCodeAt(from) === LF) from += 1
        }
      }
      if (from < text.length) {
        carry = carry.length === 0 ? text.slice(from) : carry + text.slice(from)
        if (carry.length > maxLineLength) return lineTooLarge
      }
      return take()
    },
    end: () => {
      // A last line without its ending, then the blank line the body did not send.
      if (carry.length > 0) {
        const line = carry
        carry = ""
        const error = interpret(line, 0, line.length)
        if (error !== undefined) return error
      }
      const error = interpret("", 0, 0)
      return error === undefined ? take() : error
    }
  }
}
