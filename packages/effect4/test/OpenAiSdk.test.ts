import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import OpenAI from "openai"
import * as SkyMock from "../src/SkyMock.js"

/** The official SDK pointed at the double, retries off. */
const sdk = (mock: SkyMock.Service, defaultHeaders?: Record<string, string>): OpenAI =>
  new OpenAI({
    apiKey: SkyMock.defaultApiKey,
    baseURL: mock.url + "/v1",
    maxRetries: 0,
    ...(defaultHeaders !== undefined ? { defaultHeaders } : {})
  })

const messages: Array<OpenAI.Chat.ChatCompletionMessageParam> = [
  { role: "system", content: "be brief" },
  { role: "user", content: "hello from the sdk" }
]

// The official SDKs against the Effect 4 line's double (the same server as 1.x's, through v4's `SkyMock.make`).
describe("the openai SDK against SkyMock", () => {
  it.live("a chat call succeeds with the echoed text and the gateway's quirks", () =>
    Effect.gen(function*() {
      const mock = yield* SkyMock.make()
      const completion = yield* Effect.promise(() =>
        sdk(mock).chat.completions.create({ model: "doubao-seed-1-6", messages })
      )
      expect(completion.choices[0]!.message.content).toBe("echo: hello from the sdk")
      expect(completion.id).toMatch(/^[0-9a-f]{32}$/)
      expect(completion.system_fingerprint).toBe("")
      expect(completion.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 5, total_tokens: 11 })
      const [sent] = yield* mock.requests
      expect(sent!.authorized).toBe(true)
      expect(sent!.headers["authorization"]).toBe("<redacted>")
      expect(sent!.body).toMatchObject({ model: "doubao-seed-1-6", messages })
    }))

  it.live("a streamed call yields the text and ends at [DONE]", () =>
    Effect.gen(function*() {
      const mock = yield* SkyMock.make()
      const result = yield* Effect.promise(async () => {
        const stream = await sdk(mock).chat.completions.create({
          model: "doubao-seed-1-6",
          messages,
          stream: true,
          stream_options: { include_usage: true }
        })
        let text = ""
        let chunks = 0
        let usage: OpenAI.CompletionUsage | null | undefined
        for await (const chunk of stream) {
          chunks++
          text += chunk.choices[0]?.delta.content ?? ""
          if (chunk.usage) usage = chunk.usage
        }
        return { text, chunks, usage }
      })
      expect(result.text).toBe("echo: hello from the sdk")
      // the first chunk (choices: []), one per word, and the usage chunk
      expect(result.chunks).toBe(1 + 5 + 1)
      expect(result.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 5 })
    }))

  it.live("x-sky-mock error:2007 raises OpenAI.RateLimitError with status 429", () =>
    Effect.gen(function*() {
      const mock = yield* SkyMock.make()
      const viaDefaults = yield* Effect.promise(() =>
        sdk(mock, { "x-sky-mock": "error:2007,retry-after=3" }).chat.completions.create({ model: "m", messages }).then(
          () => undefined,
          (error: unknown) => error
        )
      )
      expect(viaDefaults).toBeInstanceOf(OpenAI.RateLimitError)
      const error = viaDefaults as InstanceType<typeof OpenAI.RateLimitError>
      expect(error.status).toBe(429)
      expect(error.headers.get("retry-after")).toBe("3")
      const [sent] = yield* mock.requests
      expect(error.requestID).toBe(sent!.requestId)
      expect(error.error).toMatchObject({ code: 2007, type: "TooManyRequests" })

      const viaRequestOptions = yield* Effect.promise(() =>
        sdk(mock).chat.completions.create({ model: "m", messages }, { headers: { "x-sky-mock": "error:2008,shape=openai" } })
          .then(() => undefined, (error: unknown) => error)
      )
      expect(viaRequestOptions).toBeInstanceOf(OpenAI.RateLimitError)
      expect((viaRequestOptions as InstanceType<typeof OpenAI.RateLimitError>).status).toBe(429)
      expect(yield* mock.requests).toHaveLength(2)
    }))
})

describe("the Anthropic SDK against SkyMock", () => {
  it.live("its requestID is the double's request id (the SDK reads the request-id header)", () =>
    Effect.gen(function*() {
      const mock = yield* SkyMock.make()
      const body = { model: "claude-sonnet", max_tokens: 16, messages: [{ role: "user" as const, content: "hi" }] }
      // The SDK is not a dependency of this package: use it when it is installed, else check the header it reads.
      const specifier = "@anthropic-ai/sdk"
      const anthropic = yield* Effect.promise(() => import(specifier).then((m: any) => m.default, () => undefined))
      const [recorded] = yield* Effect.gen(function*() {
        if (anthropic !== undefined) {
          const client = new anthropic({ apiKey: SkyMock.defaultApiKey, baseURL: mock.url, maxRetries: 0 })
          const message: { readonly _request_id?: string } = yield* Effect.promise((): Promise<any> => client.messages.create(body))
          expect(message._request_id).toMatch(/^[0-9a-f]{32}$/)
          return [message._request_id]
        }
        const response = yield* Effect.promise(() =>
          fetch(`${mock.url}/v1/messages`, {
            method: "POST",
            headers: { "x-api-key": SkyMock.defaultApiKey, "content-type": "application/json", "anthropic-version": "2023-06-01" },
            body: JSON.stringify(body)
          })
        )
        expect(response.status).toBe(200)
        return [response.headers.get("request-id")]
      })
      const [sent] = yield* mock.requests
      expect(recorded).toBe(sent!.requestId)
    }))
})
