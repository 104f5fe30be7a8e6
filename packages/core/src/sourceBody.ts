/**
 * A whole response body read straight from what the transport received, when the response is one of the
 * platform's own (fetch's web `Response`, or undici's body) and nothing has read it yet.
 *
 * The platforms memoise each read of a body for later readers (`arrayBuffer` and `text` are an `Effect.cached`
 * built through `Effect.runSync`: one fiber per response, run again when the read is awaited). The client reads a
 * body once, and nothing reads it after, so that memo is pure cost: over an in-process stub, 20 % of the CPU of a
 * call that ends in a 429. Any other response (a caller's own class, a wrapper, a body already read or being read
 * through the platform) is read through its own `arrayBuffer` or `text`, as before. An error body is read by
 * chunks (`collectSource`), so that a read cut short keeps what came. Plain TypeScript, no Effect: each line passes
 * its own platform's web response prototype.
 *
 * @internal
 */
import { type BodyCollector, type CollectedBody, defaultKeep, makeCollector, wholeBody } from "./boundedBody.js"

/**
 * What the body is read with: both a web `Response` and undici's body have these two methods.
 *
 * @since 1.0.0
 * @category models
 * @internal
 */
export interface SourceBody {
  arrayBuffer(): Promise<ArrayBuffer>
  text(): Promise<string>
}

/** A web body's reader: what `collectSource` reads of it. */
interface ChunkReader {
  read(): Promise<{ readonly done: boolean; readonly value?: unknown }>
  cancel(): Promise<void>
}

/** Undici's body (a Node `Readable`): what `collectSource` reads of it. */
interface NodeBody {
  on(event: string, listener: (value?: unknown) => void): unknown
  destroy?(): unknown
  readonly closed?: unknown
}

interface PlatformResponse {
  readonly source?: unknown
  readonly arrayBufferBody?: unknown
  readonly textBody?: unknown
  readonly formDataBody?: unknown
}

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

/** Whether the body can be read whole, both ways (its own methods, called on it by the line). */
const isReadable = (body: Record<string, unknown>): boolean =>
  typeof body.arrayBuffer === "function" && typeof body.text === "function"

/**
 * The body to read directly, or `undefined` when the response must be read through its own accessors.
 *
 * `webPrototype` is the prototype of the line's platform's web response (`HttpClientResponse.fromWeb`): a response
 * with exactly that prototype reads its web `Response`. `undiciClass` names the class of the platform's undici
 * response (`@effect/platform-node`, an optional peer, is not imported for this): a response of a class with that
 * name whose source has undici's shape (a numeric `statusCode`, a `body` with `bodyUsed`) reads that body. Either
 * only while no read has gone through the platform (its memo fields unset) and the body is not used.
 *
 * @since 1.0.0
 * @category reading
 * @internal
 */
export const sourceBody = (response: unknown, webPrototype: object, undiciClass: string): SourceBody | undefined => {
  if (!isObject(response) || readThroughPlatform(response)) return undefined
  const prototype: unknown = Object.getPrototypeOf(response)
  const source = (response as PlatformResponse).source
  if (!isObject(source)) return undefined
  if (prototype === webPrototype) {
    return typeof globalThis.Response === "function" && source instanceof globalThis.Response && !source.bodyUsed
      ? source
      : undefined
  }
  const constructor = isObject(prototype) || typeof prototype === "function"
    ? (prototype as { readonly constructor?: { readonly name?: unknown } }).constructor
    : undefined
  if (constructor?.name !== undiciClass || typeof source.statusCode !== "number") return undefined
  const body = source.body
  return isObject(body) && body.bodyUsed === false && isReadable(body) ? body as unknown as SourceBody : undefined
}

/**
 * Whether a read of the body already went through the platform (its memo fields set): the body is then read
 * through the platform's accessor again, which gives the memo, not through its stream, which was consumed.
 *
 * @since 1.0.0
 * @category reading
 * @internal
 */
export const readThroughPlatform = (response: unknown): boolean => {
  if (!isObject(response)) return false
  const platform = response as PlatformResponse
  return platform.arrayBufferBody !== undefined || platform.textBody !== undefined || platform.formDataBody !== undefined
}

/** The chunks read, as one body: one copy of them (a chunk may be a view of a larger buffer), as `arrayBuffer`. */
const joined = (parts: ReadonlyArray<Uint8Array>, size: number): CollectedBody => {
  if (parts.length === 1) return wholeBody(new Uint8Array(parts[0]!))
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const part of parts) {
    bytes.set(part, offset)
    offset += part.byteLength
  }
  return wholeBody(bytes)
}

/** The chunks that came before the read failed: kept (the collector's bounds), not complete. */
const cutShort = (parts: ReadonlyArray<Uint8Array>): CollectedBody => {
  const collector = makeCollector()
  for (const part of parts) if (!collector.push(part)) break
  return collector.result(true)
}

/** A whole body as its chunks come (`push`: false once it has seen enough), and what it is at the end or a failure. */
interface WholeBodyReader {
  readonly push: (chunk: Uint8Array) => boolean
  readonly result: (failed?: boolean) => CollectedBody
}

/**
 * The chunks are kept as they come and joined at the end, until they outgrow what a whole body keeps (a body longer
 * than announced: a caller's own transport need not hold a body to its length); from then on they go to a
 * collector, which bounds the rest of the read as the streaming collector does.
 */
const makeWholeBodyReader = (): WholeBodyReader => {
  let parts: Array<Uint8Array> = []
  let size = 0
  let collector: BodyCollector | undefined
  return {
    push: (chunk) => {
      if (collector !== undefined) return collector.push(chunk)
      parts.push(chunk)
      size += chunk.byteLength
      if (size <= defaultKeep) return true
      collector = makeCollector()
      const kept = parts
      parts = []
      for (const part of kept) if (!collector.push(part)) return false
      return true
    },
    result: (failed = false) =>
      collector !== undefined ? collector.result(failed) : failed ? cutShort(parts) : joined(parts, size)
  }
}

/** A web `Response`'s body, chunk by chunk from its reader. */
const collectWeb = (response: Response): Promise<CollectedBody> => {
  let reader: ChunkReader
  try {
    const stream = response.body
    if (stream === null) return Promise.resolve(joined([], 0))
    reader = stream.getReader()
  } catch {
    // Locked by another reader (or a caller's own class that throws): nothing can be read here.
    return Promise.resolve(cutShort([]))
  }
  const whole = makeWholeBodyReader()
  return new Promise((resolve) => {
    const failed = (): void => resolve(whole.result(true))
    const next = (chunk: { readonly done: boolean; readonly value?: unknown }): void => {
      if (chunk.done) return resolve(whole.result())
      const value = chunk.value
      if (value instanceof Uint8Array && value.byteLength > 0 && !whole.push(value)) {
        // Enough: the rest is not read (the stream is cancelled), what came is kept, not complete.
        try {
          reader.cancel().catch(ignore)
        } catch {
          // A caller's own reader that throws: nothing more is read either way.
        }
        return resolve(whole.result())
      }
      read()
    }
    // A reader that throws where it should reject (a caller's own class) fails the read the same way.
    const read = (): void => {
      try {
        reader.read().then(next, failed)
      } catch {
        failed()
      }
    }
    read()
  })
}

const ignore = (): void => {}

/** Undici's body, chunk by chunk from its `data` events (as its own `arrayBuffer` reads it); never rejects. */
const collectNode = (body: NodeBody): Promise<CollectedBody> =>
  new Promise((resolve) => {
    const whole = makeWholeBodyReader()
    let settled = false
    const settle = (result: () => CollectedBody) => (): void => {
      if (settled) return
      settled = true
      resolve(result())
    }
    const failed = (): CollectedBody => whole.result(true)
    // Closed already (destroyed before this read): no event will come.
    if (body.closed === true) return settle(failed)()
    body.on("data", (chunk) => {
      if (settled || !(chunk instanceof Uint8Array) || chunk.byteLength === 0) return
      if (!whole.push(chunk)) {
        // Enough: the rest is not read (the body is destroyed), what came is kept, not complete.
        settle(() => whole.result())()
        body.destroy?.()
      }
    })
    body.on("end", settle(() => whole.result()))
    // A reset or an abort: `error` (then `close`), or `close` alone; after `end`, `close` changes nothing.
    body.on("error", settle(failed))
    body.on("close", settle(failed))
  })

/**
 * The whole body `sourceBody` found, read chunk by chunk into one body (`wholeBody`, as `arrayBuffer` would give
 * it, with one copy); a read that fails keeps the chunks that came (`makeCollector`'s bounds), not complete. Never
 * rejects. A web `Response` is read from its reader; undici's body from its events. A body that outgrows what
 * is announced (a caller's own transport need not hold it to its length) goes on through a collector, and is read
 * no further than the collector's bounds (its rest cancelled), as the streaming collector reads it.
 *
 * @since 1.0.0
 * @category reading
 * @internal
 */
export const collectSource = (body: SourceBody): Promise<CollectedBody> =>
  typeof globalThis.Response === "function" && body instanceof globalThis.Response
    ? collectWeb(body)
    : collectNode(body as unknown as NodeBody)
