import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

// The core's own suite: plain TypeScript, no Effect, run once for both lines.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL(".", import.meta.url)),
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000
  }
})
