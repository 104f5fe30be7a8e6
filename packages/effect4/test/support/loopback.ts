/**
 * Test support: a loopback `node:http` server that records what it gets, the two transports every client test
 * runs over, and a tracer that keeps every span.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Exit, Tracer } from "effect"
import type * as Scope from "effect/Scope"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import type * as HttpClient from "effect/http/HttpClient"
import type { Layer } from "effect"
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { inspect } from "node:util"

/** One request as the server saw it. */
export interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/** Answers one request; the body has been read whole. */
export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void

/** A running loopback server. */
export interface Loopback {
  readonly url: string
  readonly seen: Array<Seen>
  readonly server: Server
}

/** A loopback server on 127.0.0.1 that records every request; stopped with the scope. */
export const serve = (handler: Handler): Effect.Effect<Loopback, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<Loopback>((resume) => {
      const seen: Array<Seen> = []
      const server = createServer((req, res) => {
        const parts: Array<Buffer> = []
        req.on("data", (part: Buffer) => parts.push(part))
        req.on("end", () => {
          const body = Buffer.concat(parts).toString("utf8")
          seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body })
          handler(req, res, body)
        })
      })
      server.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server })))
    }),
    ({ server }) =>
      Effect.callback<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

/** The two transports every client test runs over. */
export const transports: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["undici", NodeHttpClient.layerUndici],
  ["fetch", FetchHttpClient.layer]
]

/** A span as the recording tracer kept it. */
export interface RecordedSpan {
  readonly name: string
  readonly attributes: Map<string, unknown>
  readonly events: Array<unknown>
  exit?: Exit.Exit<unknown, unknown>
  readonly span: Tracer.Span
}

/** A tracer that keeps every span: name, attributes, events and exit. */
export const recordingTracer = (): { readonly spans: Array<RecordedSpan>; readonly tracer: Tracer.Tracer } => {
  const spans: Array<RecordedSpan> = []
  let next = 0
  const tracer = Tracer.make({
    span({ annotations, kind, links, name, parent, sampled, startTime }) {
      const attributes = new Map<string, unknown>()
      const events: Array<unknown> = []
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: (next++).toString(16).padStart(16, "0"),
        traceId: "0123456789abcdef0123456789abcdef",
        parent,
        annotations,
        status: { _tag: "Started", startTime },
        attributes,
        links,
        sampled,
        kind,
        end: (_endTime, exit) => {
          record.exit = exit
        },
        attribute: (k, v) => {
          attributes.set(k, v)
        },
        event: (eventName, _startTime, eventAttributes) => {
          events.push({ eventName, eventAttributes })
        },
        addLinks: () => {}
      }
      const record: RecordedSpan = { name, attributes, events, span }
      spans.push(record)
      return span
    }
  })
  return { spans, tracer }
}

/** Every way a tracer might render a span. */
export const renderings = (span: RecordedSpan): Array<string> => {
  const attributes = [...span.attributes.entries()].map(([k, v]) => `${k}=${String(v)}`).join("\n")
  const exit = span.exit
  return [
    span.name,
    attributes,
    JSON.stringify(span.events),
    inspect(span.events, { depth: Infinity }),
    String(exit),
    String(JSON.stringify(exit)),
    inspect(exit, { depth: Infinity, showHidden: true }),
    exit !== undefined && Exit.isSuccess(exit) ? inspect(exit.value, { depth: Infinity, showHidden: true }) : "",
    exit !== undefined && Exit.isSuccess(exit) ? String(JSON.stringify(exit.value)) : ""
  ]
}

/** A handler that answers every request with one fixed response. */
export const answer = (status: number, body: string, headers: Record<string, string> = {}): Handler => (_req, res) => {
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(body)
}

/** A handler that answers each request with the next of `handlers` (the last one repeats). */
export const inTurn = (...handlers: ReadonlyArray<Handler>): Handler => {
  let i = 0
  return (req, res, body) => handlers[Math.min(i++, handlers.length - 1)]!(req, res, body)
}

/** An event stream body. */
export const sseHandler = (...events: ReadonlyArray<string>): Handler => (_req, res) => {
  res.writeHead(200, { "content-type": "text/event-stream" }).end(events.join(""))
}
