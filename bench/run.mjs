// `npm run bench`: bundle the TypeScript benchmark with esbuild (Node 20 cannot run TypeScript), then run it.
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "esbuild"

const here = dirname(fileURLToPath(import.meta.url))
const outdir = resolve(here, ".build")
const outfile = resolve(outdir, "main.mjs")
const clientBuild = spawnSync("npm", ["run", "build", "-w", "@cloudsession/client"], { stdio: "inherit" })
if (clientBuild.status !== 0) process.exit(clientBuild.status ?? 1)
await build({
  // Scenario 12 runs its client in a process of its own, from the second bundle (`.build/huge-client.mjs`).
  entryPoints: [resolve(here, "main.ts"), resolve(here, "huge-client.ts")],
  outdir,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  logLevel: "warning",
  // Workspace packages are TypeScript source: bundle them (their package.json `exports` say where); npm
  // dependencies stay external and load from node_modules.
  plugins: [
    {
      name: "bundle-workspace-packages",
      setup(context) {
        // The local-worker launcher finds wrangler relative to its own file: load it in place, do not bundle it.
        context.onResolve({ filter: /local-worker\.mjs$/ }, (args) => ({
          path: resolve(args.resolveDir, args.path),
          external: true,
        }))
        // The client is used as users get it: its built bundle (which finds its migrations next to itself).
        context.onResolve({ filter: /^@cloudsession\/client$/ }, () => ({
          path: resolve(here, "../packages/client/dist/index.js"),
          external: true,
        }))
        context.onResolve({ filter: /^@cloudsession\// }, (args) => {
          const [, name, ...rest] = args.path.split("/")
          const packageDir = resolve(here, "../packages", name)
          const manifest = JSON.parse(readFileSync(resolve(packageDir, "package.json"), "utf8"))
          const subpath = rest.length === 0 ? "." : `./${rest.join("/")}`
          const target = manifest.exports?.[subpath]
          const entry = typeof target === "string" ? target : (target?.source ?? target?.import ?? target?.default)
          if (typeof entry !== "string") return { errors: [{ text: `no export ${subpath} in ${name}` }] }
          return { path: resolve(packageDir, entry) }
        })
      },
    },
  ],
})
const result = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, BENCH_RESULTS: resolve(here, "results/latest.json") },
})
process.exit(result.status ?? 1)
