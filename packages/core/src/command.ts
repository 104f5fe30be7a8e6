/**
 * The parts of the `sky` command that need no Effect, for both lines: the
 * usage texts, the check of `sky chat`'s arguments, the colour choice, and the
 * message for missing peers printed by the bin before it loads the command.
 *
 * @internal
 */
import { catalogue, type CatalogueEntry, type Tag } from "./table.js"

/**
 * The usage line of `sky`, printed with every usage error.
 *
 * @since 1.0.0
 * @category usage
 */
export const usage: string = "usage: sky <demo|chat|mock|errors> [options]; sky --help for details"

/**
 * The usage line of `sky chat`.
 *
 * @since 1.0.0
 * @category usage
 */
export const chatUsage: string = "usage: sky chat [--model M] [--stream] PROMPT"

/**
 * The usage line of `sky mock`.
 *
 * @since 1.0.0
 * @category usage
 */
export const mockUsage: string = "usage: sky mock [--port P]"

/**
 * Exit codes: 0 done, 1 the call or the demo failed, 2 bad arguments.
 *
 * @since 1.0.0
 * @category exit codes
 */
export const exitCodes = { done: 0, failed: 1, badArguments: 2 } as const

/**
 * A failed call as `sky` prints it: what each line reads off its own `SkyError` (its wait already written as a
 * person writes it, e.g. `1s`).
 *
 * @since 1.0.0
 * @category failures
 */
export interface FailureView {
  readonly tag: Tag
  readonly code: number | string | undefined
  readonly status: number | undefined
  readonly message: string
  readonly requestId: string | undefined
  readonly retryable: boolean
  /** The wait the server asked for, formatted; absent when it asked for none. */
  readonly retryAfter: string | undefined
}

/**
 * What a failed call means and what to do about it, as the lines `sky chat` prints.
 *
 * @since 1.0.0
 * @category failures
 */
export const explain = (failure: FailureView): string => {
  const meta: CatalogueEntry = catalogue[failure.tag]
  return [
    `error:      ${failure.tag} (code ${String(failure.code ?? "-")}${
      failure.status !== undefined ? `, HTTP ${failure.status}` : ""
    })`,
    `meaning:    ${meta.meaning}`,
    `message:    ${failure.message}`,
    `request id: ${failure.requestId ?? "-"}`,
    `retryable:  ${failure.retryable ? "yes" : "no"}${
      failure.retryAfter !== undefined ? ` (the server asked to wait ${failure.retryAfter})` : ""
    }`,
    `what to do: ${meta.remedy}`
  ].join("\n")
}

/** The options of `sky chat`, and whether each takes a value. */
const chatOptions: Readonly<Record<string, boolean>> = {
  "--model": true,
  "-m": true,
  "--stream": false,
  "-s": false,
  "--help": false,
  "-h": false
}

/** A word that reads as an option; "-" or "-1" is text. */
const looksLikeOption = (word: string): boolean => /^-(-[^-]|[A-Za-z])/.test(word)

/**
 * The first problem with the arguments of `sky chat`, if any. The PROMPT takes
 * every remaining word, so the command-line parser would send an unknown option
 * (or an option missing its value) as part of the prompt: each word that looks
 * like an option must be one `chat` knows. After `--`, every word is the prompt's.
 *
 * @since 1.0.0
 * @category arguments
 */
export const chatArgumentProblem = (args: ReadonlyArray<string>): string | undefined => {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--") return undefined
    if (!looksLikeOption(arg)) continue
    const equals = arg.indexOf("=")
    const name = equals === -1 ? arg : arg.slice(0, equals)
    const takesValue = chatOptions[name]
    if (takesValue === undefined) return `unknown option ${name}`
    if (!takesValue && equals !== -1) return `${name} takes no value`
    if (takesValue && equals === -1) {
      const value = args[i + 1]
      if (value === undefined || value === "--" || looksLikeOption(value)) return `${name} needs a value`
      i++
    }
  }
  return undefined
}

/**
 * The problem with `sky mock`'s port, if any: it must be 0 to 65535.
 *
 * @since 1.0.0
 * @category arguments
 */
export const portProblem = (port: number): string | undefined =>
  Number.isInteger(port) && port >= 0 && port <= 65535 ? undefined : `--port must be 0 to 65535, got ${port}`

/**
 * Whether to write ANSI colour: only to a terminal, and never when `NO_COLOR`
 * is set (https://no-color.org).
 *
 * @since 1.0.0
 * @category colour
 */
export const useColour = (stream: { readonly isTTY?: boolean | undefined }, env: NodeJS.ProcessEnv): boolean =>
  stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === "")

/**
 * The packages of `names` that do not resolve, by the resolver of the bin's
 * own module (`import.meta.resolve`), as the command's own imports will.
 *
 * @since 1.0.0
 * @category peers
 */
export const missingPackages = (
  names: ReadonlyArray<string>,
  resolve: (name: string) => string
): Array<string> =>
  names.filter((name) => {
    try {
      resolve(name)
      return false
    } catch {
      return true
    }
  })

/**
 * The message for missing peers: which are missing, and one `npm i` command
 * with the ranges from the package's own `peerDependencies`, so that npm does
 * not pick a major version that conflicts with the line's Effect.
 *
 * @since 1.0.0
 * @category peers
 */
export const missingPeersMessage = (
  missing: ReadonlyArray<string>,
  peerRanges: Readonly<Record<string, string>>
): string => {
  const specs = missing.map((name) => `"${name}@${peerRanges[name] ?? "latest"}"`)
  return [
    `sky: ${missing.length === 1 ? "a package it needs is" : "packages it needs are"} not installed: ${missing.join(", ")}.`,
    "Install them next to effect-skyengine (the versions it supports):",
    "",
    `  npm i ${specs.join(" ")}`,
    ""
  ].join("\n")
}
