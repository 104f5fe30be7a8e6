import { Effect } from "effect"
import { SkyClient, SkyError } from "effect-skyengine"
import * as SkyMock from "effect-skyengine/SkyMock"

// Your own service, tested against the double: two RPM rejections, then the answer.
export const summarize = (text: string): Effect.Effect<string, SkyError.SkyError, SkyClient.SkyClient> =>
  Effect.gen(function*() {
    const sky = yield* SkyClient.SkyClient
    const completion = yield* sky.chatCompletions({ model: "any-model", messages: [{ role: "user", content: text }] })
    return completion.choices[0]?.message.content ?? ""
  })

export const survivesRateLimits = Effect.gen(function*() {
  const mock = yield* SkyMock.SkyMock
  yield* mock.enqueue(SkyMock.Fault.ErrorResponse({ code: 2007, retryAfterMillis: 20 }), 2)
  const summary = yield* summarize("a long text")
  const attempts = (yield* mock.requests).map((request) => request.attempt)
  return { summary, attempts } // { summary: "echo: a long text", attempts: [1, 2, 3] }
}).pipe(Effect.provide(SkyMock.layerClient()))
