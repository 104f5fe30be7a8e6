/**
 * The parts of `sky demo` that need no Effect, for both lines: its cases, what
 * it sends, and how it prints each outcome. Each line runs the cases with its
 * own client and its own exhaustive handler.
 *
 * @internal
 */
import type { FailureView } from "./command.js"
import { catalogue, type CatalogueEntry, type Tag, tags } from "./table.js"
import { shapes } from "./wire.js"

/**
 * What a case expects: a success, or a failure with this tag.
 *
 * @since 1.0.0
 * @category cases
 */
export type Expected = Tag | "success"

/**
 * One call of the demo.
 *
 * @since 1.0.0
 * @category cases
 */
export interface Case {
  readonly name: string
  /** The `x-sky-mock` fault spec, if any. */
  readonly fault?: string
  /** What the wire carried, as the demo prints it. */
  readonly shape: string
  readonly stream?: boolean
  /** The call's timeout, when the case needs a short one. */
  readonly timeoutMillis?: number
  /** Headers the caller adds to the request. */
  readonly headers?: Readonly<Record<string, string>>
  readonly expected: Expected
}

/**
 * What a case did, as the demo prints it.
 *
 * @since 1.0.0
 * @category cases
 */
export interface Outcome {
  readonly name: string
  /** What the wire carried and what the client made of it, e.g. "HTTP 429, OpenAI body -> RpmLimitExceeded". */
  readonly result: string
  /** The retry decision and what the handler did, as a sentence. */
  readonly detail: string
  readonly passed: boolean
}

/** How each body shape reads in the demo. */
const shapeNames: Readonly<Record<string, string>> = {
  gateway: "gateway envelope",
  anthropic: "Anthropic body",
  openai: "OpenAI body",
  problem: "problem+json body"
}

/** One case per code of the table, the four body shapes in turn. */
const tableCases: ReadonlyArray<Case> = tags.flatMap((tag, index) => {
  const meta: CatalogueEntry = catalogue[tag]
  if (meta.code === undefined) return []
  const shape = shapes[index % shapes.length]!
  return [{
    name: `code ${meta.code}`,
    fault: `error:${meta.code},shape=${shape},retry-after=1`,
    shape: shapeNames[shape] ?? shape,
    expected: tag
  }]
})

/**
 * The cases, in the order the demo runs them (the retried 2007 comes after them).
 *
 * @since 1.0.0
 * @category cases
 */
export const cases: ReadonlyArray<Case> = [
  { name: "chat completion", shape: "JSON", expected: "success" },
  { name: "chat stream", shape: "event stream", stream: true, expected: "success" },
  ...tableCases,
  { name: "HTML 502 from a proxy", fault: "html502", shape: "HTML page", expected: "UnknownGatewayError" },
  { name: "socket reset", fault: "reset-before-headers", shape: "no answer", expected: "ConnectionError" },
  { name: "stall past the timeout", fault: "stall", shape: "no answer", timeoutMillis: 300, expected: "RequestTimeout" },
  {
    name: "header with a line break",
    headers: { "x-note": "first line\r\nsecond line" },
    shape: "nothing sent",
    expected: "InvalidRequest"
  },
  { name: "truncated JSON", fault: "truncated-json", shape: "JSON cut in half", expected: "InvalidResponse" },
  { name: "error mid-stream", fault: "mid-stream-error:2003", shape: "event stream", stream: true, expected: "UpstreamTimeout" },
  { name: "stream cut short", fault: "stream-cut", shape: "event stream cut short", stream: true, expected: "InvalidResponse" }
]

/**
 * The request of every case.
 *
 * @since 1.0.0
 * @category cases
 */
export const request = {
  model: "sky-demo",
  messages: [{ role: "user" as const, content: "hello from the demo" }]
}

/** The wait the double asks for before each retry of the last case. */
const retryWaitMillis = 100

/**
 * The last case: this fault queued `times` times, then the retry policy gets through to an answer.
 *
 * @since 1.0.0
 * @category cases
 */
export const retryCase = {
  name: "code 2007 twice, then an answer",
  fault: `error:2007,retry-after-ms=${retryWaitMillis}`,
  times: 2,
  /** The `x-sky-attempt` of the three requests, in order. */
  attempts: "1,2,3"
} as const

/**
 * What a case did: the answer it got, or its failure and what the exhaustive handler did about it.
 *
 * @since 1.0.0
 * @category cases
 */
export type Result =
  | { readonly _tag: "Success"; readonly answer: string }
  | { readonly _tag: "Failure"; readonly failure: FailureView; readonly handled: string }

/**
 * A case's outcome from what the call gave, and whether it is what the case expects.
 *
 * @since 1.0.0
 * @category cases
 */
export const outcomeOf = (c: Case, result: Result): Outcome => {
  if (result._tag === "Success") {
    return {
      name: c.name,
      result: `HTTP 200, ${c.shape} -> success`,
      detail: `The answer: ${JSON.stringify(result.answer)}.`,
      passed: c.expected === "success"
    }
  }
  const { failure, handled } = result
  const retry = failure.retryable
    ? `Retryable${failure.retryAfter !== undefined ? `, after ${failure.retryAfter}` : ""}`
    : "Not retryable"
  return {
    name: c.name,
    result: `${failure.status === undefined ? "no HTTP status" : `HTTP ${failure.status}`}, ${c.shape} -> ${failure.tag}`,
    detail: `${retry}; the handler ${handled}.`,
    passed: failure.tag === c.expected
  }
}

/**
 * The retried case's outcome: what the call ended with (`"success"` or the failure's tag) and the
 * `x-sky-attempt` of the double's last requests.
 *
 * @since 1.0.0
 * @category cases
 */
export const retryOutcomeOf = (ended: Expected, attempts: ReadonlyArray<number | undefined>): Outcome => ({
  name: retryCase.name,
  result: `HTTP 429, 429, 200 -> ${ended}`,
  detail: `The client waited the ${retryWaitMillis} ms the server asked for before each retry: ${attempts.length} attempts.`,
  passed: ended === "success" && attempts.join(",") === retryCase.attempts
})

/**
 * The demo's output fits this many columns.
 *
 * @since 1.0.0
 * @category layout
 */
export const width = 100

/**
 * Breaks a text into lines of at most `columns` characters, at spaces; a
 * longer word gets a line of its own.
 *
 * @since 1.0.0
 * @category layout
 */
export const wrap = (text: string, columns: number, indent: string): Array<string> => {
  const lines: Array<string> = []
  let line = ""
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (line === "") line = indent + word
    else if (line.length + 1 + word.length <= columns) line += " " + word
    else {
      lines.push(line)
      line = indent + word
    }
  }
  if (line !== "") lines.push(line)
  return lines
}

/**
 * An outcome as the demo prints it: the verdict and the result, then the detail, within `width` columns; the
 * verdict green or red with `colour`.
 *
 * @since 1.0.0
 * @category layout
 */
export const render = (outcome: Outcome, colour: boolean): string => {
  const paint = (code: number, text: string): string => (colour ? `\u001b[${code}m${text}\u001b[0m` : text)
  const verdict = outcome.passed ? paint(32, "ok  ") : paint(31, "FAIL")
  return [
    ...wrap(`${outcome.name}: ${outcome.result}`, width - 5, "").map((line, i) =>
      i === 0 ? `${verdict} ${line}` : `     ${line}`
    ),
    ...wrap(outcome.detail, width, "     ")
  ].join("\n")
}

/**
 * The demo's last line.
 *
 * @since 1.0.0
 * @category layout
 */
export const summary = (passed: number, total: number): string => `${passed} of ${total} cases behaved as expected`
