import { availableParallelism } from "node:os"
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const src = fileURLToPath(new URL("./src", import.meta.url))

export default defineConfig({
  resolve: {
    // Examples import the package by its name, as users do; the name resolves to this line's sources.
    alias: [
      { find: /^effect-skyengine$/, replacement: `${src}/index.ts` },
      { find: /^effect-skyengine\/(.*)$/, replacement: `${src}/$1.ts` }
    ]
  },
  test: {
    root: fileURLToPath(new URL(".", import.meta.url)),
    include: ["test/**/*.test.ts"],
    // The files share each worker's modules (no per-file re-import: that was a third of the suite's time), and
    // at least two workers run even on two cores: many files wait on sockets, timers and child processes.
    isolate: false,
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // dist/ is built once, for the tests that run the sky command as users do.
    globalSetup: ["test/globalSetup.ts"],
    typecheck: {
      enabled: true,
      include: ["test/**/*.test-d.ts"],
      tsconfig: "./tsconfig.json"
    },
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
