/**
 * The double of the gateway (`SkyMock`), on `node:http`, without Effect: the server, routing, key checks, rate
 * limits, faults, records and the answers. A line wraps it: it starts it (`createServer`, `listen`) and stops it
 * (`close`) in its own resource scope, and exposes `enqueue` / `recordsOf` / `clear` as its service.
 *
 * @internal
 */
import * as Http from "node:http"
import type * as Net from "node:net"
import { sizeOr } from "./boundedBody.js"
import * as Evidence from "./evidence.js"
import { isRecord } from "./json.js"
import * as Bodies from "./mockBodies.js"
import * as MockFault from "./mockFault.js"
import { type Code, entryOfCode } from "./table.js"
import * as Wire from "./wire.js"

/**
 * The double's settings.
 *
 * @since 1.0.0
 * @category models
 * @internal
 */
export interface Options {
  /** Default 0: a free port. */
  readonly port?: number | undefined
  /** Default `127.0.0.1`. */
  readonly host?: string | undefined
  /** When given, only these keys are accepted; otherwise any key of the form `ak-` and 32 letters or digits. */
  readonly apiKeys?: ReadonlyArray<string> | undefined
  /** Requests per minute per key (sliding 60 s window); above it, 2007. */
  readonly rpm?: number | undefined
  /** Tokens (prompt and answer) per minute per key (sliding 60 s window); above it, 2008. */
  readonly tpm?: number | undefined
  /** The shape of the errors the double makes itself; default Anthropic on `/v1/messages`, gateway elsewhere. */
  readonly defaultShape?: Wire.Shape | undefined
  /**
   * How many requests `requests` keeps, the newest (default 1,000; 0 keeps none). A value that is not a
   * non-negative number is the default; a fraction is rounded down.
   */
  readonly maxRecords?: number | undefined
  /** How many characters of each request body a record keeps (default 64 KiB); validated like `maxRecords`. */
  readonly recordBodyLimit?: number | undefined
}

/**
 * A request as the double received it.
 *
 * @since 1.0.0
 * @category models
 * @internal
 */
export interface RecordedRequest {
  readonly method: string
  /** The path and query as sent, e.g. `/v1beta/models/m:streamGenerateContent?alt=sse`. */
  readonly path: string
  /** The headers, lower-cased; `authorization` and `x-api-key` read `<redacted>`. */
  readonly headers: Readonly<Record<string, string>>
  /** Whether the request carried a key the double accepts. */
  readonly authorized: boolean
  /**
   * The parsed JSON body, or the raw text when it is not JSON (`""` when empty). A body longer than
   * `recordBodyLimit` characters is its first `recordBodyLimit` characters, as text.
   */
  readonly body: unknown
  /** Whether `body` was cut to `recordBodyLimit`. */
  readonly bodyTruncated: boolean
  /** The `x-sky-attempt` header as a number. */
  readonly attempt: number | undefined
  /** The canonical spec of the fault applied to this request (`formatFault`). */
  readonly fault: string | undefined
  /** The `x-request-id` the double answered with. */
  readonly requestId: string
}

/**
 * The settings the handler runs with (`configOf` an `Options`).
 *
 * @since 1.0.0
 * @category models
 * @internal
 */
export interface Config {
  readonly apiKeys: ReadonlyArray<string> | undefined
  readonly rpm: number | undefined
  readonly tpm: number | undefined
  readonly defaultShape: Wire.Shape | undefined
  /** How many records `requests` keeps (the newest); older ones are dropped. */
  readonly maxRecords: number
  /** How many characters of each request body a record keeps. */
  readonly recordBodyLimit: number
}

/**
 * Default of `Options.maxRecords`.
 *
 * @since 1.0.0
 * @category constants
 * @internal
 */
export const defaultMaxRecords = 1000

/**
 * Default of `Options.recordBodyLimit`: 64 KiB of text, as `defaultBodyLimit` keeps of an error body.
 *
 * @since 1.0.0
 * @category constants
 * @internal
 */
export const defaultRecordBodyLimit = 64 * 1024

/**
 * The handler's settings from the options: the record bounds validated (`sizeOr`), their defaults filled in.
 *
 * @since 1.0.0
 * @category constructors
 * @internal
 */
export const configOf = (options: Options): Config => ({
  apiKeys: options.apiKeys,
  rpm: options.rpm,
  tpm: options.tpm,
  defaultShape: options.defaultShape,
  maxRecords: sizeOr(options.maxRecords, defaultMaxRecords),
  recordBodyLimit: sizeOr(options.recordBodyLimit, defaultRecordBodyLimit)
})

interface Usage {
  readonly at: number
  readonly tokens: number
}

/**
 * The double's mutable state.
 *
 * @since 1.0.0
 * @category models
 * @internal
 */
export interface State {
  readonly queue: Array<MockFault.Fault>
  readonly records: Array<RecordedRequest>
  readonly usage: Map<string, Array<Usage>>
  readonly timers: Set<ReturnType<typeof setTimeout>>
  closed: boolean
}

/**
 * A fresh state: no faults queued, no records, no usage.
 *
 * @since 1.0.0
 * @category constructors
 * @internal
 */
export const makeState = (): State => ({ queue: [], records: [], usage: new Map(), timers: new Set(), closed: false })

/**
 * The header that picks a fault for one request.
 *
 * @since 1.0.0
 * @category constants
 * @internal
 */
export const faultHeader = "x-sky-mock"

/**
 * The model prefix that picks a fault for one request: `sky-mock/<spec>`.
 *
 * @since 1.0.0
 * @category constants
 * @internal
 */
export const faultModelPrefix = "sky-mock/"

/**
 * The text that replaces secret header values in the recorded requests.
 *
 * @since 1.0.0
 * @category constants
 * @internal
 */
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

/** A table error as plain data, with the fields its class would default (code, status by the table). */
const tableError = (
  code: Code,
  props: {
    readonly requestId: string
    readonly message?: string | undefined
    readonly retryAfterMillis?: number | undefined
    readonly shouldRetry?: boolean | undefined
  }
): Wire.WireError => ({
  tag: entryOfCode(code)!.tag,
  fields: {
    code,
    requestId: props.requestId,
    ...(props.message !== undefined ? { message: props.message } : {}),
    ...(props.retryAfterMillis !== undefined ? { retryAfterMillis: props.retryAfterMillis } : {}),
    ...(props.shouldRetry !== undefined ? { shouldRetry: props.shouldRetry } : {})
  }
})

/**
 * Builds the request handler over a state.
 *
 * @since 1.0.0
 * @category constructors
 * @internal
 */
export const makeHandler = (
  config: Config,
  state: State
): (req: Http.IncomingMessage, res: Http.ServerResponse) => void => {
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

  const shapeFor = (route: Route | undefined): Wire.Shape =>
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
        if (parsed._tag === "Right") fault = parsed.right
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
    const sendError = (error: Wire.WireError, shape: Wire.Shape = shapeFor(route)): void => {
      const wire = Wire.encodeError(error, { shape })
      sendText(wire.status, { ...wire.headers }, wire.body)
    }
    const sendCode = (
      code: Code,
      props: { message?: string | undefined; retryAfterMillis?: number | undefined; shouldRetry?: boolean | undefined } = {},
      shape?: Wire.Shape
    ): void => sendError(tableError(code, { requestId, ...props }), shape)

    if (invalidFault !== undefined) {
      return sendError(
        {
          tag: "UnknownGatewayError",
          fields: { status: 400, message: invalidFault, errorType: "SkyMockInvalidFault", requestId }
        },
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
        {
          tag: "UnknownGatewayError",
          fields: { status: 404, message: `no route for ${method} ${url.pathname}`, errorType: "NotFound", requestId }
        },
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
          gateway: Wire.encodeError(error, { shape: "gateway" }).body,
          anthropic: Wire.encodeError(error, { shape: "anthropic" }).body
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
      const wire = Wire.encodeError(
        tableError(2105, { message: `SkyMock failed: ${String(cause)}`, requestId }),
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
    Wire.encodeError(tableError(2105, { message, requestId }), { shape: "gateway" }).body
  const prefix = "oversize error body "
  const base = Buffer.byteLength(envelope(prefix))
  return envelope(prefix + "x".repeat(Math.max(0, bytes - base)))
}

/**
 * Why the server could not listen (the port is taken, the host is not local, ...): a line turns it into its own
 * error (`SkyMockListenError`).
 *
 * @since 1.0.0
 * @category errors
 * @internal
 */
export interface ListenFailure {
  readonly host: string
  readonly port: number
  /** The system's error code, e.g. `EADDRINUSE`. */
  readonly code: string | undefined
  readonly message: string
  readonly cause: unknown
}

/**
 * The double's server over a state (not listening yet): the handler of `makeHandler`, and client errors
 * (malformed requests) answered by destroying the socket.
 *
 * @since 1.0.0
 * @category constructors
 * @internal
 */
export const createServer = (options: Options, state: State): Http.Server => {
  const server = Http.createServer(makeHandler(configOf(options), state))
  server.on("clientError", (_error, socket) => socket.destroy())
  return server
}

/**
 * Listens on `host:port` (0: a free port): calls `onDone` exactly once, with the port bound or with the failure.
 * A callback rather than a promise, so that a line can resume its own effect synchronously.
 *
 * @since 1.0.0
 * @category constructors
 * @internal
 */
export const listen = (
  server: Http.Server,
  host: string,
  port: number,
  onDone: (result: { readonly _tag: "Right"; readonly right: number } | { readonly _tag: "Left"; readonly left: ListenFailure }) => void
): void => {
  const fail = (error: NodeJS.ErrnoException): void =>
    onDone({
      _tag: "Left",
      left: { host, port, code: error.code, message: `SkyMock could not listen on ${host}:${port}: ${error.message}`, cause: error }
    })
  const onError = (error: NodeJS.ErrnoException): void => {
    server.removeListener("listening", onListening)
    fail(error)
  }
  const onListening = (): void => {
    server.removeListener("error", onError)
    onDone({ _tag: "Right", right: (server.address() as Net.AddressInfo).port })
  }
  server.once("error", onError)
  server.once("listening", onListening)
  try {
    server.listen(port, host)
  } catch (error) {
    // an invalid port throws instead of emitting "error"
    server.removeListener("error", onError)
    server.removeListener("listening", onListening)
    fail(error as NodeJS.ErrnoException)
  }
}

/**
 * Stops the double: pending timers cleared, every connection closed (idle keep-alive sockets, stalled requests
 * and streams in progress alike); `onClosed` once the server is closed.
 *
 * @since 1.0.0
 * @category constructors
 * @internal
 */
export const close = (server: Http.Server, state: State, onClosed: () => void): void => {
  state.closed = true
  for (const timer of state.timers) clearTimeout(timer)
  state.timers.clear()
  server.close(() => onClosed())
  server.closeAllConnections()
}

/**
 * The base URL of a double listening on `host:port` (an IPv6 host in brackets), without a trailing slash.
 *
 * @since 1.0.0
 * @category accessors
 * @internal
 */
export const urlOf = (host: string, port: number): string => `http://${host.includes(":") ? `[${host}]` : host}:${port}`

/**
 * Queues a fault for the next `times` requests; queued faults come before the header and the model name.
 *
 * @since 1.0.0
 * @category faults
 * @internal
 */
export const enqueue = (state: State, fault: MockFault.Fault, times: number = 1): void => {
  for (let i = 0; i < times; i++) state.queue.push(fault)
}

/**
 * The requests received, oldest first (a copy).
 *
 * @since 1.0.0
 * @category accessors
 * @internal
 */
export const recordsOf = (state: State): ReadonlyArray<RecordedRequest> => state.records.slice()

/**
 * Forgets the recorded requests, the queued faults and the rate-limit windows.
 *
 * @since 1.0.0
 * @category faults
 * @internal
 */
export const clear = (state: State): void => {
  state.records.length = 0
  state.queue.length = 0
  state.usage.clear()
}
