/**
 * A response body read with bounds: the first `keep` bytes are kept, and reading
 * stops at `scanLimit` bytes. (Minimal version; the wire helper's replaces it.)
 *
 * @internal
 */

/** @internal */
export interface CollectedBody {
  readonly _tag: "CollectedBody"
  readonly bytes: Uint8Array
  readonly complete: boolean
  readonly seenBytes: number
}

/** @internal */
export interface BodyCollector {
  /** Takes one chunk; false: stop reading. */
  readonly push: (chunk: Uint8Array) => boolean
  readonly result: () => CollectedBody
}

/** @internal */
export const makeCollector = (options?: { readonly keep?: number; readonly scanLimit?: number }): BodyCollector => {
  const keep = options?.keep ?? 65_536
  const scanLimit = options?.scanLimit ?? 8 * 1024 * 1024
  const kept: Array<Uint8Array> = []
  let keptBytes = 0
  let seenBytes = 0
  let stopped = false
  return {
    push: (chunk) => {
      if (stopped) return false
      seenBytes += chunk.byteLength
      if (keptBytes < keep) {
        const part = chunk.byteLength <= keep - keptBytes ? chunk : chunk.subarray(0, keep - keptBytes)
        kept.push(part)
        keptBytes += part.byteLength
      }
      if (seenBytes >= scanLimit) stopped = true
      return !stopped
    },
    result: () => {
      const bytes = kept.length === 1 ? kept[0]! : new Uint8Array(keptBytes)
      if (kept.length !== 1) {
        let offset = 0
        for (const part of kept) {
          bytes.set(part, offset)
          offset += part.byteLength
        }
      }
      return { _tag: "CollectedBody", bytes, complete: !stopped && seenBytes === keptBytes, seenBytes }
    }
  }
}

/** @internal */
export const isCollectedBody = (u: unknown): u is CollectedBody =>
  typeof u === "object" && u !== null && (u as { _tag?: unknown })._tag === "CollectedBody" &&
  (u as { bytes?: unknown }).bytes instanceof Uint8Array
