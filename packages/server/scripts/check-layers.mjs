// Fails (exit 1) when the Worker's source has a value-import cycle or an import against the folder order below.
// esbuild reads the imports: it parses TypeScript and TSX and resolves paths as the bundle does, and, like the
// bundle, drops type-only imports, which vanish at build time and cannot form a cycle when modules load.
// (dependency-cruiser and madge need TypeScript's JavaScript API, which TypeScript 7 no longer ships.)
//   node packages/server/scripts/check-layers.mjs
import { readdirSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "esbuild"

/**
 * The folders of src/, top to bottom. A folder may import its own files and the folders of any later layer; never
 * a folder of its own layer or of an earlier one. Files directly in src/ (index.ts, app.ts: the composition root)
 * may import anything, and nothing may import them (env.ts is imported for its types only).
 */
export const LAYERS = [
  ["http", "rpc", "views"], // adapters: parse a request, call the service, answer
  ["auth"], // bearer tokens and the create guard
  ["errors"], // how an error leaves the Worker: the JSON answer and the fault log
  ["service"], // the one place share operations happen
  ["share-object"], // one share's Durable Object
  ["listing", "quota"], // the share directory Durable Object, R2 listing entries and their publisher; rate counters
  ["render"], // linear, budgeted markdown and highlighting, the link allow list, hidden-character marks, the item renderer slot
  ["storage", "crypto", "settings", "input"], // SQL metering and migrations, hashing and secrets, Worker vars, bounded request bodies
]

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..")

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : []
  })
}

/** Module (path relative to `src`) → the modules it value-imports, read with the imports' rules of `tsconfig`. */
async function importGraph(src, tsconfig) {
  const root = dirname(tsconfig)
  const result = await build({
    entryPoints: sourceFiles(src),
    absWorkingDir: root,
    tsconfig,
    bundle: true,
    packages: "external",
    platform: "neutral",
    format: "esm",
    metafile: true,
    write: false,
    outdir: "unused",
    logLevel: "error",
  })
  const graph = new Map()
  for (const [input, { imports }] of Object.entries(result.metafile.inputs)) {
    const from = relative(src, join(root, input))
    if (from.startsWith("..")) continue
    const targets = imports.filter((entry) => !entry.external).map((entry) => relative(src, join(root, entry.path)))
    graph.set(from, targets)
  }
  return graph
}

function folderOf(module) {
  const slash = module.indexOf("/")
  return slash === -1 ? undefined : module.slice(0, slash)
}

function layerOf(folder) {
  return LAYERS.findIndex((layer) => layer.includes(folder))
}

/** Why `from` may not import `to`, or `undefined` when it may. */
export function edgeProblem(from, to) {
  const source = folderOf(from)
  const target = folderOf(to)
  if (source === undefined) return undefined
  if (target === undefined) return `${to} is the composition root: nothing imports it`
  if (source === target) return undefined
  const sourceLayer = layerOf(source)
  const targetLayer = layerOf(target)
  if (sourceLayer === -1) return `${source}/ is in no layer: add it to LAYERS in check-layers.mjs`
  if (targetLayer === -1) return `${target}/ is in no layer: add it to LAYERS in check-layers.mjs`
  if (targetLayer > sourceLayer) return undefined
  if (targetLayer === sourceLayer) return `${source}/ and ${target}/ are peers: neither imports the other`
  return `${source}/ is below ${target}/: the edge points up the folder order`
}

/** Every cycle's modules (strongly connected components of more than one module, or a module importing itself). */
export function cycles(graph) {
  const index = new Map()
  const low = new Map()
  const stack = []
  const onStack = new Set()
  const found = []
  let counter = 0
  const visit = (node) => {
    index.set(node, counter)
    low.set(node, counter)
    counter += 1
    stack.push(node)
    onStack.add(node)
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next)
        low.set(node, Math.min(low.get(node), low.get(next)))
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node), index.get(next)))
      }
    }
    if (low.get(node) !== index.get(node)) return
    const component = []
    for (;;) {
      const member = stack.pop()
      onStack.delete(member)
      component.push(member)
      if (member === node) break
    }
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort())
  }
  for (const node of graph.keys()) if (!index.has(node)) visit(node)
  return found
}

/** Every import against the folder order and every cycle among the modules under `src`, one line each. */
export async function layerProblems(src, tsconfig) {
  const graph = await importGraph(src, tsconfig)
  const problems = []
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const problem = edgeProblem(from, to)
      if (problem !== undefined) problems.push(`${from} → ${to}: ${problem}`)
    }
  }
  problems.sort()
  for (const cycle of cycles(graph)) problems.push(`import cycle among ${cycle.join(", ")}`)
  return { modules: graph.size, problems }
}

async function main() {
  const { modules, problems } = await layerProblems(join(packageRoot, "src"), join(packageRoot, "tsconfig.json"))
  if (problems.length === 0) {
    console.log(`check-layers: ${modules} modules, no cycle, every import points down the folder order`)
    return
  }
  for (const problem of problems) console.error(`check-layers: ${problem}`)
  process.exit(1)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main()
