/**
 * The `sky` command: `demo`, `chat`, `mock`, `errors`. `src/bin/sky.ts` loads
 * this module only once it has checked that the optional peers it imports are
 * installed.
 *
 * @internal
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Demo from "./demo.js"
import {
  chatArgumentProblem,
  chatUsage,
  explain,
  mockUsage,
  portProblem,
  usage,
  useColour
} from "../../packages/core/src/command.js"
import * as CatalogueTable from "../../packages/core/src/catalogueTable.js"
import * as SkyClient from "../SkyClient.js"
import * as SkyError from "../SkyError.js"
import * as SkyMock from "../SkyMock.js"

/** Exit codes: 0 done, 1 the call or the demo failed, 2 bad arguments. */
const exitWith = (code: number): Effect.Effect<void> => Effect.sync(() => {
  process.exitCode = code
})

const errors = Command.make("errors", {}, () =>
  Console.log(CatalogueTable.text(CatalogueTable.header, CatalogueTable.rows()))).pipe(
    Command.withDescription("Print the error catalogue: code, status, type, tag, retryable, meaning.")
  )

/** Colour on a terminal only, and never with `NO_COLOR` (also for @effect/cli's help). */
const colour = useColour(process.stdout, process.env)

const demo = Command.make("demo", {}, () =>
  Effect.flatMap(Demo.run({ colour }), (allPassed) => (allPassed ? Effect.void : exitWith(1)))).pipe(
    Command.withDescription(
      "Start the SkyEngine double and walk through a success, a stream, the 14 codes and the client-side failures."
    )
  )

const chat = Command.make(
  "chat",
  {
    model: Options.text("model").pipe(Options.withAlias("m"), Options.withDefault("gpt-4o-mini")),
    stream: Options.boolean("stream").pipe(Options.withAlias("s")),
    prompt: Args.text({ name: "PROMPT" }).pipe(Args.repeated, Args.map((words) => words.join(" ")))
  },
  ({ model, prompt, stream }) =>
    Effect.gen(function*() {
      if (prompt.trim().length === 0) {
        yield* Console.error(`sky chat: a PROMPT is required\n${chatUsage}`)
        return yield* exitWith(2)
      }
      const key = yield* Config.option(Config.redacted("SKYENGINE_API_KEY"))
      const layer: Layer.Layer<SkyClient.SkyClient, SkyMock.SkyMockListenError | ConfigError.ConfigError> = Option.isSome(key)
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
        Effect.catchIf(SkyError.isSkyError, (error) => Effect.zipRight(Console.error(explain(Demo.failureView(error))), exitWith(1))),
        Effect.catchAll((error) => Effect.zipRight(Console.error(`sky chat: ${String(error)}`), exitWith(1)))
      )
    })
).pipe(Command.withDescription("Send one prompt to the gateway (or to the embedded double without SKYENGINE_API_KEY)."))

const mock = Command.make(
  "mock",
  { port: Options.integer("port").pipe(Options.withAlias("p"), Options.withDefault(0)) },
  ({ port }) =>
    portProblem(port) !== undefined
      ? Effect.zipRight(Console.error(`sky mock: ${portProblem(port)}\n${mockUsage}`), exitWith(2))
      : Effect.scoped(Effect.gen(function*() {
      const double = yield* SkyMock.make({ port })
      yield* Console.log(`SkyEngine double listening on ${double.url} (Ctrl-C to stop)`)
      return yield* Effect.never
    })).pipe(
      Effect.catchAll((error) => Effect.zipRight(Console.error(`sky mock: ${error.message}`), exitWith(1)))
    )
).pipe(Command.withDescription("Run the SkyEngine double in the foreground until interrupted."))

// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[[0-9;]*[A-Za-z]/g

/** Removes ANSI escape sequences from each text argument (@effect/cli colours its help unconditionally). */
const stripAnsi = (args: ReadonlyArray<unknown>): Array<unknown> =>
  args.map((arg) => (typeof arg === "string" ? arg.replace(ansi, "") : arg))

/** The default console, writing without ANSI escape sequences. */
const plainConsole = (console: Console.Console): Console.Console => ({
  ...console,
  log: (...args) => console.log(...stripAnsi(args)),
  error: (...args) => console.error(...stripAnsi(args)),
  info: (...args) => console.info(...stripAnsi(args)),
  warn: (...args) => console.warn(...stripAnsi(args)),
  unsafe: {
    ...console.unsafe,
    log: (...args) => console.unsafe.log(...stripAnsi(args)),
    error: (...args) => console.unsafe.error(...stripAnsi(args)),
    info: (...args) => console.unsafe.info(...stripAnsi(args)),
    warn: (...args) => console.unsafe.warn(...stripAnsi(args))
  }
})

// Without a subcommand there is nothing to do: that is a usage error, like any other bad argument.
const sky = Command.make("sky", {}, () => Effect.zipRight(Console.error(usage), exitWith(2))).pipe(
  Command.withDescription("The effect-skyengine command line."),
  Command.withSubcommands([demo, chat, mock, errors])
)

/** Without colour, every text written through the console loses its ANSI escape sequences. */
const withColourChoice = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  colour ? self : Console.consoleWith((console) => Console.withConsole(self, plainConsole(console)))

const cli = Command.run(sky, { name: "sky", version: "0.1.0" })

/**
 * Runs `sky` with `process.argv`-style arguments, until the command is done.
 * Exit codes: 0 done, 1 the call or the demo failed, 2 bad arguments.
 */
export const main = (argv: ReadonlyArray<string>): void => {
  const args = argv.slice(2)
  const problem = args[0] === "chat" ? chatArgumentProblem(args.slice(1)) : undefined
  const program = problem !== undefined
    ? Effect.zipRight(Console.error(`sky chat: ${problem}\n${chatUsage}`), exitWith(2))
    : cli([...argv]).pipe(
      // @effect/cli has printed the problem and the usage already; 2 is the conventional exit code for bad arguments.
      Effect.catchIf(ValidationError.isValidationError, () => Effect.zipRight(Console.error(usage), exitWith(2))),
      Effect.provide(NodeContext.layer)
    )
  program.pipe(
    withColourChoice,
    NodeRuntime.runMain({ disableErrorReporting: false })
  )
}
