import { defineConfig } from "vitest/config"

/** Node-side tests against a real local Worker (wrangler dev): native WebSocket clients and the browser tests. */
export default defineConfig({
  test: {
    include: ["test-node/**/*.test.ts"],
    globalSetup: ["test-node/global-setup.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 90_000,
    fileParallelism: false,
  },
})
