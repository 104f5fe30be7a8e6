/**
 * Test support: the README's proxy (examples/proxy.ts of the 1.x line) written on Effect 4's `effect/http` server.
 * A service in front of SkyEngine forwards chat calls and relays every failure, upstream or its own, in the
 * gateway's wire format, so that its clients (this library, or the official SDKs) see SkyEngine.
 */
import { Effect } from "effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { Chat, SkyClient, SkyError, SkyWire } from "../../src/index.js"

/** A SkyError as the gateway itself would answer it: status, body shape, request id, retry hints. */
export const errorResponse = (
  error: SkyError.SkyError,
  shape: SkyWire.Shape = "gateway"
): HttpServerResponse.HttpServerResponse => {
  const wire = SkyWire.encodeError(error, { shape })
  return HttpServerResponse.text(wire.body, {
    status: wire.status,
    headers: wire.headers,
    contentType: wire.headers["content-type"] ?? "application/json"
  })
}

const chatCompletions: Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  never,
  HttpServerRequest.HttpServerRequest | SkyClient.SkyClient
> = Effect.gen(function*() {
  const request = yield* HttpServerRequest.schemaBodyJson(Chat.CreateChatCompletionRequest).pipe(
    Effect.mapError((e) => new SkyError.RequestParseFailed({ message: `invalid request: ${e.message}` }))
  )
  const sky = yield* SkyClient.SkyClient
  const completion = yield* sky.chatCompletions(request, { maxRetries: 0 })
  return yield* HttpServerResponse.json(completion).pipe(
    Effect.orElseSucceed(() => errorResponse(new SkyError.InternalError({})))
  )
}).pipe(Effect.catchIf(SkyError.isSkyError, (error) => Effect.succeed(errorResponse(error))))

/** The proxy: `POST /v1/chat/completions`, anything else a 404 in the gateway's shape. */
export const proxy: Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  never,
  HttpServerRequest.HttpServerRequest | SkyClient.SkyClient
> = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
  request.method === "POST" && request.url.split("?")[0] === "/v1/chat/completions"
    ? chatCompletions
    : Effect.succeed(HttpServerResponse.text("not found", { status: 404 })))
