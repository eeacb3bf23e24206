// Bundle the CLI and the library entry for plain Node 20, which cannot run the TypeScript sources.
// better-sqlite3 is native and stays external. Code splitting keeps each driver in its own chunk, loaded by a
// dynamic import only on its runtime: the bun:sqlite chunk is never loaded on Node (which cannot resolve `bun:`).
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "esbuild"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const outdir = resolve(root, "dist")

rmSync(outdir, { recursive: true, force: true })
await build({
  entryPoints: { cli: resolve(root, "src/cli/bin.ts"), index: resolve(root, "src/index.ts") },
  outdir,
  bundle: true,
  splitting: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: ["better-sqlite3", "bun:sqlite"],
  sourcemap: true,
  logLevel: "warning",
  // Bundled CommonJS dependencies (commander, ws, cli-progress) call require(); give the ESM chunks one.
  banner: {
    js: "import { createRequire as __cloudsessionRequire } from 'node:module'; const require = __cloudsessionRequire(import.meta.url);",
  },
})
// The shebang must be the very first line, before the banner.
const cli = resolve(outdir, "cli.js")
writeFileSync(cli, `#!/usr/bin/env node\n${readFileSync(cli, "utf8")}`)
chmodSync(cli, 0o755)
