import { availableParallelism } from "node:os"
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

// The core's own suite: plain TypeScript, no Effect, run once for both lines.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL(".", import.meta.url)),
    include: ["test/**/*.test.ts"],
    // The files share each worker's modules (no per-file re-import: that was a third of the suite's time), and
    // at least two workers run even on two cores: many files wait on sockets, timers and child processes.
    isolate: false,
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000
  }
})
