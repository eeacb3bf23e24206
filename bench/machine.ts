import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { cpus, totalmem } from "node:os"

/** What the figures were measured on, printed with every run. */
export function machine() {
  const require = createRequire(import.meta.url)
  const version = (name: string) => {
    try {
      return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")) as { version: string }).version
    } catch {
      return "unknown"
    }
  }
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    workerd: version("workerd"),
    wrangler: version("wrangler"),
  }
}
