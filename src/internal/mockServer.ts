/**
 * The request handler of `SkyMock`, on `node:http`: routing, key checks,
 * rate limits, faults, and the answers.
 *
 * @internal
 */
import type * as Http from "node:http"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as SkyError from "../SkyError.js"
import * as SkyWire from "../SkyWire.js"
import * as Bodies from "../../packages/core/src/mockBodies.js"
import * as MockFault from "./mockFault.js"
import { isRecord } from "../../packages/core/src/json.js"
import * as Evidence from "../../packages/core/src/evidence.js"

// Type-only: the public module owns (and documents) the shape of a recorded request.
import type { RecordedRequest } from "../SkyMock.js"

/** @internal */
export interface Config {
  readonly apiKeys: ReadonlyArray<string> | undefined
  readonly rpm: number | undefined
  readonly tpm: number | undefined
  readonly defaultShape: SkyWire.Shape | undefined
  /** How many records `requests` keeps (the newest); older ones are dropped. */
  readonly maxRecords: number
  /** How many characters of each request body a record keeps. */
  readonly recordBodyLimit: number
}

/** Default of `Options.maxRecords`. */
export const defaultMaxRecords = 1000

/** Default of `Options.recordBodyLimit`: 64 KiB of text, as `SkyWire.bodyLimit` keeps of an error body. */
export const defaultRecordBodyLimit = 64 * 1024

interface Usage {
  readonly at: number
  readonly tokens: number
}

/** The double's mutable state. */
export interface State {
  readonly queue: Array<MockFault.Fault>
  readonly records: Array<RecordedRequest>
  readonly usage: Map<string, Array<Usage>>
  readonly timers: Set<ReturnType<typeof setTimeout>>
  closed: boolean
}

/** @internal */
export const makeState = (): State => ({ queue: [], records: [], usage: new Map(), timers: new Set(), closed: false })

/** The header that picks a fault for one request. */
export const faultHeader = "x-sky-mock"

/** The model prefix that picks a fault for one request: `sky-mock/<spec>`. */
export const faultModelPrefix = "sky-mock/"

/** The text that replaces secret header values in the recorded requests. */
export const redacted = Evidence.redactedText

const keyPattern = /^ak-[A-Za-z0-9]{32}$/

const window = 60_000

const nginx502 = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
`

/**
 * The headers that carry the request id on every answer: `x-request-id`, and
 * `request-id`, which the official Anthropic SDK reads (its `requestID`).
 */
const idHeaders = (requestId: string): Record<string, string> => ({ "x-request-id": requestId, "request-id": requestId })

interface Route {
  readonly surface: Bodies.Surface
  /** The model named in the path (Gemini). */
  readonly pathModel?: string
  /** Streamed by its path (Gemini's `:streamGenerateContent`). */
  readonly pathStream?: boolean
}

const routeOf = (method: string, pathname: string): Route | undefined => {
  if (method !== "POST") return undefined
  switch (pathname) {
    case "/v1/chat/completions":
      return { surface: "chat" }
    case "/v1/responses":
      return { surface: "responses" }
    case "/v1/messages":
      return { surface: "messages" }
    case "/v1/embeddings":
      return { surface: "embeddings" }
  }
  const gemini = /^\/v1beta\/models\/(.+):(generateContent|streamGenerateContent)$/.exec(pathname)
  if (gemini !== null) {
    let model: string
    try {
      model = decodeURIComponent(gemini[1]!)
    } catch {
      model = gemini[1]!
    }
    return { surface: "gemini", pathModel: model, pathStream: gemini[2] === "streamGenerateContent" }
  }
  return undefined
}


const headerValue = (value: string | ReadonlyArray<string> | undefined): string | undefined =>
  value === undefined ? undefined : typeof value === "string" ? value : value.join(", ")

const keyOf = (req: Http.IncomingMessage): string | undefined => {
  const authorization = headerValue(req.headers.authorization)
  const bearer = authorization === undefined ? undefined : /^\s*Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1]
  return bearer ?? headerValue(req.headers["x-api-key"])?.trim()
}

/** The request's headers as recorded: lower-cased, with the same redaction the client's errors use. */
const recordedHeaders = (req: Http.IncomingMessage): Record<string, string> =>
  Evidence.redactHeaders(Evidence.normalizeHeaders(req.headers), [])

const attemptOf = (req: Http.IncomingMessage): number | undefined => {
  const value = headerValue(req.headers["x-sky-attempt"])
  return value !== undefined && /^\s*\d+\s*$/.test(value) ? Number(value) : undefined
}

/** Builds a table error through its public class, as any service would. */
const tableError = (
  code: SkyError.Code,
  props: {
    readonly requestId: string
    readonly message?: string | undefined
    readonly retryAfterMillis?: number | undefined
    readonly shouldRetry?: boolean | undefined
  }
): SkyError.SkyError => {
  const tag = SkyError.entryOfCode(code)!.tag
  const Class = SkyError.classes[tag] as unknown as new(props: Record<string, unknown>) => SkyError.SkyError
  return new Class({
    requestId: props.requestId,
    ...(props.message !== undefined ? { message: props.message } : {}),
    ...(props.retryAfterMillis !== undefined ? { retryAfter: Duration.millis(props.retryAfterMillis) } : {}),
    ...(props.shouldRetry !== undefined ? { shouldRetry: props.shouldRetry } : {})
  })
}

/** Builds the request handler over a state. */
export const makeHandler = (config: Config, state: State) => {
  const sleep = (millis: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        state.timers.delete(timer)
        resolve()
      }, millis)
      state.timers.add(timer)
    })

  const isValidKey = (key: string | undefined): boolean =>
    key !== undefined && (config.apiKeys === undefined ? keyPattern.test(key) : config.apiKeys.includes(key))

  const shapeFor = (route: Route | undefined): SkyWire.Shape =>
    config.defaultShape ?? (route?.surface === "messages" ? "anthropic" : "gateway")

  const handle = async (req: Http.IncomingMessage, res: Http.ServerResponse, requestId: string): Promise<void> => {

    const chunks: Array<Buffer> = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString("utf8")
    let body: unknown = text
    let isJson = false
    if (text.length > 0) {
      try {
        body = JSON.parse(text)
        isJson = true
      } catch {
        // kept as text
      }
    }

    const method = req.method ?? "GET"
    const rawPath = req.url ?? "/"
    const url = new URL(rawPath, "http://mock.invalid")
    const route = routeOf(method, url.pathname)
    const model = route?.pathModel ?? (isJson && isRecord(body) && typeof body.model === "string" ? body.model : undefined)

    // The fault: queued first, then the header, then the model name.
    let fault: MockFault.Fault | undefined
    let invalidFault: string | undefined
    const queued = state.queue.shift()
    if (queued !== undefined) {
      fault = queued
    } else {
      const header = headerValue(req.headers[faultHeader])
      const fromHeader = header !== undefined && header.trim() !== ""
      const spec = fromHeader
        ? header
        : model !== undefined && model.startsWith(faultModelPrefix)
        ? model.slice(faultModelPrefix.length)
        : undefined
      if (spec !== undefined) {
        const parsed = MockFault.parseFault(spec)
        if (Either.isRight(parsed)) fault = parsed.right
        else invalidFault = `invalid fault spec "${spec}" in ${fromHeader ? `the ${faultHeader} header` : "the model name"}: ${parsed.left}`
      }
    }

    const key = keyOf(req)
    // What is kept is bounded: the newest `maxRecords` records, each body cut to `recordBodyLimit` characters.
    const bodyTruncated = text.length > config.recordBodyLimit
    if (config.maxRecords > 0) {
      state.records.push({
        method,
        path: rawPath,
        headers: recordedHeaders(req),
        authorized: isValidKey(key),
        body: bodyTruncated ? text.slice(0, config.recordBodyLimit) : body,
        bodyTruncated,
        attempt: attemptOf(req),
        fault: fault === undefined ? undefined : MockFault.formatFault(fault),
        requestId
      })
      if (state.records.length > config.maxRecords) state.records.splice(0, state.records.length - config.maxRecords)
    }

    const sendText = (status: number, headers: Record<string, string>, payload: string): void => {
      if (res.destroyed || res.headersSent) return
      res.writeHead(status, {
        ...headers,
        ...idHeaders(requestId),
        "content-length": String(Buffer.byteLength(payload))
      })
      res.end(payload)
    }
    const sendError = (error: SkyError.SkyError, shape: SkyWire.Shape = shapeFor(route)): void => {
      const wire = SkyWire.encodeError(error, { shape })
      sendText(wire.status, { ...wire.headers }, wire.body)
    }
    const sendCode = (
      code: SkyError.Code,
      props: { message?: string | undefined; retryAfterMillis?: number | undefined; shouldRetry?: boolean | undefined } = {},
      shape?: SkyWire.Shape
    ): void => sendError(tableError(code, { requestId, ...props }), shape)

    if (invalidFault !== undefined) {
      return sendError(
        new SkyError.UnknownGatewayError({ status: 400, message: invalidFault, errorType: "SkyMockInvalidFault", requestId }),
        config.defaultShape ?? "gateway"
      )
    }

    // Faults that replace the answer.
    if (fault !== undefined) {
      switch (fault._tag) {
        case "Latency":
          await sleep(fault.millis)
          if (state.closed || res.destroyed) return
          break
        case "Stall":
          return
        case "ResetBeforeHeaders":
          return resetSocket(req.socket)
        case "Html502":
          return sendText(502, { "content-type": "text/html", server: "nginx" }, nginx502)
        case "ErrorResponse":
          return sendCode(fault.code, fault, fault.shape)
        case "Oversize":
          return sendText(500, { "content-type": "application/json" }, oversizeBody(fault.bytes, requestId))
        default:
          break
      }
    }

    if (route === undefined) {
      return sendError(
        new SkyError.UnknownGatewayError({
          status: 404,
          message: `no route for ${method} ${url.pathname}`,
          errorType: "NotFound",
          requestId
        }),
        config.defaultShape ?? "gateway"
      )
    }
    if (!isValidKey(key)) {
      const shape = shapeFor(route)
      // Codes 2101-2106 carry the table's fixed English message on every surface.
      return sendCode(2101, {}, shape)
    }
    if (!isJson || !isRecord(body)) {
      return sendCode(2005, {
        message: text.length === 0
          ? "the request body is empty: send a JSON object"
          : "the request body could not be parsed: it is not a JSON object"
      })
    }
    if (model === undefined || model.trim() === "") {
      return sendCode(2004, { message: "the model parameter is required" })
    }
    const name = model.startsWith("models/") ? model.slice("models/".length) : model
    if (name === "unknown-model" || name.startsWith("missing-")) {
      return sendCode(2104)
    }

    const answer = Bodies.answerOf(route.surface, model, Bodies.promptOf(route.surface, body))
    const limited = checkLimits(key!, answer.promptTokens + answer.completionTokens)
    if (limited !== undefined) return sendCode(limited.code, limited)

    const streamed = route.surface !== "embeddings" && (route.pathStream ?? body.stream === true)
    if (!streamed) {
      const payload = JSON.stringify(Bodies.plainBody(route.surface, answer, body))
      const headers = { "content-type": "application/json; charset=utf-8" }
      switch (fault?._tag) {
        case "ResetMidBody": {
          res.writeHead(200, {
            ...headers,
            ...idHeaders(requestId),
            "content-length": String(Buffer.byteLength(payload))
          })
          return destroyAfter(res, payload.slice(0, Math.floor(payload.length / 2)))
        }
        case "TruncatedJson":
        case "StreamCut":
          return sendText(200, headers, payload.slice(0, Math.floor(payload.length / 2)))
        case "MidStreamError":
          return sendCode(fault.code, fault)
        default:
          return sendText(200, headers, payload)
      }
    }

    const plan = Bodies.streamPlan(route.surface as Exclude<Bodies.Surface, "embeddings">, answer, body)
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      ...idHeaders(requestId)
    })
    switch (fault?._tag) {
      case "ResetMidBody": {
        const half = plan.prefix(Math.max(1, Math.floor(plan.events.length / 2)))
        return destroyAfter(res, half.map(Bodies.encodeEvent).join(""))
      }
      case "TruncatedJson": {
        const first = plan.prefix(1)[0] ?? plan.events[0]!
        const cut = { ...first, data: first.data.slice(0, Math.floor(first.data.length / 2)) }
        res.end(Bodies.encodeEvent(cut))
        return
      }
      case "StreamCut": {
        res.end(plan.prefix(fault.after).map(Bodies.encodeEvent).join(""))
        return
      }
      case "MidStreamError": {
        const events = plan.prefix(fault.after)
        const error = tableError(fault.code, { requestId, message: fault.message })
        const bodies = {
          gateway: SkyWire.encodeError(error, { shape: "gateway" }).body,
          anthropic: SkyWire.encodeError(error, { shape: "anthropic" }).body
        }
        res.end([...events, plan.error(bodies, events.length)].map(Bodies.encodeEvent).join(""))
        return
      }
      default:
        res.end(plan.events.map(Bodies.encodeEvent).join(""))
        return
    }
  }

  /** Per-key limits over a sliding window of 60 s; an accepted request is counted with its tokens. */
  const checkLimits = (
    key: string,
    tokens: number
  ): { code: 2007 | 2008; message: string; retryAfterMillis?: number; shouldRetry?: boolean } | undefined => {
    const now = Date.now()
    const entries = (state.usage.get(key) ?? []).filter((u) => now - u.at < window)
    state.usage.set(key, entries)
    if (config.rpm !== undefined && entries.length >= config.rpm) {
      const oldest = entries[entries.length - config.rpm]!
      return {
        code: 2007,
        message: `requests per minute limit reached: ${entries.length} requests in the last 60 s (limit ${config.rpm})`,
        retryAfterMillis: Math.max(1, oldest.at + window - now)
      }
    }
    if (config.tpm !== undefined) {
      const used = entries.reduce((sum, u) => sum + u.tokens, 0)
      if (used + tokens > config.tpm) {
        if (tokens > config.tpm) {
          return {
            code: 2008,
            message: `tokens per minute limit: this request needs ${tokens} tokens, more than the limit of ${config.tpm}`,
            shouldRetry: false
          }
        }
        let freed = 0
        let wait = window
        for (const u of entries) {
          freed += u.tokens
          if (used - freed + tokens <= config.tpm) {
            wait = u.at + window - now
            break
          }
        }
        return {
          code: 2008,
          message: `tokens per minute limit reached: ${used} tokens in the last 60 s, this request needs ${tokens} (limit ${config.tpm})`,
          retryAfterMillis: Math.max(1, wait)
        }
      }
    }
    entries.push({ at: now, tokens })
    return undefined
  }

  /** Writes the text, then destroys the socket once it is flushed and the client had a moment to read it. */
  const destroyAfter = (res: Http.ServerResponse, text: string): void => {
    res.write(text, () => {
      void sleep(20).then(() => res.socket?.destroy())
    })
  }

  return (req: Http.IncomingMessage, res: Http.ServerResponse): void => {
    const requestId = Bodies.hex32()
    res.on("error", () => {})
    handle(req, res, requestId).catch((cause: unknown) => {
      if (res.headersSent || res.destroyed) {
        res.destroy()
        return
      }
      // A bug of the double itself (or a client that went away mid-body): still an answer in the gateway's format.
      const wire = SkyWire.encodeError(
        new SkyError.InternalError({ message: `SkyMock failed: ${String(cause)}`, requestId }),
        { shape: "gateway" }
      )
      res.writeHead(wire.status, {
        ...wire.headers,
        ...idHeaders(requestId),
        "content-length": String(Buffer.byteLength(wire.body))
      })
      res.end(wire.body)
    })
  }
}

const resetSocket = (socket: Http.IncomingMessage["socket"]): void => {
  if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy()
  else socket.destroy()
}

/** A 500 gateway envelope (code 2105) padded to exactly `bytes` bytes when it can be. */
const oversizeBody = (bytes: number, requestId: string): string => {
  const envelope = (message: string) =>
    SkyWire.encodeError(new SkyError.InternalError({ message, requestId }), { shape: "gateway" }).body
  const prefix = "oversize error body "
  const base = Buffer.byteLength(envelope(prefix))
  return envelope(prefix + "x".repeat(Math.max(0, bytes - base)))
}
