import { defineConfig } from "vitest/config"

/**
 * Plugin tests: unit tests, and end-to-end tests driving the real `opencode` binary (from npm `opencode-ai`)
 * against a real local Worker (started once in global setup), with a mock LLM on loopback.
 */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    environment: "node",
    testTimeout: 240_000,
    hookTimeout: 180_000,
    // OpenCode processes are heavy on a small machine: one file at a time.
    fileParallelism: false,
  },
})
