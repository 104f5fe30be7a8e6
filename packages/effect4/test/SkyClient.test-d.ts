import type * as HttpClient from "effect/http/HttpClient"
import type { Config, Effect, Layer, Stream } from "effect"
import { describe, expectTypeOf, it } from "vitest"
import type { Chat, Embeddings, Gemini, Messages, Responses, SkyError } from "../src/index.js"
import { SkyClient } from "../src/index.js"

type Service = SkyClient.Service
type ErrorOf<F> = F extends (...args: Array<any>) => Effect.Effect<any, infer E, any> ? E
  : F extends (...args: Array<any>) => Stream.Stream<any, infer E, any> ? E
  : "not an Effect or Stream"
type ContextOf<F> = F extends (...args: Array<any>) => Effect.Effect<any, any, infer R> ? R
  : F extends (...args: Array<any>) => Stream.Stream<any, any, infer R> ? R
  : "not an Effect or Stream"

describe("SkyClient types", () => {
  it("every method fails with exactly SkyError and needs nothing", () => {
    expectTypeOf<ErrorOf<Service["chatCompletions"]>>().toEqualTypeOf<SkyError.SkyError>()
    expectTypeOf<ErrorOf<Service["chatCompletionsStream"]>>().toEqualTypeOf<SkyError.SkyError>()
    expectTypeOf<ErrorOf<Service["responses"]>>().toEqualTypeOf<SkyError.SkyError>()
    expectTypeOf<ErrorOf<Service["responsesStream"]>>().toEqualTypeOf<SkyError.SkyError>()
    expectTypeOf<ErrorOf<Service["messages"]>>().toEqualTypeOf<SkyError.SkyError>()
    expectTypeOf<ErrorOf<Service["messagesStream"]>>().toEqualTypeOf<SkyError.SkyError>()
    expectTypeOf<ErrorOf<Service["generateContent"]>>().toEqualTypeOf<SkyError.SkyError>()
    expectTypeOf<ErrorOf<Service["streamGenerateContent"]>>().toEqualTypeOf<SkyError.SkyError>()
    expectTypeOf<ErrorOf<Service["embeddings"]>>().toEqualTypeOf<SkyError.SkyError>()
    expectTypeOf<ErrorOf<Service["request"]>>().toEqualTypeOf<SkyError.SkyError>()
    expectTypeOf<ContextOf<Service["chatCompletions"]>>().toEqualTypeOf<never>()
    expectTypeOf<ContextOf<Service["messagesStream"]>>().toEqualTypeOf<never>()
  })

  it("methods return the surface's models", () => {
    expectTypeOf<ReturnType<Service["chatCompletions"]>>().toEqualTypeOf<
      Effect.Effect<Chat.ChatCompletion, SkyError.SkyError>
    >()
    expectTypeOf<ReturnType<Service["chatCompletionsStream"]>>().toEqualTypeOf<
      Stream.Stream<Chat.ChatCompletionChunk, SkyError.SkyError>
    >()
    expectTypeOf<ReturnType<Service["responsesStream"]>>().toEqualTypeOf<
      Stream.Stream<Responses.ResponseStreamEvent, SkyError.SkyError>
    >()
    expectTypeOf<ReturnType<Service["messages"]>>().toEqualTypeOf<Effect.Effect<Messages.Message, SkyError.SkyError>>()
    expectTypeOf<ReturnType<Service["generateContent"]>>().toEqualTypeOf<
      Effect.Effect<Gemini.GenerateContentResponse, SkyError.SkyError>
    >()
    expectTypeOf<ReturnType<Service["embeddings"]>>().toEqualTypeOf<
      Effect.Effect<Embeddings.CreateEmbeddingResponse, SkyError.SkyError>
    >()
  })

  it("layers need only an HttpClient and may fail only on configuration (a refused API key)", () => {
    expectTypeOf(SkyClient.layer).returns.toEqualTypeOf<
      Layer.Layer<SkyClient.SkyClient, Config.ConfigError, HttpClient.HttpClient>
    >()
    expectTypeOf(SkyClient.layerConfig).returns.toEqualTypeOf<
      Layer.Layer<SkyClient.SkyClient, Config.ConfigError, HttpClient.HttpClient>
    >()
  })

  it("collect is typed per surface and keeps the error channel", () => {
    expectTypeOf(SkyClient.collect("chat")<never>).returns.toEqualTypeOf<
      Effect.Effect<Chat.ChatCompletion, SkyError.SkyError>
    >()
    expectTypeOf(SkyClient.collect("responses")<never>).returns.toEqualTypeOf<
      Effect.Effect<Responses.Response, SkyError.SkyError>
    >()
    expectTypeOf(SkyClient.collect("messages")<never>).returns.toEqualTypeOf<
      Effect.Effect<Messages.Message, SkyError.SkyError>
    >()
    expectTypeOf(SkyClient.collect("gemini")<never>).returns.toEqualTypeOf<
      Effect.Effect<Gemini.GenerateContentResponse, SkyError.SkyError>
    >()
    expectTypeOf(SkyClient.collect("messages")<never>).parameter(0).toEqualTypeOf<
      Stream.Stream<Messages.MessageStreamEvent, SkyError.SkyError>
    >()
    // @ts-expect-error there is no such surface
    SkyClient.collect("embeddings")
  })

  it("the API key must be Redacted", () => {
    // @ts-expect-error a plain string is not accepted as the key
    SkyClient.layer({ apiKey: "ak-00000000000000000000000000000000" })
  })
})
