import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

/**
 * Where drizzle-kit's migrations live. The same code runs from `src/store/` (tests, library) and bundled into
 * `dist/cli.js`, which sit at different depths below the package root, so look in both places.
 */
export function migrationsFolder(): string {
  const candidates = ["../drizzle/", "../../drizzle/"].map((relative) =>
    fileURLToPath(new URL(relative, import.meta.url)),
  )
  const found = candidates.find((folder) => existsSync(`${folder}meta/_journal.json`))
  if (found === undefined) throw new Error(`store migrations not found (looked in ${candidates.join(", ")})`)
  return found
}
