// The Effect-level half of the secrets tests (the core's tests check the scrubbing itself, once): the key reaches
// no text a v4 `SkyError` can be rendered as (message, String, toJSON, Cause.pretty, Schema encode, stack, the wire),
// whether the error was decoded with the key as a `Redacted` or a plain string, or came out of a client call
// against a server that echoes the key back in every place it can, over both transports.
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Redacted, Schema, Stream } from "effect"
import * as fc from "fast-check"
import { SkyError, SkyWire } from "../src/index.js"
import { chatRequest, clientFor, key as clientKey } from "./support/client.js"
import { serve, transports } from "./support/loopback.js"

const key = "ak-" + "Zq7xK2mP9vL4nR8tW1yB6cH3jD5fG0sA"
const url = `https://model-api.skyengine.com.cn/v1/chat/completions?key=${key}&stream=false`
const options: SkyWire.DecodeOptions = { secrets: [Redacted.make(key)], url, method: "POST" }

/** Every response header a careless server or proxy might echo the key in. */
const echoHeadersOf = (secret: string): Record<string, string> => ({
  authorization: `Bearer ${secret}`,
  "x-api-key": secret,
  "X-Echo-Key": `you sent ${secret}`,
  "x-request-id": "0123456789abcdef0123456789abcdef",
  "content-type": "application/json"
})
const echoHeaders = echoHeadersOf(key)

/** Every text a SkyError exposes, in every form it can be rendered. */
const renderings = (e: SkyError.SkyError): ReadonlyArray<readonly [string, string]> => [
  ["message", e.message],
  ["String(e)", String(e)],
  ["JSON.stringify(e)", JSON.stringify(e)],
  ["JSON.stringify(e.toJSON())", JSON.stringify(e.toJSON())],
  ["Cause.pretty", Cause.pretty(Cause.fail(e))],
  ["Schema.encode", JSON.stringify(Schema.encodeSync(SkyError.SkyError)(e))],
  ["stack", e.stack ?? ""],
  ...SkyWire.shapes.map((shape) => [`encodeError ${shape}`, JSON.stringify(SkyWire.encodeError(e, { shape }))] as const)
]

const expectNoKey = (e: SkyError.SkyError, secret: string = key): void => {
  expect(SkyError.isSkyError(e)).toBe(true)
  const parts = Array.from({ length: secret.length - 11 }, (_, i) => secret.slice(i, i + 12))
  for (const [where, text] of renderings(e)) {
    expect(text.length, where).toBeGreaterThan(0)
    expect(text.includes(secret), `key found in ${where}`).toBe(false)
    // not even a recognisable part of it: no 12 consecutive characters of the key
    expect(parts.find((part) => text.includes(part)), `part of the key found in ${where}`).toBeUndefined()
  }
}

/** The key echoed in the message, the type, the details and a free field of each body shape. */
const bodiesInEveryShape = (code: number | undefined, status: number): ReadonlyArray<readonly [string, string]> => [
  ["gateway", JSON.stringify({
    error: {
      code,
      message: `invalid key ${key}`,
      details: [{ code, message: `key ${key} rejected` }],
      trace_id: "0123456789abcdef0123456789abcdef",
      echo: key
    }
  })],
  ["anthropic", JSON.stringify({
    type: "error",
    request_id: "0123456789abcdef0123456789abcdef",
    error: { type: `bad key ${key}`, message: `API Key ${key} 校验未通过`, code }
  })],
  ["openai", JSON.stringify({ error: { code, message: `Incorrect API key provided: ${key}`, param: key, type: "Unauthorized" } })],
  ["problem", JSON.stringify({
    type: code === undefined ? "about:blank" : `urn:skyengine:error:${code}`,
    title: `key ${key}`,
    status,
    detail: `the key ${key} is not valid`,
    code
  })],
  ["html", `<html><body><h1>${status}</h1><p>key=${key}</p></body></html>`],
  ["text", `error: key ${key} rejected`]
]

describe("secrets never leave a decoded error (Effect 4)", () => {
  it("the key looks like a real key", () => {
    expect(key).toMatch(/^ak-[A-Za-z0-9]{32}$/)
  })

  it.each(bodiesInEveryShape(2101, 401))("a 401 with the key echoed (%s body)", (_shape, body) => {
    const e = SkyWire.decodeError({ status: 401, headers: echoHeaders, body }, options)
    expect(e._tag).toBe("InvalidApiKey")
    expectNoKey(e)
    expect(e.headers?.authorization).toBe("<redacted>")
    expect(e.headers?.["x-api-key"]).toBe("<redacted>")
    expect(e.headers?.["x-echo-key"]).toBe("you sent <redacted>")
    expect(e.method).toBe("POST")
    expect(e.url).toContain("stream=false")
    expect(e.url).toContain("model-api.skyengine.com.cn/v1/chat/completions")
  })

  it.each(bodiesInEveryShape(undefined, 502))("a 502 without code with the key echoed (%s body)", (_shape, body) => {
    const e = SkyWire.decodeError({ status: 502, headers: echoHeaders, body }, options)
    expect(e._tag).toBe("UnknownGatewayError")
    expectNoKey(e)
  })

  it("the same body as bytes, with the key as a plain string secret", () => {
    const body = new TextEncoder().encode(JSON.stringify({ error: { code: 2101, message: `bad ${key}` } }))
    const e = SkyWire.decodeError({ status: 401, headers: echoHeaders, body }, { ...options, secrets: [key] })
    expect(e.message).toBe("bad <redacted>")
    expectNoKey(e)
  })

  it("the key is scrubbed from the kept body, and a key cut by the body limit leaves no part", () => {
    const e = SkyWire.decodeError(
      { status: 401, body: JSON.stringify({ error: { code: 2101, message: `bad ${key}` } }) },
      options
    )
    expect(e.body).toContain("<redacted>")
    expect(e.body).not.toContain(key)
    const long = SkyWire.decodeError({ status: 502, body: `${"y".repeat(SkyWire.bodyLimit - 10)}${key}${"z".repeat(100)}` }, options)
    expect(long.bodyTruncated).toBe(true)
    expectNoKey(long)
  })

  /** One response per tag, each echoing the key, each classified by a different decodeError route. */
  const perTag: ReadonlyArray<readonly [SkyError.Tag, SkyWire.ErrorResponse]> = SkyError.tags.map((tag) => {
    const meta = SkyError.catalogue[tag]
    if (meta.code !== undefined) {
      return [tag, {
        status: meta.status!,
        headers: echoHeaders,
        body: JSON.stringify({ error: { code: meta.code, message: `key ${key}: ${meta.meaning}`, type: key } })
      }] as const
    }
    if (tag === "UnknownGatewayError") {
      return [tag, { status: 429, headers: echoHeaders, body: `rate limited key ${key}` }] as const
    }
    // the client-side kinds come back through the wire as their tag in error.type
    return [tag, {
      status: 502,
      headers: echoHeaders,
      body: JSON.stringify({ error: { type: tag, message: `failed for ${key}` } })
    }] as const
  })

  it.each(perTag)("%s decoded from a response echoing the key", (tag, response) => {
    const e = SkyWire.decodeError(response, options)
    expect(e._tag).toBe(tag)
    expect(e).toBeInstanceOf(SkyError.classes[tag])
    expectNoKey(e)
  })

  it("wherever the key sits in an arbitrary text body, no part of it survives any rendering", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 400 }),
        fc.string({ maxLength: 400 }),
        fc.constantFrom(400, 401, 403, 429, 500, 502),
        (before, after, status) => {
          const e = SkyWire.decodeError({ status, headers: echoHeaders, body: `${before}${key}${after}` }, options)
          expectNoKey(e)
        }
      ),
      { seed: 42, numRuns: 300 }
    )
  })

  it.each(["", " ", "\t\n ", "   "])("an empty or whitespace secret (%j) leaves every text as it was", (blank) => {
    const response = {
      status: 502,
      headers: { "x-request-id": "req 1", "x-other": "a b" },
      body: JSON.stringify({ error: { message: "the gateway is down", type: "Bad Gateway" } })
    }
    const plain = SkyWire.decodeError(response, { url: "https://h.example/v1/a b" })
    const e = SkyWire.decodeError(response, { url: "https://h.example/v1/a b", secrets: [blank, Redacted.make(blank)] })
    expect(e.message).toBe("the gateway is down")
    expect(e.toJSON()).toEqual(plain.toJSON())
  })
})

// ---------------------------------------------------------------------------
// Through the client: a server that echoes the key the client sent
// ---------------------------------------------------------------------------

/** Echoes the request's own Authorization header (the client's key) in the status line's neighbours: headers and body. */
const echoing = (status: number, code: number | undefined) => (req: { headers: Record<string, unknown> }, res: import("node:http").ServerResponse) => {
  const sent = String(req.headers["authorization"] ?? "").replace(/^Bearer /, "")
  res.writeHead(status, { ...echoHeadersOf(sent), "x-request-id": "0123456789abcdef0123456789abcdef" }).end(
    JSON.stringify({ error: { code, message: `the key ${sent} is not valid`, type: sent, echo: `Bearer ${sent}` } })
  )
}

describe.each(transports)("secrets never leave a client's error (%s)", (_, transport) => {
  it.effect("a 401 echoing the key in headers and body: the error names no part of it", () =>
    Effect.gen(function*() {
      const server = yield* serve(echoing(401, 2101))
      const sky = yield* clientFor(server.url, transport)
      const e = yield* Effect.flip(sky.chatCompletions(chatRequest))
      // the server really saw (and echoed) the key
      expect(server.seen[0]!.headers.authorization).toBe(`Bearer ${clientKey}`)
      expect(e._tag).toBe("InvalidApiKey")
      expect(e.message).toContain("<redacted>")
      expectNoKey(e, clientKey)
    }))

  it.live("a 502 without code on a stream, and a retried 429: no part of the key in the error or its attempts", () =>
    Effect.gen(function*() {
      const server = yield* serve(echoing(502, undefined))
      const sky = yield* clientFor(server.url, transport)
      const streamed = yield* Effect.flip(Stream.runDrain(sky.chatCompletionsStream(chatRequest)))
      expect(streamed._tag).toBe("UnknownGatewayError")
      expectNoKey(streamed, clientKey)

      const limited = yield* serve(echoing(429, 2007))
      const retried = yield* clientFor(limited.url, transport, {
        maxRetries: 1,
        retry: { initialDelay: "1 millis", maxDelay: "2 millis", maxRetryAfter: "2 millis" }
      })
      const e = yield* Effect.flip(retried.chatCompletions(chatRequest))
      expect(e._tag).toBe("RpmLimitExceeded")
      expect(e.attempts).toHaveLength(2)
      expectNoKey(e, clientKey)
    }))
})
