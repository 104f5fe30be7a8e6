import { describe, expect, it } from "vitest"
import * as Facts from "../src/callEvidence.js"

const key = "ak-CALLEVIDENCEsecret0123456789ab"
const settings = (baseUrl: string) => ({ apiKey: key, baseUrl, headers: { "x-team": "blue" } })

describe("planRequest", () => {
  it("sends JSON with the key to the base URL's origin, headers laid over in order", () => {
    const planned = Facts.planRequest(settings("http://h:1/base/"), {
      method: "POST",
      path: "/v1/x",
      body: { a: 1 },
      headers: { "x-team": "red", accept: "text/event-stream" }
    }, { "x-call": "1" })
    expect(planned).toEqual({
      _tag: "Send",
      url: "http://h:1/base/v1/x",
      safeUrl: "http://h:1/base/v1/x",
      body: `{"a":1}`,
      headers: { accept: "text/event-stream", "x-team": "red", "x-call": "1", authorization: `Bearer ${key}` }
    })
  })

  it("refuses, before sending, what cannot be sent; no reason holds the key", () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    const refusals = [
      Facts.planRequest(settings("http://h:1"), { method: "GET", path: "", invalid: `bad model ${key}` }, undefined),
      Facts.planRequest(settings("ftp://h/"), { method: "GET", path: "/x" }, undefined),
      Facts.planRequest(settings("http://h:1"), { method: "GET", path: "http://elsewhere/x" }, undefined),
      Facts.planRequest(settings("http://h:1"), { method: "POST", path: "/x", body: cyclic }, undefined),
      Facts.planRequest(settings("http://h:1"), { method: "POST", path: "/x", body: () => 1 }, undefined),
      Facts.planRequest(settings("http://h:1"), { method: "GET", path: "/x" }, { [`x-${key}`]: "a\r\nb" })
    ]
    const reasons = refusals.map((r) => (r._tag === "Refuse" ? r.reason : "sent"))
    expect(reasons[0]).toBe("bad model <redacted>")
    expect(reasons[1]).toContain("not an http or https URL")
    expect(reasons[2]).toContain("not on the base URL's origin")
    expect(reasons[3]).toContain("could not be encoded as JSON")
    expect(reasons[4]).toBe("its body is not a JSON value")
    expect(reasons[5]).toContain("holds a line break")
    for (const reason of reasons) expect(reason).not.toContain(key)
  })

  it("a planner plans each call as planRequest does, the same path twice and a client's bad header included", () => {
    const plan = Facts.makePlanner(settings("http://h:1/base"))
    const chat = { method: "POST", path: "/v1/chat", body: { n: 1 } }
    const first = plan(chat, undefined)
    expect(plan(chat, undefined)).toEqual(first)
    expect(first).toEqual(Facts.planRequest(settings("http://h:1/base"), chat, undefined))
    expect(plan({ method: "GET", path: "http://elsewhere/x" }, undefined)._tag).toBe("Refuse")
    // A client header that cannot be sent is refused on every call, unless the call's own header replaces it.
    const bad = Facts.makePlanner({ ...settings("http://h:1"), headers: { "x-team": "a\nb" } })
    const refused = bad(chat, undefined)
    expect(refused._tag === "Refuse" && refused.reason).toContain("the value of the header x-team holds a line break")
    expect(bad(chat, { "x-team": "fine" })._tag).toBe("Send")
    // Names are case-insensitive: a call's X-Team replaces the client's x-team, and one header is sent.
    const replaced = bad(chat, { "X-Team": "fine" })
    expect(replaced._tag === "Send" && replaced.headers).toEqual({
      accept: "application/json",
      "x-team": "fine",
      authorization: `Bearer ${key}`
    })
    // An endpoint's header replaced by the call's is judged as sent.
    expect(plan({ ...chat, headers: { "x-v": "a\u00ffé\u2603" } }, { "x-v": "ok" })._tag).toBe("Send")
    const endpointBad = plan({ ...chat, headers: { "x-v": "\u2603" } }, undefined)
    expect(endpointBad._tag === "Refuse" && endpointBad.reason).toContain("outside Latin-1")
  })

  it("a client header's name is judged and scrubbed as the caller wrote it, not as it is merged", () => {
    const chat = { method: "POST", path: "/v1/chat", body: { n: 1 } }
    // The key in a bad client header's name: the reason names the header without the key, in any case.
    const named = Facts.makePlanner({ ...settings("http://h:1"), headers: { [`X-${key}`]: "a\nb" } })(chat, undefined)
    expect(named._tag).toBe("Refuse")
    const reason = named._tag === "Refuse" ? named.reason : ""
    expect(reason).toContain("holds a line break")
    expect(reason.toLowerCase()).not.toContain(key.toLowerCase())
    // A name that is not an HTTP token (the Kelvin sign, U+212A, lower-cases to an ASCII k) is refused, not
    // sent under another name.
    const kelvin = Facts.makePlanner({ ...settings("http://h:1"), headers: { "x-\u212Aey": "v" } })(chat, undefined)
    expect(kelvin._tag === "Refuse" && kelvin.reason).toContain("is not an HTTP token")
    const kelvinCall = Facts.makePlanner(settings("http://h:1"))(chat, { "x-\u212Aey": "v" })
    expect(kelvinCall._tag === "Refuse" && kelvinCall.reason).toContain("is not an HTTP token")
  })

  it("a call's headers are judged as they are sent: an own __proto__ header is checked, an inherited one is not sent", () => {
    const plan = Facts.makePlanner(settings("http://h:1"))
    const chat = { method: "POST", path: "/v1/chat", body: { n: 1 } }
    // JSON.parse makes `__proto__` an own header, which the spread sends: judged as any other.
    const proto = plan(chat, JSON.parse(`{"__proto__":"a\\r\\nb"}`))
    expect(proto._tag === "Refuse" && proto.reason).toContain("the value of the header __proto__ holds a line break")
    const endpointProto = plan({ ...chat, headers: JSON.parse(`{"__proto__":"\\u2603"}`) }, undefined)
    expect(endpointProto._tag === "Refuse" && endpointProto.reason).toContain("outside Latin-1")
    // An inherited header is not the call's own: not sent, so not refused.
    const inherited = plan(chat, Object.create({ "x-inherited": "a\nb" }) as Record<string, string>)
    expect(inherited._tag === "Send" && inherited.headers).not.toHaveProperty("x-inherited")
  })

  it("a planner sends the client's headers as they were checked: a caller changing its headers object later changes nothing", () => {
    const headers: Record<string, string> = { "x-team": "blue" }
    const plan = Facts.makePlanner({ ...settings("http://h:1"), headers })
    headers["x-team"] = "a\r\nx-injected: 1"
    headers["x-late"] = "\u2603"
    const planned = plan({ method: "GET", path: "/v1/x" }, undefined)
    expect(planned._tag === "Send" && planned.headers).toEqual({ accept: "application/json", "x-team": "blue", authorization: `Bearer ${key}` })
  })

  it("a planner remembers a bounded number of paths, and plans a forgotten one again", () => {
    const plan = Facts.makePlanner(settings("http://h:1"))
    const planned = Array.from({ length: 600 }, (_, i) => plan({ method: "GET", path: `/v1/models/m${i}` }, undefined))
    expect(planned.every((p, i) => p._tag === "Send" && p.url === `http://h:1/v1/models/m${i}`)).toBe(true)
    const again = plan({ method: "GET", path: "/v1/models/m0" }, undefined)
    expect(again._tag === "Send" && again.url).toBe("http://h:1/v1/models/m0")
    // A path too long to be remembered is planned each time, the same way.
    const long = `/v1/models/${"m".repeat(5000)}`
    const once = plan({ method: "GET", path: long }, undefined)
    expect(plan({ method: "GET", path: long }, undefined)).toEqual(once)
    expect(once._tag === "Send" && once.url).toBe(`http://h:1${long}`)
  })
})

describe("what a call reports", () => {
  it("evidence, statuses, texts and attributes", () => {
    expect(Facts.describeCause({ code: "ECONNRESET", message: `reset ${key}`, cause: { message: "inner" } }, [key]))
      .toBe("ECONNRESET reset <redacted> <- inner")
    expect(Facts.responseContext(503, { "x-request-id": "r-1", authorization: `Bearer ${key}` }, [key]))
      .toMatchObject({ status: 503, requestId: "r-1" })
    expect(JSON.stringify(Facts.responseContext(503, { "x-echo": key }, [key]))).not.toContain(key)
    expect(Facts.inStreamStatusOf("RpmLimitExceeded", undefined)).toBe(429)
    expect(Facts.inStreamStatusOf("UnknownGatewayError", "overloaded_error")).toBe(529)
    expect(Facts.inStreamStatusOf("UnknownGatewayError", "something")).toBeUndefined()
    expect(Facts.redactLocations({ location: `http://x/?key=${key}` }, [key]).location).toBe("http://x/?key=%3Credacted%3E")
    expect(Facts.redirectMessage(302, `http://x/${key}`, [key])).not.toContain(key)
    expect(Facts.spanAttributes("request", "POST", `/v1/${key}?q=1`, `m-${key}`, [key])).toEqual({
      "sky.operation": "request",
      "http.request.method": "POST",
      "url.path": "/v1/<redacted>",
      "gen_ai.request.model": "m-<redacted>"
    })
    expect(Facts.failureAttributes({ _tag: "RpmLimitExceeded", code: 2007, status: 429 }, 3)).toEqual({
      "sky.attempts": 3,
      "sky.error.tag": "RpmLimitExceeded",
      "sky.error.code": 2007,
      "http.response.status_code": 429
    })
    const texts = Facts.invalidResponseTexts("chat", "x".repeat(100), { summary: "bad", full: "bad" }, [key], 10)
    expect(texts).toEqual({ message: "the chat response could not be decoded: bad", issue: "bad", body: "x".repeat(10), bodyTruncated: true })
    expect(Facts.firstLine(`a\nb`)).toBe("a")
    expect(Facts.isJsonContentType("application/problem+json")).toBe(true)
    expect(Facts.isJsonContentType("text/event-stream")).toBe(false)
  })
})
