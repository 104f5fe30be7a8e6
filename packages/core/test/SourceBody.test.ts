import { describe, expect, it } from "vitest"
import { sourceBody } from "../src/sourceBody.js"

/** Stand-ins for the platforms' responses: only what `sourceBody` looks at (the class, `source`, the memo fields). */
class WebResponse {
  arrayBufferBody: unknown = undefined
  textBody: unknown = undefined
  formDataBody: unknown = undefined
  constructor(readonly source: unknown) {}
}
const webPrototype = WebResponse.prototype

/** An undici body: reads count, `bodyUsed` set by the first read, `this` required. */
class UndiciBody {
  reads = 0
  used = false
  constructor(readonly text_: string) {}
  get bodyUsed(): boolean {
    return this.used
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    this.reads++
    this.used = true
    return Promise.resolve(new TextEncoder().encode(this.text_).buffer as ArrayBuffer)
  }
  text(): Promise<string> {
    this.reads++
    this.used = true
    return Promise.resolve(this.text_)
  }
}
const undiciClass = (name: string) =>
  ({
    [name]: class {
      arrayBufferBody: unknown = undefined
      textBody: unknown = undefined
      constructor(readonly source: unknown) {}
    }
  })[name]!
const Undici = undiciClass("UndiciResponse")

describe("sourceBody", () => {
  it("reads a web response of the platform's own class from its Response: bytes and text", async () => {
    const bytes = await sourceBody(new WebResponse(new Response("{\"a\":\"☃\"}")), webPrototype, "UndiciResponse")!
      .arrayBuffer()
    expect(new TextDecoder().decode(bytes)).toBe("{\"a\":\"☃\"}")
    expect(await sourceBody(new WebResponse(new Response("plain")), webPrototype, "UndiciResponse")!.text())
      .toBe("plain")
  })

  it("reads undici's body, on the body itself", async () => {
    const body = new UndiciBody("hello")
    const reader = sourceBody(new Undici({ statusCode: 429, body }), webPrototype, "UndiciResponse")!
    expect(await reader.text()).toBe("hello")
    expect(body.reads).toBe(1)
  })

  it("leaves every other response to its own accessors", () => {
    const used = new Response("x")
    void used.text()
    const cases: Array<[string, unknown]> = [
      ["not an object", "response"],
      ["null", null],
      ["a web body already used", new WebResponse(used)],
      ["a web response read through the platform", Object.assign(new WebResponse(new Response("x")), { arrayBufferBody: {} })],
      ["a web response whose text was read", Object.assign(new WebResponse(new Response("x")), { textBody: {} })],
      ["a web response whose form data was read", Object.assign(new WebResponse(new Response("x")), { formDataBody: {} })],
      ["a subclass of the web response", new (class extends WebResponse {})(new Response("x"))],
      ["a web response without a Response", new WebResponse({ arrayBuffer: () => 1, text: () => 1, bodyUsed: false })],
      ["another class over a Response", new (undiciClass("Mine"))(new Response("x"))],
      ["another class over an undici body", new (undiciClass("Mine"))({ statusCode: 429, body: new UndiciBody("x") })],
      ["undici's class without a status", new Undici({ body: new UndiciBody("x") })],
      // Effect 3's node:http response has the same class name as its undici one; its source is an IncomingMessage.
      ["a class of that name over an IncomingMessage (no body)", new Undici({ statusCode: 429, headers: {} })],
      ["undici's class over a used body", new Undici({ statusCode: 429, body: Object.assign(new UndiciBody("x"), { used: true }) })],
      ["undici's class over a body without bodyUsed", new Undici({ statusCode: 429, body: { arrayBuffer: () => 1, text: () => 1 } })],
      ["undici's class over a body that cannot read", new Undici({ statusCode: 429, body: { bodyUsed: false } })],
      ["undici's class read through the platform", Object.assign(new Undici({ statusCode: 429, body: new UndiciBody("x") }), { textBody: {} })]
    ]
    for (const [what, response] of cases) expect(sourceBody(response, webPrototype, "UndiciResponse"), what).toBeUndefined()
  })
})
