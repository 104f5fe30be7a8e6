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
