/**
 * A `SkyError` as the Effect-free core reads it (`WireError`: its tag and plain fields, `Duration`s as
 * milliseconds), for the core's status, problem details and wire encoding.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import type * as Classify from "../../../core/src/classify.js"
import type { WireError } from "../../../core/src/wire.js"
import type * as SkyError from "../SkyError.js"

/** The error's code as sent: the table code, an `UnknownGatewayError`'s body code, absent for client kinds. */
export const codeOf = (error: SkyError.SkyError): number | string | undefined =>
  "code" in error ? error.code : undefined

/** The error's tag and the fields the core's encoder reads. */
export const wireErrorOf = (error: SkyError.SkyError): WireError => {
  const code = codeOf(error)
  const fields: Classify.ErrorFields<unknown> = {
    ...(error.status !== undefined ? { status: error.status } : {}),
    message: error.message,
    ...(code !== undefined ? { code } : {}),
    ...(error.requestId !== undefined ? { requestId: error.requestId } : {}),
    ...(error.errorType !== undefined ? { errorType: error.errorType } : {}),
    ...(error.retryAfter !== undefined ? { retryAfterMillis: Duration.toMillis(error.retryAfter) } : {}),
    ...(error.shouldRetry !== undefined ? { shouldRetry: error.shouldRetry } : {})
  }
  return { tag: error._tag, fields }
}
