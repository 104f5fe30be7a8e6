/**
 * The calls of `SkyClient`, composed from one job per module: `request.ts` prepares the request and sends an
 * attempt, `deadline.ts` bounds it, `retry.ts` retries it in the call's span, `failure.ts` turns every failure
 * into a `SkyError`, `stream.ts` runs a stream's events through its surface's rules (`streams.ts`).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { parseJson } from "../../../core/src/json.js"
import type { CallOptions } from "../SkyClient.js"
import type * as SkyError from "../SkyError.js"
import { abortingDeadline } from "./deadline.js"
import {
  answerTimeoutError,
  contextOf,
  fromHttpError,
  invalidResponse,
  type ResponseContext,
  statusError
} from "./failure.js"
import { type Call, type Endpoint, execute, isOk, prepare, type Settings, type Transport } from "./request.js"
import { AnswerTooLarge, decodedText } from "./responseBody.js"
import { retried, retriedStream } from "./retry.js"
import { openStream, type StreamSurface } from "./stream.js"

/**
 * A body decoder: a value, or the decoder's complaint.
 *
 * @internal
 */
export type Decode<A> = (u: unknown) => Effect.Effect<A, { readonly message: string }>

/**
 * One JSON call with timeout and retries: `Effect<A, SkyError>`.
 *
 * @internal
 */
export const callJson = <A>(
  client: Transport,
  settings: Settings,
  endpoint: Endpoint,
  decode: Decode<A>,
  options: CallOptions | undefined
): Effect.Effect<A, SkyError.SkyError> =>
  Effect.flatMap(prepare(settings, endpoint, options), (call) =>
    retried(call, (attempt, span) => {
      // Set once the headers are in, so that a deadline passed while reading the body keeps status and id.
      let received: (() => ResponseContext) | undefined
      return abortingDeadline(
        Effect.flatMap(execute(client, call, attempt, span), (response) => {
          const ctx = contextOf(response, call)
          received = ctx
          if (!isOk(response.status)) return statusError(response, call)
          return decodedText(response).pipe(
            Effect.mapError((e) =>
              e instanceof AnswerTooLarge ? invalidResponse(call, ctx(), "", e.message) : fromHttpError(e, call, ctx())
            ),
            Effect.flatMap((text) => decodeJson(text, decode, call, ctx))
          )
        }),
        call.timeout,
        () => answerTimeoutError(call, received)
      )
    }))

/**
 * One streamed call: `Stream<A, SkyError>`, retried only while nothing has been emitted.
 *
 * @internal
 */
export const callStream = <A>(
  client: Transport,
  settings: Settings,
  endpoint: Endpoint,
  surface: StreamSurface<A>,
  options: CallOptions | undefined
): Stream.Stream<A, SkyError.SkyError> =>
  Stream.unwrap(Effect.map(
    prepare(
      settings,
      { ...endpoint, headers: { accept: "text/event-stream", ...endpoint.headers } },
      options,
      settings.streamTimeout
    ),
    (call) => retriedStream(call, (attempt, span) => openStream(client, call, attempt, span, surface, call.streamTimeout))
  ))

const decodeJson = <A>(
  text: string,
  decode: Decode<A>,
  call: Call,
  ctx: () => ResponseContext
): Effect.Effect<A, SkyError.SkyError> => {
  const parsed = parseJson(text)
  if (parsed._tag === "Left") return Effect.fail(invalidResponse(call, ctx(), text, `the body is ${parsed.problem.message}`))
  return decode(parsed.value).pipe(Effect.mapError((e) => invalidResponse(call, ctx(), text, e)))
}
