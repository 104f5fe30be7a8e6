/**
 * Test support: the client over a transport, alive for the rest of the test's scope.
 */
import { Context, Effect, Layer, Redacted } from "effect"
import type * as Config from "effect/Config"
import type * as HttpClient from "effect/http/HttpClient"
import type * as Scope from "effect/Scope"
import { SkyClient } from "../../src/index.js"

/** The key every client test uses. */
export const key = "ak-abcdefghijklmnopqrstuvwxyz012345"

/** The key as the client takes it. */
export const apiKey: Redacted.Redacted<string> = Redacted.make(key)

/** A chat request. */
export const chatRequest = { model: "m", messages: [{ role: "user" as const, content: "hi" }] }

/** The client over `transport`, at `url`, without retries unless `options` say so. */
export const clientFor = (
  url: string,
  transport: Layer.Layer<HttpClient.HttpClient>,
  options: Partial<SkyClient.Options> = {}
): Effect.Effect<SkyClient.Service, Config.ConfigError, Scope.Scope> =>
  Layer.build(SkyClient.layer({ apiKey, baseUrl: url, maxRetries: 0, ...options }).pipe(Layer.provide(transport))).pipe(
    Effect.map((context) => Context.get(context, SkyClient.SkyClient))
  )

/** A chat completion body. */
export const okChat = JSON.stringify({
  id: "0123456789abcdef0123456789abcdef",
  object: "chat.completion",
  created: 0,
  model: "m",
  system_fingerprint: "",
  vendor_extension: { kept: true },
  choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }
})

/** One chat chunk event. */
export const chunk = (content: string): string =>
  `data: ${
    JSON.stringify({
      id: "a",
      object: "chat.completion.chunk",
      created: 0,
      model: "m",
      choices: [{ index: 0, delta: { content }, finish_reason: null }]
    })
  }\n\n`
