import { describe, expect, it } from "vitest"
import { Readable } from "node:stream"
import { defaultKeep, defaultScanLimit } from "../src/boundedBody.js"
import { collectSource, readThroughPlatform, type SourceBody, sourceBody } from "../src/sourceBody.js"

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

describe("collectSource", () => {
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)
  /** A web body that gives `parts`, then fails (`fail`) or ends. */
  const webBody = (parts: ReadonlyArray<string>, fail: boolean) =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const part of parts) controller.enqueue(new TextEncoder().encode(part))
          // Later, once the parts were read (an error clears what is still queued).
          setTimeout(() => (fail ? controller.error(new Error("reset")) : controller.close()), 5)
        }
      })
    )
  /** A Node body (undici's is a `Readable`) that gives `parts`, then is destroyed with an error or ends. */
  const nodeBody = (parts: ReadonlyArray<string>, fail: boolean) => {
    const body = new Readable({ read() {} })
    setTimeout(() => {
      for (const part of parts) body.push(Buffer.from(part))
      setTimeout(() => (fail ? body.destroy(new Error("reset")) : body.push(null)), 5)
    }, 5)
    return body as unknown as SourceBody
  }

  for (const [name, make] of [["a web Response", webBody], ["a Node body", nodeBody]] as const) {
    it(`${name}: the whole body, complete, as one body`, async () => {
      const body = await collectSource(make(["{\"error\":", "{\"code\":2007}}"], false))
      expect(text(body.bytes)).toBe("{\"error\":{\"code\":2007}}")
      expect(body.complete).toBe(true)
      expect(body.json).toBe("complete")
      expect(body.facts).toEqual({ error: { code: 2007 } })
    })

    it(`${name}: a read that fails keeps what came, not complete, judged as cut short`, async () => {
      const body = await collectSource(make(["{\"error\":{\"message\":\"broke\",", "\"detail\":\"xx"], true))
      expect(text(body.bytes)).toBe("{\"error\":{\"message\":\"broke\",\"detail\":\"xx")
      expect(body.complete).toBe(false)
      expect(body.seenBytes).toBe(body.bytes.length)
      expect(body.json).toBe("partial")
      expect(body.facts).toEqual({ error: { message: "broke" } })
    })

    it(`${name}: an empty body, and one that fails at once`, async () => {
      const empty = await collectSource(make([], false))
      expect([empty.bytes.length, empty.complete]).toEqual([0, true])
      const failed = await collectSource(make([], true))
      expect([failed.bytes.length, failed.complete]).toEqual([0, false])
    })
  }

  // A body longer than announced (a caller's own transport does not hold it to its length): read no further than
  // the collector's bounds, as the streaming collector reads, not held whole in memory.
  const chunkSize = 65_536
  const limit = 32 * 1024 * 1024
  const endless = {
    "a web Response": (count: { pulled: number }) =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            if (count.pulled >= limit) return controller.close()
            count.pulled += chunkSize
            controller.enqueue(new Uint8Array(chunkSize).fill(120))
          }
        })
      ),
    "a Node body": (count: { pulled: number }) =>
      new Readable({
        read() {
          if (count.pulled >= limit) return void this.push(null)
          count.pulled += chunkSize
          this.push(Buffer.alloc(chunkSize, 120))
        }
      }) as unknown as SourceBody
  }
  for (const [name, make] of Object.entries(endless)) {
    it(`${name} longer than announced: read to the collector's bounds, its head kept, not complete`, async () => {
      const count = { pulled: 0 }
      const body = await collectSource(make(count))
      expect(body.complete).toBe(false)
      expect(body.bytes.length).toBe(defaultKeep)
      expect(body.seenBytes).toBeLessThanOrEqual(defaultScanLimit + chunkSize)
      // What is still read after the collector stopped is what the body had buffered, no more.
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(count.pulled).toBeLessThan(defaultScanLimit + 4 * chunkSize)
    })
  }

  it("a caller's own Response whose body or reader throws: what came is kept, not complete; never throws nor rejects", async () => {
    class NoBody extends Response {
      override get body(): ReadableStream<Uint8Array<ArrayBuffer>> {
        throw new Error("no body here")
      }
    }
    const none = await collectSource(new NoBody("x"))
    expect([none.bytes.length, none.complete]).toEqual([0, false])
    // A reader that gives one chunk, then throws where it should reject.
    let reads = 0
    const chunk = new TextEncoder().encode("{\"error\":")
    const reader = {
      read: () => {
        if (reads++ === 0) return Promise.resolve({ done: false, value: chunk })
        throw new Error("broken reader")
      },
      cancel: () => Promise.resolve()
    }
    class BrokenReader extends Response {
      override get body(): ReadableStream<Uint8Array<ArrayBuffer>> {
        return { getReader: () => reader } as unknown as ReadableStream<Uint8Array<ArrayBuffer>>
      }
    }
    const broken = await collectSource(new BrokenReader("x"))
    expect([text(broken.bytes), broken.complete]).toEqual(["{\"error\":", false])
  })

  it("a web body locked by another reader keeps nothing, and does not throw", async () => {
    const response = new Response("x")
    response.body!.getReader()
    const collected = await collectSource(response)
    expect([collected.bytes.length, collected.complete]).toEqual([0, false])
  })

  it("a Node body closed before the read keeps nothing, and does not wait", async () => {
    const body = new Readable({ read() {} })
    body.on("error", () => {})
    body.destroy(new Error("reset"))
    await new Promise((resolve) => body.on("close", resolve))
    const collected = await collectSource(body as unknown as SourceBody)
    expect([collected.bytes.length, collected.complete]).toEqual([0, false])
  })

  it("readThroughPlatform: only a response whose memo fields are set", () => {
    expect(readThroughPlatform(new WebResponse(new Response("x")))).toBe(false)
    expect(readThroughPlatform(Object.assign(new WebResponse(new Response("x")), { arrayBufferBody: {} }))).toBe(true)
    expect(readThroughPlatform(Object.assign(new WebResponse(new Response("x")), { textBody: {} }))).toBe(true)
    expect(readThroughPlatform(null)).toBe(false)
  })
})
