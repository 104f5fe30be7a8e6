/**
 * Every read of a response body goes through here: `content-encoding` is
 * decoded the same way on every `HttpClient`, and an error body is read with
 * bounds (`boundedBody`), then the socket is released.
 *
 * @internal
 */
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Zlib from "node:zlib"
import { type CollectedBody, makeCollector, wholeBody } from "../../packages/core/src/boundedBody.js"

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
 * The codings still to undo, last applied first; empty when the body is plain
 * (or already decoded by the transport). An unknown coding stops decoding there:
 * the bytes are kept as they came.
 */
const codingsToUndo = (response: HttpClientResponse.HttpClientResponse): ReadonlyArray<Coding> => {
  const header = response.headers["content-encoding"]
  if (header === undefined || header === "" || header === "identity") return []
  if (transportDecodes(response)) return []
  const applied = header.toLowerCase().split(",").map((name) => codingOf(name.trim()))
  const undo: Array<Coding> = []
  for (let i = applied.length - 1; i >= 0; i--) {
    const coding = applied[i]
    if (coding === undefined) break
    if (coding !== "identity") undo.push(coding)
  }
  return undo
}

/**
 * True when the transport decodes bodies itself: `fetch` (a web `Response`
 * underneath) undoes gzip, deflate and br but keeps the header.
 */
const transportDecodes = (response: HttpClientResponse.HttpClientResponse): boolean => {
  let current: unknown = response
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth++) {
    const source = (current as { source?: unknown }).source
    if (typeof globalThis.Response === "function" && source instanceof globalThis.Response) return true
    current = (current as { original?: unknown }).original
  }
  return false
}

const isGzip = (bytes: Uint8Array): boolean => bytes[0] === 0x1f && bytes[1] === 0x8b

/** A zlib header (RFC 1950): deflate method, and the check bits make the first two bytes a multiple of 31. */
const isZlib = (bytes: Uint8Array): boolean =>
  bytes.length >= 2 && (bytes[0]! & 0x0f) === 8 && ((bytes[0]! << 8) | bytes[1]!) % 31 === 0

/** The decoder for a coding, chosen by the body's first bytes where they say more than the header. */
const decoderFor = (coding: Coding, first: Uint8Array): Zlib.Gunzip | Zlib.Inflate | Zlib.InflateRaw | Zlib.BrotliDecompress | undefined => {
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

/** One coding undone over a byte stream, chunk by chunk, holding at most `maxDecodedPerChunk` at once. */
const undo = <E>(
  bytes: Stream.Stream<Uint8Array, E>,
  coding: Coding,
  onError: (cause: unknown) => E
): Stream.Stream<Uint8Array, E> =>
  Stream.suspend(() => {
    let decoder: ReturnType<typeof decoderFor> | undefined
    let passThrough = false
    let failure: unknown
    let output: Array<Uint8Array> = []
    let held = 0
    /** Resumes the feed or finish waiting on the decoder, once. */
    let settle: ((outcome: Effect.Effect<Chunk.Chunk<Uint8Array>, E>) => void) | undefined
    const settleWith = (cause: unknown): void => {
      const resume = settle
      settle = undefined
      if (resume === undefined) return
      if (cause != null) return resume(Effect.fail(onError(cause)))
      const out = Chunk.unsafeFromArray(output)
      output = []
      held = 0
      resume(Effect.succeed(out))
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
          failure = new Error(`the body decodes to more than ${maxDecodedPerChunk} bytes from one network chunk`)
          target.destroy()
          settleWith(null)
        }
      })
      target.on("error", (cause) => {
        failure ??= cause
        settleWith(failure)
      })
    }
    const feed = (chunk: Chunk.Chunk<Uint8Array>): Effect.Effect<Chunk.Chunk<Uint8Array>, E> => {
      const parts = Chunk.toReadonlyArray(chunk).filter((part) => part.byteLength > 0)
      if (parts.length === 0) return Effect.succeed(Chunk.empty())
      if (decoder === undefined && !passThrough) open(parts[0]!)
      if (passThrough) return Effect.succeed(Chunk.unsafeFromArray(parts))
      if (failure !== undefined) return Effect.fail(onError(failure))
      const target = decoder!
      return Effect.async<Chunk.Chunk<Uint8Array>, E>((resume) => {
        settle = resume
        for (let i = 0; i < parts.length; i++) {
          const last = i === parts.length - 1
          target.write(parts[i], last ? (cause) => settleWith(failure ?? cause) : undefined)
        }
      })
    }
    const finish = Effect.suspend((): Effect.Effect<Chunk.Chunk<Uint8Array>, E> => {
      const target = decoder
      if (target === undefined || passThrough) return Effect.succeed(Chunk.empty())
      if (failure !== undefined) return Effect.fail(onError(failure))
      return Effect.async<Chunk.Chunk<Uint8Array>, E>((resume) => {
        settle = resume
        target.once("end", () => settleWith(failure))
        target.end()
        target.resume()
      })
    })
    return bytes.pipe(
      Stream.mapChunksEffect(feed),
      Stream.concat(Stream.flattenChunks(Stream.fromEffect(finish))),
      Stream.ensuring(Effect.sync(() => decoder?.destroy()))
    )
  })

/**
 * The response's body as bytes with every `content-encoding` undone; the one
 * body reader for success, error and stream bodies alike.
 */
export const decodedStream = (
  response: HttpClientResponse.HttpClientResponse
): Stream.Stream<Uint8Array, HttpClientError.ResponseError> => {
  const codings = codingsToUndo(response)
  if (codings.length === 0) return response.stream
  const onError = (cause: unknown) =>
    new HttpClientError.ResponseError({
      request: response.request,
      response,
      reason: "Decode",
      cause,
      description: `the body could not be decoded from its content-encoding (${
        cause instanceof Error ? cause.message : "invalid data"
      })`
    })
  return undoCodings(response.stream, codings, onError)
}

/**
 * A byte stream with the given codings undone, last applied first.
 *
 * @internal
 */
export const undoCodings = <E>(
  bytes: Stream.Stream<Uint8Array, E>,
  codings: ReadonlyArray<Coding>,
  onError: (cause: unknown) => E
): Stream.Stream<Uint8Array, E> => {
  let stream = bytes
  for (const coding of codings) stream = undo(stream, coding, onError)
  return stream
}

const utf8 = new TextDecoder("utf-8")

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  if (parts.length === 1) return parts[0]!
  let size = 0
  for (const part of parts) size += part.byteLength
  const out = new Uint8Array(size)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

/** The whole body as UTF-8 text, decoded; a body without a coding is read by the transport directly. */
export const decodedText = (
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<string, HttpClientError.ResponseError> =>
  codingsToUndo(response).length === 0
    ? response.text
    : Effect.map(
      Stream.runCollect(decodedStream(response)),
      (chunks) => utf8.decode(concat(Chunk.toReadonlyArray(chunks)))
    )

/** Bodies announced this small (and not encoded) are read in one piece: the collector's bounds hold anyway. */
const smallBody = 65_536

/**
 * A body read with bounds (an error body, or JSON where events were expected):
 * decoded chunk by chunk into a collector, and reading stops (releasing the
 * socket) as soon as the collector has enough. A read that fails keeps what came.
 */
export const collectedBody = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<CollectedBody> =>
  Effect.suspend(() => {
    const length = Number(response.headers["content-length"])
    if (codingsToUndo(response).length === 0 && Number.isFinite(length) && length <= smallBody) {
      // The buffer is this read's own: kept as it is (no collector copy, no scanner until the facts are asked for).
      return Effect.orElseSucceed(
        Effect.map(response.arrayBuffer, (buffer) => wholeBody(new Uint8Array(buffer))),
        // A read that fails keeps what came: nothing, from a whole-body read.
        () => ({ ...makeCollector().result(), complete: false })
      )
    }
    const collector = makeCollector()
    const read: Effect.Effect<boolean, HttpClientError.ResponseError> =
      Effect.as(
        Stream.runForEachWhile(decodedStream(response), (chunk) => Effect.sync(() => collector.push(chunk))),
        true
      )
    return Effect.map(Effect.orElseSucceed(read, () => false), (read) => {
      const result = collector.result()
      return read ? result : { ...result, complete: false }
    })
  })

/** A bounded body's kept bytes as text (UTF-8). */
export const textOf = (body: CollectedBody): string => utf8.decode(body.bytes)
