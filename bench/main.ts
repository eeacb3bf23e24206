import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { connect } from "@cloudsession/client"
import { startLocalWorker } from "../packages/server/scripts/local-worker.mjs"
import { HttpApi } from "./http.ts"
import { machine } from "./machine.ts"
import { concurrency } from "./scenarios/concurrency.ts"
import { fanOut } from "./scenarios/fan-out.ts"
import { pipelining } from "./scenarios/pipelining.ts"
import { restart } from "./scenarios/restart.ts"
import { rpcVsHttp } from "./scenarios/rpc-vs-http.ts"
import { syncCost } from "./scenarios/sync-cost.ts"

const TOKEN = "bench-token"
const here = dirname(fileURLToPath(import.meta.url))

function section(title: string, figures: unknown) {
  console.log(`\n${title}`)
  console.table(figures)
}

async function main() {
  const scratch = mkdtempSync(join(tmpdir(), "cloudsession-bench-"))
  const results: Record<string, unknown> = { machine: machine(), startedAt: new Date().toISOString() }
  console.log("machine:", results.machine)
  const worker = await startLocalWorker({ persistTo: join(scratch, "main"), vars: { RPC_TOKENS: TOKEN } })
  const api = new HttpApi(worker.url)
  const connection = await connect({ url: worker.url, token: TOKEN })
  try {
    results.syncCost = await syncCost(api)
    section(
      "1. Sync cost vs session size: one 10-part batch, medians of 30 rotating rounds, ratio vs the empty session",
      results.syncCost,
    )
    results.rpcVsHttp = await rpcVsHttp(api, connection)
    section("2. RPC vs HTTP: 2 000 small syncs to one share, medians of 4 alternating rounds", results.rpcVsHttp)
    results.pipelining = await pipelining(connection)
    section("3. Pipelining: create + first sync, medians of 40 alternating rounds", results.pipelining)
    results.concurrency = await concurrency(api, TOKEN)
    section("4. Concurrency: 50 clients x 200 distinct parts into one share", results.concurrency)
    results.fanOut = await fanOut(api)
    section("6. Viewer fan-out: 100 viewer sockets on one share, 30 syncs", results.fanOut)
  } finally {
    connection.close()
    await worker.stop()
  }
  results.restart = await restart(join(scratch, "restart"), scratch, TOKEN)
  section("5. Restart: the Worker stopped and started during a 5 000-part upload", results.restart)
  rmSync(scratch, { recursive: true, force: true })
  const out = process.env.BENCH_RESULTS ?? resolve(here, "results/latest.json")
  mkdirSync(dirname(out), { recursive: true })
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`)
  console.log(`\nwritten to ${out}`)
}

await main()
