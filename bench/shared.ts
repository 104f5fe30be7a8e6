/**
 * What the benchmark's client and server processes share.
 */

/** The number of data chunks (JSON events, `[DONE]` not counted) of the stream benchmark. */
export const streamChunks = 10_000

/** A pre-built chat stream in the gateway's shape: a first chunk with `choices: []` and `created: 0`, one chunk per word, a usage chunk, `[DONE]`. */
export const sseBody = (chunks: number): string => {
  const base = {
    id: "0123456789abcdef0123456789abcdef",
    object: "chat.completion.chunk",
    created: 1_764_000_000,
    model: "bench-model",
    system_fingerprint: ""
  }
  const words = chunks - 2
  const parts: Array<string> = [`data: ${JSON.stringify({ ...base, created: 0, choices: [] })}\n\n`]
  for (let i = 0; i < words; i++) {
    parts.push(
      `data: ${
        JSON.stringify({
          ...base,
          choices: [{
            index: 0,
            delta: i === 0 ? { role: "assistant", content: "w" } : { content: " w" },
            finish_reason: i === words - 1 ? "stop" : null,
            logprobs: null
          }]
        })
      }\n\n`
    )
  }
  const usage = {
    prompt_tokens: words,
    completion_tokens: words,
    total_tokens: 2 * words,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 }
  }
  parts.push(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`)
  parts.push("data: [DONE]\n\n")
  return parts.join("")
}

/** A user message that makes the double answer with exactly `chunks` data chunks: `echo:` and `chunks - 3` words, plus the first and the usage chunk. */
export const promptForChunks = (chunks: number): string => Array.from({ length: chunks - 3 }, () => "w").join(" ")

/** The chat completion every bench server and stub answers with. */
export const chatCompletion = {
  id: "0123456789abcdef0123456789abcdef",
  object: "chat.completion",
  created: 1_764_000_000,
  model: "bench-model",
  system_fingerprint: "",
  choices: [{ index: 0, message: { role: "assistant", content: "Hello, benchmark." }, finish_reason: "stop", logprobs: null }],
  usage: {
    prompt_tokens: 6,
    completion_tokens: 3,
    total_tokens: 9,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 }
  }
}

/** The 429 body of the A/B stubs (`bench/ab.ts`, `packages/effect4/bench/ab.ts`): the gateway's code 2007. */
export const limitedBody = JSON.stringify({
  error: { message: "requests per minute limit reached", type: "rate_limit_error", code: 2007 }
})

/** The pre-built stream as a web body delivered in pieces (`pieceSize` bytes), as the A/B stubs send it. */
export const ssePieces = (size: number = pieceSize): ReadableStream<Uint8Array> => {
  const sse = sseBytes()
  let offset = 0
  return new ReadableStream({
    pull(controller) {
      if (offset >= sse.length) return controller.close()
      controller.enqueue(sse.subarray(offset, offset + size))
      offset += size
    }
  })
}

/**
 * The size of the stub's pieces of a stream: 64 KiB (a body read as fast as the socket gives it), or
 * `BENCH_PIECE` bytes (512: about two events a read, as a gateway writing each token as it comes).
 */
const pieceSize = Number(process.env.BENCH_PIECE ?? 65_536)

let sseCache: Uint8Array | undefined
const sseBytes = (): Uint8Array => (sseCache ??= new TextEncoder().encode(sseBody(streamChunks)))

/** One side of an A/B (`bench/ab.ts`, `packages/effect4/bench/ab.ts`): runs `count` calls. */
export interface AbSide {
  readonly run: (count: number) => Promise<void>
}

const median = (xs: ReadonlyArray<number>): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/**
 * Two sides run in interleaved rounds (A then B, then B then A, ...) after one warm-up run each: the medians of
 * this process's CPU per unit (`calls` runs `units` of work, e.g. chunks) and the median of the per-round B/A ratios.
 */
export const interleaved = async (
  a: AbSide,
  b: AbSide,
  rounds: number,
  calls: number,
  units: number = calls
): Promise<{ readonly a: number; readonly b: number; readonly ratio: number }> => {
  await a.run(calls)
  await b.run(calls)
  const time = async (side: AbSide): Promise<number> => {
    ;(globalThis as { gc?: () => void }).gc?.()
    const start = process.cpuUsage()
    await side.run(calls)
    const used = process.cpuUsage(start)
    return (used.user + used.system) / units
  }
  const as: Array<number> = []
  const bs: Array<number> = []
  const ratios: Array<number> = []
  for (let round = 0; round < rounds; round++) {
    const first = round % 2 === 0 ? a : b
    const t1 = await time(first)
    const t2 = await time(first === a ? b : a)
    const [ta, tb] = first === a ? [t1, t2] : [t2, t1]
    as.push(ta)
    bs.push(tb)
    ratios.push(tb / ta)
  }
  return { a: median(as), b: median(bs), ratio: median(ratios) }
}
