/**
 * Every read of a response body goes through here: `content-encoding` is decoded the same way on every
 * `HttpClient` (core's chunk decoder, at most 16 MiB from one network chunk), an error body is read with bounds
 * (core's collector), then the socket is released, and an event stream's bytes become text.
 *
 * @internal
 */
import type * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Headers from "effect/http/Headers"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Pull from "effect/Pull"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import {
  answerRead,
  AnswerTooLarge,
  type CollectedBody,
  makeAnswerCollector,
  makeCollector,
  maxAnswerBytes,
  wholeBody
} from "../../../core/src/boundedBody.js"
import { type Coding, codingsOf, type Decoded, makeChunkDecoder } from "../../../core/src/contentDecoding.js"
import { collectSource, readThroughPlatform, type SourceBody, sourceBody } from "../../../core/src/sourceBody.js"

/** @internal */
export { type Coding, maxDecodedPerChunk } from "../../../core/src/contentDecoding.js"
/** @internal */
export { AnswerTooLarge, maxAnswerBytes } from "../../../core/src/boundedBody.js"

/**
 * True when the transport decodes bodies itself: `fetch` (a web `Response` underneath) undoes gzip, deflate and
 * br but keeps the header. The response may be wrapped (`effect/http` wraps it to abort on interruption).
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

/** The codings still to undo, last applied first; empty when the body is plain or the transport decoded it. */
const codingsToUndo = (
  response: HttpClientResponse.HttpClientResponse,
  headers: Headers.Headers = response.headers
): ReadonlyArray<Coding> => transportDecodes(response) ? [] : codingsOf(headers["content-encoding"])

/** One coding undone over a byte stream in one stage: each pulled chunk is fed, an empty output pulls again. */
const undo = <E>(
  bytes: Stream.Stream<Uint8Array, E>,
  coding: Coding,
  onError: (cause: unknown) => E
): Stream.Stream<Uint8Array, E> =>
  Stream.transformPull(bytes, (pull, scope) =>
    Effect.map(Effect.sync(() => makeChunkDecoder(coding)), (decoder) => {
      const settled = (start: (done: (decoded: Decoded) => void) => void) =>
        Effect.callback<ReadonlyArray<Uint8Array>, E>((resume) =>
          start((decoded) =>
            resume(decoded._tag === "Failed" ? Effect.fail(onError(decoded.cause)) : Effect.succeed(decoded.bytes))
          )
        )
      let ended = false
      const next: Pull.Pull<Arr.NonEmptyReadonlyArray<Uint8Array>, E> = Effect.suspend(() =>
        ended ? Cause.done() : pull.pipe(
          Effect.flatMap((chunk) => settled((done) => decoder.feed(chunk, done))),
          Pull.catchDone(() => {
            ended = true
            return settled(decoder.finish)
          }),
          Effect.flatMap((out) => (out.length > 0 ? Effect.succeed(out as Arr.NonEmptyReadonlyArray<Uint8Array>) : next))
        )
      )
      return Effect.as(Scope.addFinalizer(scope, Effect.sync(decoder.destroy)), next)
    }).pipe(Effect.flatten))

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

/**
 * The response's body as bytes with every `content-encoding` undone; the one body reader for success, error and
 * stream bodies alike.
 *
 * @internal
 */
export const decodedStream = (
  response: HttpClientResponse.HttpClientResponse
): Stream.Stream<Uint8Array, HttpClientError.HttpClientError> => {
  const codings = codingsToUndo(response)
  if (codings.length === 0) return response.stream
  const onError = (cause: unknown): HttpClientError.HttpClientError =>
    new HttpClientError.HttpClientError({
      reason: new HttpClientError.DecodeError({
        request: response.request,
        response,
        cause,
        description: `the body could not be decoded from its content-encoding (${
          cause instanceof Error ? cause.message : "invalid data"
        })`
      })
    })
  return undoCodings(response.stream, codings, onError)
}

const utf8 = new TextDecoder("utf-8")

/** The prototype of the platform's web response (fetch's, and `HttpClientResponse.fromWeb`'s). */
const webPrototype: object = Object.getPrototypeOf(
  HttpClientResponse.fromWeb(HttpClientRequest.get("http://localhost/"), new Response(null))
)

/** A read of the body that failed, as the platform reports it. */
const decodeFailure = (response: HttpClientResponse.HttpClientResponse) => (cause: unknown) =>
  new HttpClientError.HttpClientError({
    reason: new HttpClientError.DecodeError({ request: response.request, response, cause })
  })

/**
 * The whole body, read once: from the transport's own body when core's `sourceBody` recognises the response (no
 * memo fiber), else through the response's own accessor (`own`, read only then: reading it starts the memo).
 */
const readWhole = <A>(
  response: HttpClientResponse.HttpClientResponse,
  own: () => Effect.Effect<A, HttpClientError.HttpClientError>,
  direct: (body: SourceBody) => Promise<A>
): Effect.Effect<A, HttpClientError.HttpClientError> => {
  const source = sourceBody(response, webPrototype, "UndiciResponse")
  return source === undefined ? own() : Effect.tryPromise({ try: () => direct(source), catch: decodeFailure(response) })
}

/** The whole body as bytes (`readWhole`). */
const wholeBuffer = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<ArrayBuffer, HttpClientError.HttpClientError> =>
  readWhole(response, () => response.arrayBuffer, (body) => body.arrayBuffer())

/** The whole body as text (`readWhole`). */
const wholeText = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<string, HttpClientError.HttpClientError> =>
  readWhole(response, () => response.text, (body) => body.text())

/**
 * The whole 2xx body as UTF-8 text, decoded, at most `limit` bytes of it (`maxAnswerBytes`), read as core's
 * `answerRead` says; reading stops, releasing the socket, once the body is past the limit, or at its first bytes
 * when it was announced larger.
 *
 * @internal
 */
export const decodedText = (
  response: HttpClientResponse.HttpClientResponse,
  limit: number = maxAnswerBytes
): Effect.Effect<string, HttpClientError.HttpClientError | AnswerTooLarge> =>
  Effect.suspend(() => {
    const plan = answerRead(response.headers, limit)
    if (plan._tag === "Whole") return wholeText(response)
    if (plan._tag === "Refuse") {
      return Effect.andThen(
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
 * A body read with bounds (an error body, or JSON where events were expected): decoded chunk by chunk into a
 * collector, and reading stops (releasing the socket) as soon as the collector has enough. A read that fails
 * keeps what came.
 *
 * @internal
 */
export const collectedBody = (
  response: HttpClientResponse.HttpClientResponse,
  // A transport may build `headers` anew on each read: a caller that holds them passes them.
  headers: Headers.Headers = response.headers
): Effect.Effect<CollectedBody> =>
  Effect.suspend(() => {
    // Only a body announced plain: one the transport decodes itself (fetch keeps the header) may be any size.
    if (answerRead(headers, smallBody)._tag === "Whole") {
      // The transport's own body, by chunks (core's `collectSource`: one body, no scanner until the facts are
      // asked for; a read cut short keeps what came). Not recognised: the streaming collector below, unless the
      // platform has read the body already (its memo is read again: the stream was consumed).
      const source = sourceBody(response, webPrototype, "UndiciResponse")
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
    const read = Effect.as(
      Stream.runForEachWhile(decodedStream(response), (chunk) => Effect.sync(() => collector.push(chunk))),
      true
    )
    return Effect.map(Effect.orElseSucceed(read, () => false), (read) => collector.result(!read))
  })

/**
 * A bounded body's kept bytes as text (UTF-8).
 *
 * @internal
 */
export const textOf = (body: CollectedBody): string => utf8.decode(body.bytes)
