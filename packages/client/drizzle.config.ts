import { defineConfig } from "drizzle-kit"

/** `npm run db:generate` writes a new migration into ./drizzle after a change to the store schema. */
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/store/schema.ts",
  out: "./drizzle",
})
