import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { startLocalWorker } from "../packages/server/scripts/local-worker.mjs"
import { HttpApi } from "./http.ts"
import { machine } from "./machine.ts"
import { fanOut } from "./scenarios/fan-out.ts"
import { syncCost } from "./scenarios/sync-cost.ts"

const TOKEN = "bench-token"
const here = dirname(fileURLToPath(import.meta.url))

async function main() {
  const state = mkdtempSync(join(tmpdir(), "cloudsession-bench-"))
  const worker = await startLocalWorker({ persistTo: state, vars: { RPC_TOKENS: TOKEN } })
  const api = new HttpApi(worker.url)
  const results: Record<string, unknown> = { machine: machine(), startedAt: new Date().toISOString() }
  try {
    console.log("machine", results.machine)
    results.syncCost = await syncCost(api)
    console.log("\n1. Sync cost vs session size (one 10-part batch; medians of 15 rounds; ratio vs empty session)")
    console.table(results.syncCost)
    results.fanOut = await fanOut(api)
    console.log("\n6. Viewer fan-out (100 viewer sockets, 30 syncs)")
    console.table(results.fanOut)
  } finally {
    await worker.stop()
    rmSync(state, { recursive: true, force: true })
  }
  const out = process.env.BENCH_RESULTS ?? resolve(here, "results/latest.json")
  mkdirSync(dirname(out), { recursive: true })
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`)
  console.log(`\nwritten to ${out}`)
}

await main()
