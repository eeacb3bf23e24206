import { defineConfig } from "vitest/config"

/** Client tests: a real local Worker (wrangler dev, started once in global setup) and real SQLite files. */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    environment: "node",
    testTimeout: 90_000,
    hookTimeout: 90_000,
    // The restart test stops and starts its own Worker; running files one by one keeps the machine's load even.
    fileParallelism: false,
  },
})
