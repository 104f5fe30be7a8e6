/**
 * `content-encoding` undone chunk by chunk with `node:zlib`, holding at most `maxDecodedPerChunk` at once. Plain
 * TypeScript, no Effect: each line wraps `feed` and `finish` in its own stream.
 *
 * @internal
 */
import * as Zlib from "node:zlib"

/**
 * The codings this client decodes, as `content-encoding` names them.
 *
 * @internal
 */
export type Coding = "gzip" | "deflate" | "br"

const codingOf = (name: string): Coding | "identity" | undefined => {
  switch (name) {
    case "gzip":
    case "x-gzip":
      return "gzip"
    case "deflate":
      return "deflate"
    case "br":
      return "br"
    case "identity":
    case "":
      return "identity"
    default:
      return undefined
  }
}

/**
 * The codings a `content-encoding` header asks to undo, last applied first; empty when the body is plain. An
 * unknown coding stops decoding there: the bytes are kept as they came.
 *
 * @internal
 */
export const codingsOf = (header: string | undefined): ReadonlyArray<Coding> => {
  if (header === undefined || header === "" || header === "identity") return []
  const applied = header.toLowerCase().split(",").map((name) => codingOf(name.trim()))
  const undo: Array<Coding> = []
  for (let i = applied.length - 1; i >= 0; i--) {
    const coding = applied[i]
    if (coding === undefined) break
    if (coding !== "identity") undo.push(coding)
  }
  return undo
}

const isGzip = (bytes: Uint8Array): boolean => bytes[0] === 0x1f && bytes[1] === 0x8b

/** A zlib header (RFC 1950): deflate method, and the check bits make the first two bytes a multiple of 31. */
const isZlib = (bytes: Uint8Array): boolean =>
  bytes.length >= 2 && (bytes[0]! & 0x0f) === 8 && ((bytes[0]! << 8) | bytes[1]!) % 31 === 0

type Decoder = Zlib.Gunzip | Zlib.Inflate | Zlib.InflateRaw | Zlib.BrotliDecompress

/** The decoder for a coding, chosen by the body's first bytes where they say more than the header. */
const decoderFor = (coding: Coding, first: Uint8Array): Decoder | undefined => {
  // Flushing what is there lets a truncated body still give what it has (and a stream give each event as it comes).
  const flush = { finishFlush: Zlib.constants.Z_SYNC_FLUSH }
  switch (coding) {
    case "gzip":
      // Bytes that are not gzip were decoded on the way (a transport or proxy that kept the header).
      return isGzip(first) ? Zlib.createGunzip(flush) : undefined
    case "deflate":
      // "deflate" is a zlib stream by the RFC, but servers also send raw deflate.
      return isZlib(first) ? Zlib.createInflate(flush) : Zlib.createInflateRaw(flush)
    case "br":
      return Zlib.createBrotliDecompress({ finishFlush: Zlib.constants.BROTLI_OPERATION_FLUSH })
  }
}

/**
 * The most that one network chunk (or the end of the body) may decode to. A decoder runs through a whole input
 * chunk before it can hand anything on, so this is what decoding may hold at once: a few hundred bytes of br can
 * decode to half a gigabyte, which is a decompression bomb, not a body. Past it what was decoded is handed on and
 * the body fails to decode: an error body is still classified from its head, any other read fails.
 *
 * @internal
 */
export const maxDecodedPerChunk = 16 * 1024 * 1024

/** The code of the failure of a body that decodes to more than `maxDecodedPerChunk` from one network chunk. */
const tooLargeCode = "ERR_CONTENT_DECODED_TOO_LARGE"

/** zlib's codes (`Z_DATA_ERROR`, `Z_BUF_ERROR`), brotli's (`ERR__ERROR_FORMAT_...`), and ours. */
const decodingCode = /^(?:Z_|ERR__|ERR_CONTENT_DECODED_)/

/**
 * Whether a failure, or one of its causes, is a body that arrived but could not be undone from its
 * `content-encoding` (corrupt, truncated, or a decompression bomb): the server's answer is invalid, not the
 * connection. Seen the same whoever decoded it: this library's decoder, or `fetch` (whose `terminated` error
 * holds zlib's as its cause).
 *
 * @internal
 */
export const isDecodingFailure = (failure: unknown): boolean => {
  let current: unknown = failure
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { readonly code?: unknown }).code
    if (typeof code === "string" && decodingCode.test(code)) return true
    current = (current as { readonly cause?: unknown }).cause
  }
  return false
}

/**
 * What one feed or the finish gave: the decoded bytes, or why decoding failed.
 *
 * @internal
 */
export type Decoded =
  | { readonly _tag: "Bytes"; readonly bytes: ReadonlyArray<Uint8Array> }
  | { readonly _tag: "Failed"; readonly cause: unknown }

/**
 * One coding undone over a body's chunks. `feed` and `finish` call `done` exactly once (at once or later); the
 * caller waits for it before feeding again. `destroy` releases the decoder (at the end, or when the reader stops).
 *
 * @internal
 */
export interface ChunkDecoder {
  readonly feed: (parts: ReadonlyArray<Uint8Array>, done: (decoded: Decoded) => void) => void
  readonly finish: (done: (decoded: Decoded) => void) => void
  readonly destroy: () => void
}

const nothing: Decoded = { _tag: "Bytes", bytes: [] }

/**
 * A decoder for one coding, opened on the body's first bytes.
 *
 * @internal
 */
export const makeChunkDecoder = (coding: Coding): ChunkDecoder => {
  let decoder: Decoder | undefined
  let passThrough = false
  let failure: unknown
  let output: Array<Uint8Array> = []
  let held = 0
  /** Resumes the feed or finish waiting on the decoder, once. */
  let settle: ((decoded: Decoded) => void) | undefined
  const settleWith = (cause: unknown): void => {
    const resume = settle
    settle = undefined
    if (resume === undefined) return
    if (cause != null) return resume({ _tag: "Failed", cause })
    const bytes = output
    output = []
    held = 0
    resume({ _tag: "Bytes", bytes })
  }
  const open = (first: Uint8Array): void => {
    decoder = decoderFor(coding, first)
    if (decoder === undefined) {
      passThrough = true
      return
    }
    const target = decoder
    target.on("data", (data: Uint8Array) => {
      if (failure !== undefined) return
      output.push(data)
      held += data.byteLength
      if (held > maxDecodedPerChunk) {
        // What was decoded so far is handed on (an error body's code is usually at its head); the body ends here.
        failure = Object.assign(
          new Error(`the body decodes to more than ${maxDecodedPerChunk} bytes from one network chunk`),
          { code: tooLargeCode }
        )
        target.destroy()
        settleWith(null)
      }
    })
    target.on("error", (cause) => {
      failure ??= cause
      settleWith(failure)
    })
  }
  return {
    feed: (chunk, done) => {
      const parts = chunk.filter((part) => part.byteLength > 0)
      if (parts.length === 0) return done(nothing)
      if (decoder === undefined && !passThrough) open(parts[0]!)
      if (passThrough) return done({ _tag: "Bytes", bytes: parts })
      if (failure !== undefined) return done({ _tag: "Failed", cause: failure })
      const target = decoder!
      settle = done
      for (let i = 0; i < parts.length; i++) {
        const last = i === parts.length - 1
        target.write(parts[i], last ? (cause) => settleWith(failure ?? cause) : undefined)
      }
    },
    finish: (done) => {
      const target = decoder
      if (target === undefined || passThrough) return done(nothing)
      if (failure !== undefined) return done({ _tag: "Failed", cause: failure })
      settle = done
      target.once("end", () => settleWith(failure))
      target.end()
      target.resume()
    },
    destroy: () => {
      settle = undefined
      decoder?.destroy()
    }
  }
}
