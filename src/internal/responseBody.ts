/**
 * Every read of a response body goes through here: `content-encoding` is
 * decoded the same way on every `HttpClient`, and an error body is read with
 * bounds (`boundedBody`), then the socket is released.
 *
 * @internal
 */
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as Headers from "@effect/platform/Headers"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { type Coding, codingsOf, type Decoded, makeChunkDecoder } from "../../packages/core/src/contentDecoding.js"
import {
  answerRead,
  AnswerTooLarge,
  type CollectedBody,
  makeAnswerCollector,
  makeCollector,
  maxAnswerBytes,
  wholeBody
} from "../../packages/core/src/boundedBody.js"
import { collectSource, readThroughPlatform, type SourceBody, sourceBody } from "../../packages/core/src/sourceBody.js"

/** @internal */
export { type Coding, maxDecodedPerChunk } from "../../packages/core/src/contentDecoding.js"
/** @internal */
export { AnswerTooLarge, maxAnswerBytes } from "../../packages/core/src/boundedBody.js"

/**
 * The codings still to undo, last applied first; empty when the body is plain
 * (or already decoded by the transport).
 */
const codingsToUndo = (
  response: HttpClientResponse.HttpClientResponse,
  headers: Headers.Headers = response.headers
): ReadonlyArray<Coding> => transportDecodes(response) ? [] : codingsOf(headers["content-encoding"])

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

/** One coding undone over a byte stream, chunk by chunk (see `makeChunkDecoder`). */
const undo = <E>(
  bytes: Stream.Stream<Uint8Array, E>,
  coding: Coding,
  onError: (cause: unknown) => E
): Stream.Stream<Uint8Array, E> =>
  Stream.suspend(() => {
    const decoder = makeChunkDecoder(coding)
    const resumeWith = (resume: (effect: Effect.Effect<Chunk.Chunk<Uint8Array>, E>) => void) => (decoded: Decoded) =>
      resume(
        decoded._tag === "Failed"
          ? Effect.fail(onError(decoded.cause))
          : Effect.succeed(Chunk.unsafeFromArray(decoded.bytes))
      )
    return bytes.pipe(
      Stream.mapChunksEffect((chunk) =>
        Effect.async<Chunk.Chunk<Uint8Array>, E>((resume) => decoder.feed(Chunk.toReadonlyArray(chunk), resumeWith(resume)))
      ),
      Stream.concat(Stream.flattenChunks(Stream.fromEffect(
        Effect.async<Chunk.Chunk<Uint8Array>, E>((resume) => decoder.finish(resumeWith(resume)))
      ))),
      Stream.ensuring(Effect.sync(() => decoder.destroy()))
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

/** The prototype of the platform's web response (fetch's, and `HttpClientResponse.fromWeb`'s). */
const webPrototype: object = Object.getPrototypeOf(
  HttpClientResponse.fromWeb(HttpClientRequest.get("http://localhost/"), new Response(null))
)

/** A read of the body that failed, as the platform reports it. */
const decodeFailure = (response: HttpClientResponse.HttpClientResponse) => (cause: unknown) =>
  new HttpClientError.ResponseError({ request: response.request, response, reason: "Decode", cause })

/**
 * The whole body, read once: from the transport's own body when core's `sourceBody` recognises the response (no
 * memo fiber), else through the response's own accessor (`own`, read only then: reading it starts the memo).
 */
const readWhole = <A>(
  response: HttpClientResponse.HttpClientResponse,
  own: () => Effect.Effect<A, HttpClientError.ResponseError>,
  direct: (body: SourceBody) => Promise<A>
): Effect.Effect<A, HttpClientError.ResponseError> => {
  // `@effect/platform-node`'s undici response; its node:http one has the same name but no undici body: not read.
  const source = sourceBody(response, webPrototype, "ClientResponseImpl")
  return source === undefined ? own() : Effect.tryPromise({ try: () => direct(source), catch: decodeFailure(response) })
}

/** The whole body as bytes (`readWhole`). */
const wholeBuffer = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> =>
  readWhole(response, () => response.arrayBuffer, (body) => body.arrayBuffer())

/** The whole body as text (`readWhole`). */
const wholeText = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<string, HttpClientError.ResponseError> =>
  readWhole(response, () => response.text, (body) => body.text())

/**
 * The whole 2xx body as UTF-8 text, decoded, at most `limit` bytes of it (`maxAnswerBytes`), read as core's
 * `answerRead` says; reading stops, releasing the socket, once the body is past the limit, or at its first bytes
 * when it was announced larger.
 */
export const decodedText = (
  response: HttpClientResponse.HttpClientResponse,
  limit: number = maxAnswerBytes
): Effect.Effect<string, HttpClientError.ResponseError | AnswerTooLarge> =>
  Effect.suspend(() => {
    const plan = answerRead(response.headers, limit)
    if (plan._tag === "Whole") return wholeText(response)
    if (plan._tag === "Refuse") {
      return Effect.zipRight(
        Effect.ignore(Stream.runForEachWhile(response.stream, () => Effect.succeed(false))),
        Effect.fail(plan.problem)
      )
    }
    const collector = makeAnswerCollector(limit)
    return Effect.flatMap(
      Stream.runForEachWhile(decodedStream(response), (chunk) => Effect.sync(() => collector.push(chunk))),
      () => {
        const text = collector.result()
        return typeof text === "string" ? Effect.succeed(text) : Effect.fail(text)
      }
    )
  })

/** Bodies announced this small and not encoded (`answerRead`'s `Whole`) are read from the transport's own body. */
const smallBody = 65_536

/**
 * A body read with bounds (an error body, or JSON where events were expected):
 * decoded chunk by chunk into a collector, and reading stops (releasing the
 * socket) as soon as the collector has enough. A read that fails keeps what came.
 */
export const collectedBody = (
  response: HttpClientResponse.HttpClientResponse,
  // A transport may build `headers` anew on each read (undici's does): a caller that holds them passes them.
  headers: Headers.Headers = response.headers
): Effect.Effect<CollectedBody> =>
  Effect.suspend(() => {
    // Only a body announced plain: one the transport decodes itself (fetch keeps the header) may be any size.
    if (answerRead(headers, smallBody)._tag === "Whole") {
      // The transport's own body, by chunks (core's `collectSource`: one body, no scanner until the facts are
      // asked for; a read cut short keeps what came). Not recognised: the streaming collector below, unless the
      // platform has read the body already (its memo is read again: the stream was consumed).
      const source = sourceBody(response, webPrototype, "ClientResponseImpl")
      if (source !== undefined) return Effect.promise(() => collectSource(source))
      if (readThroughPlatform(response)) {
        return Effect.orElseSucceed(
          Effect.map(wholeBuffer(response), (buffer) => wholeBody(new Uint8Array(buffer))),
          // A read that fails keeps what came: nothing, from a whole-body read.
          () => makeCollector().result(true)
        )
      }
    }
    const collector = makeCollector()
    const read: Effect.Effect<boolean, HttpClientError.ResponseError> =
      Effect.as(
        Stream.runForEachWhile(decodedStream(response), (chunk) => Effect.sync(() => collector.push(chunk))),
        true
      )
    return Effect.map(Effect.orElseSucceed(read, () => false), (read) => collector.result(!read))
  })

/** A bounded body's kept bytes as text (UTF-8). */
export const textOf = (body: CollectedBody): string => utf8.decode(body.bytes)
