/**
 * A whole response body read straight from what the transport received, when the response is one of the
 * platform's own (fetch's web `Response`, or undici's body) and nothing has read it yet.
 *
 * The platforms memoise each read of a body for later readers (`arrayBuffer` and `text` are an `Effect.cached`
 * built through `Effect.runSync`: one fiber per response, run again when the read is awaited). The client reads a
 * body once, and nothing reads it after, so that memo is pure cost: over an in-process stub, 20 % of the CPU of a
 * call that ends in a 429. Any other response (a caller's own class, a wrapper, a body already read or being read
 * through the platform) is read through its own `arrayBuffer` or `text`, as before. Plain TypeScript, no Effect:
 * each line passes its own platform's web response prototype.
 *
 * @internal
 */

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
  if (!isObject(response)) return undefined
  const platform = response as PlatformResponse
  if (platform.arrayBufferBody !== undefined || platform.textBody !== undefined || platform.formDataBody !== undefined) {
    return undefined
  }
  const prototype: unknown = Object.getPrototypeOf(response)
  const source = platform.source
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
