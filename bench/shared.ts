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

/** The pre-built stream as a web body delivered in 64 KiB pieces, as the A/B stubs send it. */
export const ssePieces = (): ReadableStream<Uint8Array> => {
  const sse = sseBytes()
  let offset = 0
  return new ReadableStream({
    pull(controller) {
      if (offset >= sse.length) return controller.close()
      controller.enqueue(sse.subarray(offset, offset + 65_536))
      offset += 65_536
    }
  })
}

let sseCache: Uint8Array | undefined
const sseBytes = (): Uint8Array => (sseCache ??= new TextEncoder().encode(sseBody(streamChunks)))
