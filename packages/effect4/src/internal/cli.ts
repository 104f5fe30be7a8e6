/**
 * The `sky` command on `effect/cli`: `demo`, `chat`, `mock`, `errors`.
 * `src/bin/sky.ts` loads this module only once it has checked that
 * `@effect/platform-node` is installed.
 *
 * @internal
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Cause from "effect/Cause"
import { CliError, CliOutput, Command } from "effect/cli"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Runtime from "effect/Runtime"
import * as CatalogueTable from "../../../core/src/catalogueTable.js"
import { exitCodes, usage, useColour } from "../../../core/src/command.js"

/** Sets the exit code the process ends with once the command is done. */
const exitWith = (code: number): Effect.Effect<void> =>
  Effect.sync(() => {
    process.exitCode = code
  })

const errors = Command.make("errors", {}, () =>
  Console.log(CatalogueTable.text(CatalogueTable.header, CatalogueTable.rows()))).pipe(
    Command.withDescription("Print the error catalogue: code, status, type, tag, retryable, meaning.")
  )

/** Colour on a terminal only, and never with `NO_COLOR` (also for effect/cli's help). */
const colour = useColour(process.stdout, process.env)

// Without a subcommand there is nothing to do: that is a usage error, like any other bad argument.
const sky = Command.make("sky", {}, () => Effect.andThen(Console.error(usage), exitWith(exitCodes.badArguments))).pipe(
  Command.withDescription("The effect-skyengine command line."),
  Command.withSubcommands([errors])
)

const cli = Command.runWith(sky, { version: "2.0.0" })

/**
 * Ends the process as the command asks: on success with `process.exitCode`;
 * interrupted (Ctrl-C) cleanly, with 0; otherwise as Effect's default teardown.
 */
const teardown: Runtime.Teardown = (exit, onExit) =>
  Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)
    ? onExit(exitCodes.done)
    : Runtime.defaultTeardown(exit, onExit)

/**
 * Runs `sky` with `process.argv`-style arguments, until the command is done.
 * Exit codes: 0 done, 1 the call or the demo failed, 2 bad arguments.
 */
export const main = (argv: ReadonlyArray<string>): void => {
  const args = argv.slice(2)
  const program = cli(args).pipe(
    // effect/cli has printed the problem and the help already (and would exit 1); bad arguments exit 2.
    Effect.catchIf(CliError.isCliError, (error) =>
      error._tag === "ShowHelp" && error.errors.length === 0
        ? Effect.void
        : Effect.andThen(Console.error(usage), exitWith(exitCodes.badArguments))),
    Effect.provide(CliOutput.layer(CliOutput.defaultFormatter({ colors: colour }))),
    Effect.provide(NodeServices.layer)
  )
  NodeRuntime.runMain(program, { teardown })
}
