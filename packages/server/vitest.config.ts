import { cloudflareTest } from "@cloudflare/vitest-pool-workers"
import { defineConfig } from "vitest/config"

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.jsonc" },
      miniflare: {
        // Tests create and sync many shares without a token from one address in a minute; the anonymous limits'
        // own tests set theirs per request (test/anonymous-limits.test.ts), defaults included.
        bindings: {
          RPC_TOKENS: "test-token-current,test-token-next",
          ANONYMOUS_CREATES_PER_MINUTE: "1000000",
          ANONYMOUS_CREATES_GLOBAL_PER_MINUTE: "1000000",
          ANONYMOUS_SYNCS_PER_MINUTE: "1000000",
          ANONYMOUS_SYNCS_GLOBAL_PER_MINUTE: "1000000",
        },
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
  },
})
