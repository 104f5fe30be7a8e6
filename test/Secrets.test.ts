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

// ---------------------------------------------------------------------------
// Every form a server plausibly echoes the key in
// ---------------------------------------------------------------------------

const b64 = (text: string): string => btoa(text)
const b64url = (text: string): string => b64(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
const percentAll = (text: string, upper: boolean): string =>
  Array.from(text, (c) => {
    const hex = c.charCodeAt(0).toString(16).padStart(2, "0")
    return `%${upper ? hex.toUpperCase() : hex}`
  }).join("")
const percentSome = (text: string): string =>
  Array.from(text, (c, i) => (i % 2 === 0 ? `%${c.charCodeAt(0).toString(16).toUpperCase()}` : c)).join("")
/** `\uXXXX` for some characters (any hex case), the others literal: as written inside a JSON string. */
const jsonEscapes = (text: string): string =>
  Array.from(text, (c, i) => {
    const hex = c.charCodeAt(0).toString(16).padStart(4, "0")
    return i % 3 === 0 ? c : `\\u${i % 3 === 1 ? hex : hex.toUpperCase()}`
  }).join("")
const utf16 = (text: string, bigEndian: boolean): Uint8Array => {
  const out = new Uint8Array(text.length * 2)
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    out[2 * i + (bigEndian ? 1 : 0)] = unit & 0xff
    out[2 * i + (bigEndian ? 0 : 1)] = unit >> 8
  }
  return out
}

/**
 * Every plain text a reader could get back from a rendering: as is, with NULs removed, percent-decoded, JSON
 * escapes decoded, and every base64-looking run decoded at each of its alignments.
 */
const revealed = (text: string): ReadonlyArray<string> => {
  const noNul = text.replace(/\u0000/g, "")
  const percent = noNul.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
  const unescaped = percent.replace(/\\u([0-9a-f]{4})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
  const out = [text, noNul, percent, unescaped]
  for (const run of text.match(/[A-Za-z0-9+/_-]{8,}/g) ?? []) {
    const std = run.replace(/-/g, "+").replace(/_/g, "/")
    for (let skip = 0; skip < 4; skip++) {
      const part = std.slice(skip, skip + Math.floor((std.length - skip) / 4) * 4)
      try {
        out.push(atob(part))
      } catch {
        // not base64 at this alignment
      }
    }
  }
  return out
}

const expectNoKeyInAnyForm = (e: SkyError.SkyError, secret: string, partLength = 12): void => {
  const parts = Array.from(
    { length: Math.max(1, secret.length - partLength + 1) },
    (_, i) => secret.slice(i, i + partLength).toLowerCase()
  )
  for (const [where, text] of renderings(e)) {
    for (const plain of revealed(text)) {
      const lower = plain.toLowerCase()
      expect(parts.find((part) => lower.includes(part)), `the key in ${where}: ${plain.slice(0, 300)}`).toBeUndefined()
    }
  }
}

/** Each form the key is echoed in, as the text a server would write. */
const echoForms: ReadonlyArray<readonly [string, string]> = [
  ["byte for byte", key],
  ["upper-cased", key.toUpperCase()],
  ["lower-cased", key.toLowerCase()],
  ["percent-encoded, every character, upper hex", percentAll(key, true)],
  ["percent-encoded, every character, lower hex", percentAll(key, false)],
  ["percent-encoded, every other character", percentSome(key)],
  ["base64 of Bearer <key>", b64(`Bearer ${key}`)],
  ["base64 of user:<key> (basic auth)", b64(`user:${key}`)],
  ["base64, alignment 0", b64(key)],
  ["base64, alignment 1, unpadded", b64(`x${key}`).replace(/=+$/, "")],
  ["base64, alignment 2, padded", b64(`xy${key}!`)],
  ["base64url, alignment 0", b64url(key)],
  ["base64url, alignment 1", b64url(`:${key}`)],
  ["base64url, alignment 2", b64url(`ab${key}`)],
  ["HTML character references", Array.from(key, (c) => `&#${c.charCodeAt(0)};`).join("")]
]

describe("every echoed form of the key is scrubbed", () => {
  it.each(echoForms)("%s: in the message, the body, header names and values, the request id, the code and type", (_, form) => {
    const body = JSON.stringify({
      error: { code: form, message: `invalid key ${form}`, type: `type ${form}`, trace_id: `id-${form}` },
      echo: form
    })
    const headers = { [`x-echo-${form}`]: "1", "x-echo": `value ${form}`, "content-type": "application/json" }
    const e = SkyWire.decodeError({ status: 418, headers, body }, { ...options, url: `https://h.example/v1/${form}` })
    expect(e._tag).toBe("UnknownGatewayError")
    expect(e.message).toContain("<redacted>")
    expectNoKeyInAnyForm(e, key)
    // the same echo in a text body, through the snippet that becomes the message
    expectNoKeyInAnyForm(SkyWire.decodeError({ status: 502, body: `<p>bad key ${form}</p>` }, options), key)
  })

  it("JSON \\uXXXX escapes, any mix with literal characters and any hex case: not in message nor body", () => {
    const raw = `{"error":{"code":2101,"message":"bad key ${jsonEscapes(key)}","type":"${jsonEscapes(key)}"}}`
    // the test's body really is escaped: JSON.parse gives back the key
    expect((JSON.parse(raw) as { error: { message: string } }).error.message).toBe(`bad key ${key}`)
    const e = SkyWire.decodeError({ status: 401, body: raw }, options)
    expect(e._tag).toBe("InvalidApiKey")
    expect(e.message).toBe("bad key <redacted>")
    expect(e.body).not.toContain(jsonEscapes(key))
    expectNoKeyInAnyForm(e, key)
  })

  it.each([["UTF-16LE", false], ["UTF-16BE", true]] as const)("a %s body without a BOM", (_, bigEndian) => {
    const body = utf16(`{"error":{"message":"invalid key ${key}"}}`, bigEndian)
    const e = SkyWire.decodeError({ status: 400, body }, options)
    expect(e.body).toContain("<redacted>")
    expectNoKeyInAnyForm(e, key)
  })

  it("a collected body and a body past 1 MiB (scanned) are scrubbed the same way", () => {
    const text = JSON.stringify({ error: { message: `${"x".repeat(2_000_000)}`, code: 2101, type: b64(`Bearer ${key}`) } })
    const e = SkyWire.decodeError({ status: 401, body: new TextEncoder().encode(`${b64(key)} ${text}`) }, options)
    expectNoKeyInAnyForm(e, key)
    const e2 = SkyWire.decodeError({ status: 401, body: text.replace("x", key.toUpperCase()) }, options)
    expect(e2._tag).toBe("InvalidApiKey")
    expectNoKeyInAnyForm(e2, key)
  })
})

describe("keys of any length are scrubbed; empty ones are ignored", () => {
  it.each(["sk-1234", "k9", "abcdefg"])("a short key (%s) does not reach the message, the body or a header", (short) => {
    const e = SkyWire.decodeError(
      { status: 502, headers: { "x-echo": short.toUpperCase() }, body: `invalid key ${short}` },
      { secrets: [short] }
    )
    expect(e.message).toBe("HTTP 502 Bad Gateway: invalid key <redacted>")
    expect(e.headers?.["x-echo"]).toBe("<redacted>")
    for (const [where, text] of renderings(e)) expect(text.includes(short), where).toBe(false)
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
