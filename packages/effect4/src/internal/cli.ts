/**
 * The `sky` command on `effect/cli`: `demo`, `chat`, `mock`, `errors`.
 * `src/bin/sky.ts` loads this module only once it has checked that
 * `@effect/platform-node` is installed.
 *
 * @internal
 */
import { readFileSync } from "node:fs"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Cause from "effect/Cause"
import { Argument, CliError, CliOutput, Command, Flag } from "effect/cli"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Stream from "effect/Stream"
import * as CatalogueTable from "../../../core/src/catalogueTable.js"
import {
  chatArgumentProblem,
  chatUsage,
  explain,
  exitCodes,
  mockUsage,
  portProblem,
  usage,
  useColour
} from "../../../core/src/command.js"
import * as SkyClient from "../SkyClient.js"
import * as SkyError from "../SkyError.js"
import * as SkyMock from "../SkyMock.js"
import * as Demo from "./demo.js"

/** Sets the exit code the process ends with once the command is done. */
const exitWith = (code: number): Effect.Effect<void> =>
  Effect.sync(() => {
    process.exitCode = code
  })

/** Colour on a terminal only, and never with `NO_COLOR` (also for effect/cli's help). */
const colour = useColour(process.stdout, process.env)

const errors = Command.make("errors", {}, () =>
  Console.log(CatalogueTable.text(CatalogueTable.header, CatalogueTable.rows()))).pipe(
    Command.withDescription("Print the error catalogue: code, status, type, tag, retryable, meaning.")
  )

const demo = Command.make("demo", {}, () =>
  Effect.flatMap(Demo.run({ colour }), (allPassed) => (allPassed ? Effect.void : exitWith(exitCodes.failed)))).pipe(
    Command.withDescription(
      "Start the SkyEngine double and walk through a success, a stream, the 14 codes and the client-side failures."
    )
  )

const chat = Command.make(
  "chat",
  {
    model: Flag.String("model").pipe(Flag.withAlias("m"), Flag.withDefault("gpt-4o-mini")),
    stream: Flag.Boolean("stream").pipe(Flag.withAlias("s"), Flag.withDefault(false)),
    prompt: Argument.String("PROMPT").pipe(Argument.variadic(), Argument.map((words) => words.join(" ")))
  },
  ({ model, prompt, stream }) =>
    Effect.gen(function*() {
      if (prompt.trim().length === 0) {
        yield* Console.error(`sky chat: a PROMPT is required\n${chatUsage}`)
        return yield* exitWith(exitCodes.badArguments)
      }
      const key = yield* Config.option(Config.Redacted("SKYENGINE_API_KEY"))
      const layer: Layer.Layer<SkyClient.SkyClient, SkyMock.SkyMockListenError | Config.ConfigError> = Option.isSome(key)
        ? SkyClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))
        : SkyMock.layerClient({})
      if (Option.isNone(key)) yield* Console.error("SKYENGINE_API_KEY is not set: answering from the embedded double.")
      const request = { model, messages: [{ role: "user" as const, content: prompt }] }
      const call = Effect.gen(function*() {
        const sky = yield* SkyClient.SkyClient
        if (stream) {
          yield* sky.chatCompletionsStream(request).pipe(
            Stream.runForEach((chunk) =>
              Effect.sync(() => process.stdout.write(chunk.choices.map((c) => c.delta?.content ?? "").join("")))
            )
          )
          yield* Console.log("")
        } else {
          const completion = yield* sky.chatCompletions(request)
          yield* Console.log(completion.choices.map((c) => c.message.content ?? "").join("\n"))
        }
      })
      yield* call.pipe(
        Effect.provide(layer),
        Effect.catchIf(SkyError.isSkyError, (error) =>
          Effect.andThen(Console.error(explain(Demo.failureView(error))), exitWith(exitCodes.failed))),
        Effect.catch((error) => Effect.andThen(Console.error(`sky chat: ${String(error)}`), exitWith(exitCodes.failed)))
      )
    }).pipe(
      // Reading SKYENGINE_API_KEY cannot fail but for a malformed environment: a failed call like any other.
      Effect.catch((error) => Effect.andThen(Console.error(`sky chat: ${String(error)}`), exitWith(exitCodes.failed)))
    )
).pipe(Command.withDescription("Send one prompt to the gateway (or to the embedded double without SKYENGINE_API_KEY)."))

const mock = Command.make(
  "mock",
  { port: Flag.Int("port").pipe(Flag.withAlias("p"), Flag.withDefault(0)) },
  ({ port }) => {
    const problem = portProblem(port)
    return problem !== undefined
      ? Effect.andThen(Console.error(`sky mock: ${problem}\n${mockUsage}`), exitWith(exitCodes.badArguments))
      : Effect.scoped(Effect.gen(function*() {
        const double = yield* SkyMock.make({ port })
        yield* Console.log(`SkyEngine double listening on ${double.url} (Ctrl-C to stop)`)
        return yield* Effect.never
      })).pipe(
        Effect.catch((error) => Effect.andThen(Console.error(`sky mock: ${error.message}`), exitWith(exitCodes.failed)))
      )
  }
).pipe(Command.withDescription("Run the SkyEngine double in the foreground until interrupted."))

// Without a subcommand there is nothing to do: that is a usage error, like any other bad argument.
const sky = Command.make("sky", {}, () => Effect.andThen(Console.error(usage), exitWith(exitCodes.badArguments))).pipe(
  Command.withDescription("The effect-skyengine command line."),
  Command.withSubcommands([demo, chat, mock, errors])
)

/** The package's own version, by self-reference: the same from src/internal (development) and dist/effect4/src/internal. */
const version = (JSON.parse(readFileSync(new URL(import.meta.resolve("effect-skyengine/package.json")), "utf8")) as {
  readonly version: string
}).version

const cli = Command.runWith(sky, { version })

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
  const problem = args[0] === "chat" ? chatArgumentProblem(args.slice(1)) : undefined
  const program = problem !== undefined
    ? Effect.andThen(Console.error(`sky chat: ${problem}\n${chatUsage}`), exitWith(exitCodes.badArguments))
    : cli(args).pipe(
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
