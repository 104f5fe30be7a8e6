/**
 * The faults `SkyMock` can inject: the core parses and prints them as plain data; here they are a
 * `Data.TaggedEnum` (faults compare by value) and a parse gives an `Either`.
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as Core from "../../packages/core/src/mockFault.js"

/**
 * A fault, as a tagged union (see `SkyMock` for what each one does on the wire).
 *
 * @internal
 */
export type Fault = Data.TaggedEnum<Core.FaultFields>

/**
 * The constructors of `Fault` (`Fault.ErrorResponse({ code: 2007 })`, ...).
 *
 * @internal
 */
export const Fault = Data.taggedEnum<Fault>()

/** A plain fault of the core as a value of `Fault`. */
const fromPlain = (fault: Core.Fault): Fault => {
  const { _tag, ...fields } = fault
  return (Fault[_tag] as (args: object) => Fault)(fields)
}

/**
 * Parses a fault spec: `Right` with the fault, or `Left` with a message that
 * says what is wrong and what is allowed.
 *
 * @internal
 */
export const parseFault = (text: string): Either.Either<Fault, string> => {
  const parsed = Core.parseFault(text)
  return parsed._tag === "Right" ? Either.right(fromPlain(parsed.right)) : Either.left(parsed.left)
}

/**
 * The canonical spec of a fault; `parseFault(formatFault(f))` gives `f` back.
 *
 * @internal
 */
export const formatFault: (fault: Fault) => string = Core.formatFault
