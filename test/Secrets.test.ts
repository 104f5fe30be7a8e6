import { describe, expect, it } from "@effect/vitest"
import { Cause, FastCheck as fc, Redacted, Schema } from "effect"
import { SkyError, SkyWire } from "../src/index.js"

const key = "ak-" + "Zq7xK2mP9vL4nR8tW1yB6cH3jD5fG0sA"
const url = `https://model-api.skyengine.com.cn/v1/chat/completions?key=${key}&stream=false`
const options: SkyWire.DecodeOptions = { secrets: [Redacted.make(key)], url, method: "POST" }

/** Every response header a careless server or proxy might echo the key in. */
const echoHeaders = {
  authorization: `Bearer ${key}`,
  "x-api-key": key,
  "X-Echo-Key": `you sent ${key}`,
  "x-request-id": "0123456789abcdef0123456789abcdef",
  "content-type": "application/json"
}

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

const keyParts = Array.from({ length: key.length - 11 }, (_, i) => key.slice(i, i + 12))

const expectNoKey = (e: SkyError.SkyError): void => {
  expect(SkyError.isSkyError(e)).toBe(true)
  for (const [where, text] of renderings(e)) {
    expect(text.length, where).toBeGreaterThan(0)
    expect(text.includes(key), `key found in ${where}`).toBe(false)
    // not even a recognisable part of it: no 12 consecutive characters of the key
    expect(keyParts.find((part) => text.includes(part)), `part of the key found in ${where}`).toBeUndefined()
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

describe("secrets never leave an error", () => {
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

  it("the key is scrubbed from the kept body", () => {
    const e = SkyWire.decodeError(
      { status: 401, body: JSON.stringify({ error: { code: 2101, message: `bad ${key}` } }) },
      options
    )
    expect(e.body).toContain("<redacted>")
    expect(e.body).not.toContain(key)
  })

  it("a key where a body or message is cut (snippet, body limit) leaves no part of it", () => {
    // the key straddles the 200-character snippet that becomes the message of a non-JSON body
    for (const at of [180, 190, 195, 199, 200]) {
      const html = `<html><body>${"x".repeat(at - 12)}${key} and more text after it</body></html>`
      const e = SkyWire.decodeError({ status: 502, body: html }, options)
      expectNoKey(e)
    }
    // the key straddles bodyLimit
    const body = `${"y".repeat(SkyWire.bodyLimit - 10)}${key}${"z".repeat(100)}`
    const e = SkyWire.decodeError({ status: 502, body }, options)
    expect(e.bodyTruncated).toBe(true)
    expectNoKey(e)
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
    expectNoKey(e)
  })

  it.each(SkyError.tags)("%s: the 2101-2106 routes without a code (fixed message, status) also scrub", (tag) => {
    const meta = SkyError.catalogue[tag]
    if (meta.fixedMessage === undefined) {
      // not one of 2101-2106: the same check through a constructed error's wire form
      const wire = SkyWire.encodeError(
        new (SkyError.classes[tag] as unknown as new(p: object) => SkyError.SkyError)({ message: "m" })
      )
      const e = SkyWire.decodeError({ ...wire, headers: { ...wire.headers, ...echoHeaders } }, options)
      expect(e._tag).toBe(tag)
      expectNoKey(e)
      return
    }
    const e = SkyWire.decodeError({
      status: meta.status!,
      headers: echoHeaders,
      body: JSON.stringify({ type: "error", error: { type: meta.fixedMessage, message: `key ${key}` } })
    }, options)
    expect(e._tag).toBe(tag)
    expect(e.message).toBe("key <redacted>")
    expectNoKey(e)
  })

  it.prop(
    "wherever the key sits in an arbitrary text body, no part of 16 characters survives",
    [fc.string({ maxLength: 400 }), fc.string({ maxLength: 400 }), fc.constantFrom(400, 401, 403, 429, 500, 502)],
    ([before, after, status]) => {
      const e = SkyWire.decodeError({ status, headers: echoHeaders, body: `${before}${key}${after}` }, options)
      expectNoKey(e)
    },
    { fastCheck: { seed: 42, numRuns: 300 } }
  )
})
