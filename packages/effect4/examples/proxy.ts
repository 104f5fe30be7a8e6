import { Effect } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { Chat, SkyClient, SkyError, SkyWire } from "effect-skyengine"

// A SkyError as the gateway itself would answer it: status, body shape, request id, retry hints.
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

// A service in front of SkyEngine: it forwards chat calls and relays every failure, upstream or its own,
// in the gateway's wire format, so that its clients (this library, or the official SDKs) see SkyEngine.
// A route is a Layer in Effect 4: serve it with HttpRouter.serve(proxy), given a SkyClient and an HttpServer.
export const proxy = HttpRouter.add(
  "POST",
  "/v1/chat/completions",
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.schemaBodyJson(Chat.CreateChatCompletionRequest).pipe(
      Effect.mapError((e) => new SkyError.RequestParseFailed({ message: `invalid request: ${e.message}` }))
    )
    const sky = yield* SkyClient.SkyClient
    const completion = yield* sky.chatCompletions(request, { maxRetries: 0 })
    return yield* HttpServerResponse.json(completion).pipe(
      Effect.orElseSucceed(() => errorResponse(new SkyError.InternalError()))
    )
  }).pipe(Effect.catchIf(SkyError.isSkyError, (error) => Effect.succeed(errorResponse(error))))
)
