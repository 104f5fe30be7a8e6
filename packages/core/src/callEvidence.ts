/**
 * What a call builds and reports that needs no Effect: the request it sends (or why it cannot be sent), the
 * words of a transport failure, the evidence a response leaves on an error, the status an in-stream error stands
 * for, the texts of its errors, and the attributes of its span. Both lines' clients build their errors and spans
 * from these.
 *
 * @internal
 */
import * as Evidence from "./evidence.js"
import { fieldLimits } from "./limits.js"
import { baseUrlOf, headerProblem, headersProblem, isAbsolute, joinUrl, originOfUrl } from "./requestChecks.js"
import { catalogue, type Tag } from "./table.js"

/**
 * The header that tells the server which attempt this is (1 for the first).
 *
 * @internal
 */
export const attemptHeader = "x-sky-attempt"

/**
 * A request as an endpoint describes it.
 *
 * @internal
 */
export interface EndpointFacts {
  readonly method: string
  readonly path: string
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** Set when the endpoint itself could not be built (a model name that cannot go in a URL): never sent. */
  readonly invalid?: string | undefined
}

/**
 * A request ready to send, or why it is never sent (with the URL to report, `""` when there is none).
 *
 * @internal
 */
export type Planned =
  | {
    readonly _tag: "Send"
    readonly url: string
    readonly safeUrl: string
    readonly headers: Readonly<Record<string, string>>
    readonly body: string | undefined
  }
  | { readonly _tag: "Refuse"; readonly url: string; readonly reason: string }

/**
 * What a client's settings say about every request it sends, as `makePlanner` takes them.
 *
 * @internal
 */
export interface PlannerSettings {
  readonly apiKey: string
  readonly baseUrl: string
  readonly headers: Readonly<Record<string, string>>
}

/**
 * Plans one request of a client (see `makePlanner`).
 *
 * @internal
 */
export type Planner = (endpoint: EndpointFacts, callHeaders: Readonly<Record<string, string>> | undefined) => Planned

/** A URL joined from the base and a path, its redacted form, and whether it leaves the base's origin. */
interface Route {
  readonly url: string
  readonly safeUrl: string
  readonly offOrigin: boolean
}

/** The routes a planner remembers: a client calls a handful of paths (one per Gemini model); past this, it starts over. */
const maxRoutes = 256

/** A path longer than this (a model name no gateway has) is planned each time rather than remembered. */
const maxRoutePath = 512

/**
 * The request planner of a client: what does not change from call to call (the base URL, the URL of each path, and
 * whether the client's own headers can be sent) is worked out once, when the client is built or a path is first called.
 *
 * A planned request is what the endpoint asks for. Everything that would stop it from being sent (a base URL or
 * path that is not a URL on the base's origin, a header a transport refuses, a body that is not JSON) is a refusal
 * whose reason is scrubbed of every secret; the key goes only to the base URL's origin.
 *
 * @internal
 */
export const makePlanner = (settings: PlannerSettings): Planner => {
  const secrets = [settings.apiKey]
  const base = baseUrlOf(settings.baseUrl, secrets)
  const refuse = (url: string, reason: string): Planned => ({ _tag: "Refuse", url, reason: Evidence.scrub(reason, secrets) })
  // The headers every request carries, copied once (what is checked is what is sent: a caller changing its own
  // object later changes nothing); when they can be sent, only a call's and an endpoint's own are checked.
  const ownHeaders: Readonly<Record<string, string>> = mergeHeaders({ accept: "application/json" }, settings.headers)
  const authorization = `Bearer ${settings.apiKey}`
  const clientHeadersFine = headersProblem({ ...ownHeaders, authorization }) === undefined
  const routes = new Map<string, Route>()
  const routeOf = (path: string, origin: string): Route => {
    let route = routes.get(path)
    if (route === undefined) {
      const url = joinUrl(settings.baseUrl, path)
      // A relative path stays on the base URL; only an absolute one can leave its origin, and the key never does.
      route = { url, safeUrl: Evidence.redactUrl(url, secrets), offOrigin: isAbsolute(path) && originOfUrl(url) !== origin }
      if (path.length <= maxRoutePath) {
        if (routes.size >= maxRoutes) routes.clear()
        routes.set(path, route)
      }
    }
    return route
  }
  return (endpoint, callHeaders) => {
    if (endpoint.invalid !== undefined) return refuse("", endpoint.invalid)
    if (base._tag === "Invalid") return refuse(Evidence.redactUrl(settings.baseUrl, secrets), base.reason)
    const { offOrigin, safeUrl, url } = routeOf(endpoint.path, base.origin)
    if (offOrigin) return refuse(safeUrl, `${safeUrl} is not on the base URL's origin ${base.origin}`)
    let body: string | undefined
    if (endpoint.body !== undefined) {
      try {
        body = JSON.stringify(endpoint.body)
      } catch (cause) {
        return refuse(safeUrl, `its body could not be encoded as JSON (${describeCause(cause, secrets)})`)
      }
      if (body === undefined) return refuse(safeUrl, "its body is not a JSON value")
    }
    const headers = mergeHeaders(mergeHeaders({ ...ownHeaders }, endpoint.headers), callHeaders)
    headers.authorization = authorization
    const problem = clientHeadersFine
      ? sentProblem(headers, endpoint.headers) ?? sentProblem(headers, callHeaders)
      : headersProblem(headers)
    if (problem !== undefined) return refuse(safeUrl, problem)
    return { _tag: "Send", url, safeUrl, headers, body }
  }
}

/**
 * The name a header is merged under: lower case, for a name in ASCII. A name outside ASCII is no HTTP token and is
 * kept as written, so that it is refused: lower-cased, the Kelvin sign (U+212A) would become an ASCII "k" and the
 * header be sent under another name.
 */
const headerKey = (name: string): string => (nonAscii.test(name) ? name : name.toLowerCase())
const nonAscii = /[^\x00-\x7f]/

/**
 * `source`'s own headers set on `target` under their lower-case names (`headerKey`): header names are
 * case-insensitive, and every `HttpClient` sends one header per name, the last one set, so a call's `X-Team` replaces
 * the client's `x-team`. A `__proto__` (which `JSON.parse` makes an own key) is defined as a header, as a spread
 * would, not set as a prototype.
 */
const mergeHeaders = (
  target: Record<string, string>,
  source: Readonly<Record<string, string>> | undefined
): Record<string, string> => {
  if (source === undefined) return target
  for (const name of Object.keys(source)) {
    const key = headerKey(name)
    if (key === "__proto__") {
      Object.defineProperty(target, key, { value: source[name], enumerable: true, writable: true, configurable: true })
    } else target[key] = source[name]!
  }
  return target
}

/**
 * Why a header named in `names` (its own names, merged into `headers` under `headerKey`) cannot be sent
 * as `headers` (the merged headers) have it, or undefined.
 */
const sentProblem = (
  headers: Readonly<Record<string, string>>,
  names: Readonly<Record<string, string>> | undefined
): string | undefined => {
  if (names === undefined) return undefined
  for (const name of Object.keys(names)) {
    const problem = headerProblem(name, headers[headerKey(name)])
    if (problem !== undefined) return problem
  }
  return undefined
}

/**
 * The request an endpoint asks for, planned once (`makePlanner`: a client keeps its planner).
 *
 * @internal
 */
export const planRequest = (
  settings: PlannerSettings,
  endpoint: EndpointFacts,
  callHeaders: Readonly<Record<string, string>> | undefined
): Planned => makePlanner(settings)(endpoint, callHeaders)

/**
 * A transport error's own words, through its chain of causes, with secrets scrubbed.
 *
 * @internal
 */
export const describeCause = (cause: unknown, secrets: ReadonlyArray<string>): string => {
  const parts: Array<string> = []
  let current: unknown = cause
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    if (typeof current === "object") {
      const code = (current as { code?: unknown }).code
      const message = (current as { message?: unknown }).message
      const text = [typeof code === "string" ? code : undefined, typeof message === "string" ? message : undefined]
        .filter((t): t is string => t !== undefined && t.length > 0)
        .join(" ")
      if (text.length > 0 && !parts.includes(text)) parts.push(text)
      current = (current as { cause?: unknown }).cause
    } else {
      parts.push(String(current))
      break
    }
  }
  return Evidence.scrub(parts.length === 0 ? "unknown transport failure" : parts.join(" <- "), secrets)
}

/**
 * The first line of a complaint, at most 300 characters (only the head is looked at: a complaint can quote a
 * whole 20 MB body).
 *
 * @internal
 */
export const firstLine = (text: string): string => {
  const line = text.slice(0, 301).split("\n", 1)[0] ?? text
  return line.length > 300 ? `${line.slice(0, 300)}...` : line
}

/**
 * What a response's status line and headers say, as an error keeps it.
 *
 * @internal
 */
export interface ResponseContext {
  readonly status: number
  readonly headers: Record<string, string>
  readonly requestId?: string
}

/**
 * A response's evidence: its status, its headers redacted, its request id scrubbed.
 *
 * @internal
 */
export const responseContext = (
  status: number,
  headers: Evidence.HeadersInput,
  secrets: ReadonlyArray<string>
): ResponseContext => {
  const raw = Evidence.normalizeHeaders(headers)
  const id = Evidence.requestIdFromHeaders(raw)
  const requestId = id === undefined ? undefined : Evidence.scrub(id, secrets)
  return {
    status,
    headers: Evidence.redactHeaders(raw, secrets),
    ...(requestId !== undefined ? { requestId } : {})
  }
}

/**
 * The evidence an error of one attempt keeps.
 *
 * @internal
 */
export interface AttemptEvidence<A> {
  readonly method: string
  readonly url: string
  readonly status?: number
  readonly headers?: Record<string, string>
  readonly requestId?: string
  readonly attempts: ReadonlyArray<
    A | { readonly attempt: number; readonly tag: Tag; readonly status?: number; readonly requestId?: string }
  >
}

/**
 * The call's evidence for an error of one attempt: method, URL, the response's context, and the attempts so far
 * followed by this one.
 *
 * @internal
 */
export const attemptEvidence = <A>(
  method: string,
  safeUrl: string,
  attempts: ReadonlyArray<A>,
  ctx: ResponseContext | undefined,
  tag: Tag
): AttemptEvidence<A> => ({
  method,
  url: safeUrl,
  ...(ctx !== undefined ? ctx : {}),
  attempts: [
    ...attempts,
    {
      attempt: attempts.length + 1,
      tag,
      ...(ctx !== undefined ? { status: ctx.status } : {}),
      ...(ctx?.requestId !== undefined ? { requestId: ctx.requestId } : {})
    }
  ]
})

/**
 * The origin of a URL, or the URL itself when it is not one.
 *
 * @internal
 */
export const originOrUrl = (url: string): string => originOfUrl(url) ?? url

/**
 * The response's headers as evidence may keep them: a `Location` (or `Content-Location`) has its key-like query
 * parameters redacted.
 *
 * @internal
 */
export const redactLocations = (
  headers: Readonly<Record<string, string>>,
  secrets: ReadonlyArray<string>
): Readonly<Record<string, string>> => {
  if (headers["location"] === undefined && headers["content-location"] === undefined) return headers
  const out: Record<string, string> = { ...headers }
  for (const name of ["location", "content-location"]) {
    const value = out[name]
    if (value !== undefined) out[name] = Evidence.redactUrl(value, secrets)
  }
  return out
}

/**
 * The message of a 3xx: the server's answer, never followed.
 *
 * @internal
 */
export const redirectMessage = (status: number, location: string | undefined, secrets: ReadonlyArray<string>): string =>
  `HTTP ${status}: the server redirected the request${
    location === undefined ? "" : ` to ${Evidence.scrub(location, secrets)}`
  }; redirects are not followed, so that the API key is never sent to another URL`

/**
 * A 2xx status: the body is the answer.
 *
 * @internal
 */
export const isOk = (status: number): boolean => status >= 200 && status < 300

/**
 * A 3xx status: a redirect, never followed.
 *
 * @internal
 */
export const isRedirect = (status: number): boolean => status >= 300 && status < 400

/**
 * A JSON content type: a stream request answered with it is not a stream.
 *
 * @internal
 */
export const isJsonContentType = (contentType: string | undefined): boolean => /\bjson\b/i.test(contentType ?? "")

/**
 * The statuses the vendors' own error types stand for, for an error without a code that arrives inside a stream
 * after HTTP 200 (an Anthropic `overloaded_error` is what a 529 would have said): with it, the retry policy can
 * judge the error as it would the same error before the stream began.
 */
const statusOfErrorType: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  rate_limit_exceeded: 429,
  api_error: 500,
  server_error: 500,
  overloaded_error: 529
}

/**
 * The status an error sent inside a stream (after HTTP 200) stands for: its table row's, else its vendor error
 * type's, else none.
 *
 * @internal
 */
export const inStreamStatusOf = (tag: Tag, errorType: string | undefined): number | undefined =>
  catalogue[tag].status ?? (errorType === undefined ? undefined : statusOfErrorType[errorType])

/**
 * The attributes a call's span starts with: scrubbed of the key (a path segment or a pasted model name may hold
 * it).
 *
 * @internal
 */
export const spanAttributes = (
  operation: string,
  method: string,
  path: string,
  model: string | undefined,
  secrets: ReadonlyArray<string>
): Record<string, unknown> => ({
  "sky.operation": operation,
  "http.request.method": method,
  "url.path": Evidence.scrub(path.split("?")[0]!, secrets),
  ...(model !== undefined ? { "gen_ai.request.model": Evidence.scrub(model, secrets) } : {})
})

/**
 * The attributes a failed call's span ends with.
 *
 * @internal
 */
export const failureAttributes = (
  error: {
    readonly _tag: string
    readonly code?: number | string | undefined
    readonly requestId?: string | undefined
    readonly status?: number | undefined
  },
  attempts: number
): Record<string, unknown> => ({
  "sky.attempts": attempts,
  "sky.error.tag": error._tag,
  ...(error.code !== undefined ? { "sky.error.code": error.code } : {}),
  ...(error.requestId !== undefined ? { "sky.request_id": error.requestId } : {}),
  ...(error.status !== undefined ? { "http.response.status_code": error.status } : {})
})

/**
 * The message of a passed deadline: what had not arrived, and the deadline (formatted by the line).
 *
 * @internal
 */
export const timeoutMessage = (what: string, errorStatus: number | undefined, deadline: string): string =>
  `${errorStatus === undefined ? what : `the error response (HTTP ${errorStatus}) was not complete`} within ${deadline}`

/**
 * The message of a stream's passed overall deadline.
 *
 * @internal
 */
export const streamTimeoutMessage = (responded: boolean, deadline: string): string =>
  `${responded ? "the stream did not end" : "no response"} within the stream's deadline, ${deadline} (streamTimeout)`

/**
 * The message of a transport failure, before or after the response's headers.
 *
 * @internal
 */
export const connectionMessage = (safeUrl: string, status: number | undefined, reason: string): string =>
  status === undefined
    ? `no response from ${originOrUrl(safeUrl)}: ${reason}`
    : `the connection dropped while reading the response (HTTP ${status}): ${reason}`

/**
 * The complaint of a stream request answered with JSON that is not an error.
 *
 * @internal
 */
export const notAStreamProblem = (contentType: string | undefined, jsonProblem: string | undefined): string =>
  jsonProblem !== undefined && jsonProblem.startsWith("JSON")
    ? `expected an event stream, got ${contentType}: ${jsonProblem}`
    : `expected an event stream, got ${contentType}`

/**
 * The complaint of a stream whose body ended in the middle of its last event (no blank line, and what came of the
 * event does not decode): the body was cut, not a malformed event.
 *
 * @since 1.0.0
 * @category problems
 * @internal
 */
export const cutEventProblem = "the stream ended in the middle of an event"

/**
 * The complaint of a stream that ended before it was complete.
 *
 * @internal
 */
export const prematureEndProblem = (endsAtEof: boolean): string =>
  endsAtEof
    ? "the stream ended before any chunk carried a finish reason"
    : "the stream ended before its terminator"

/**
 * The texts of an `InvalidResponse`: its message (the complaint's summary), its issue (the whole complaint, cut)
 * and the body (cut before scrubbing: a 20 MB body or complaint is never copied whole into the error).
 *
 * @internal
 */
export const invalidResponseTexts = (
  operation: string,
  body: string,
  complaint: { readonly summary: string; readonly full: string },
  secrets: ReadonlyArray<string>,
  bodyLimit: number
): { readonly message: string; readonly issue: string; readonly body: string; readonly bodyTruncated?: true } => {
  const text = Evidence.scrubCut(body, bodyLimit, secrets)
  return {
    message: `the ${operation} response could not be decoded: ${Evidence.scrub(complaint.summary, secrets)}`,
    issue: Evidence.scrubCut(complaint.full, fieldLimits.issue, secrets),
    body: text.length > bodyLimit ? text.slice(0, bodyLimit) : text,
    ...(body.length > bodyLimit ? { bodyTruncated: true as const } : {})
  }
}
