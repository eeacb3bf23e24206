import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { connect } from "@cloudsession/client"
import { startLocalWorker } from "../packages/server/scripts/local-worker.mjs"
import { HttpApi } from "./http.ts"
import { machine } from "./machine.ts"
import { bigSessionShare } from "./scenarios/big-session.ts"
import { concurrency } from "./scenarios/concurrency.ts"
import { fanOut } from "./scenarios/fan-out.ts"
import { opencodeLatency } from "./scenarios/opencode-latency.ts"
import { pipelining } from "./scenarios/pipelining.ts"
import { restart } from "./scenarios/restart.ts"
import { routeMemory } from "./scenarios/route-memory.ts"
import { rpcVsHttp } from "./scenarios/rpc-vs-http.ts"
import { syncCost } from "./scenarios/sync-cost.ts"

const TOKEN = "bench-token"
const memoryTitle = "9. Memory per route: workerd's peak resident memory above idle while serving a ~100 MB share"
const here = dirname(fileURLToPath(import.meta.url))

const ranOn = machine()
const ranOnLine = `machine: ${ranOn.cores} cores ${ranOn.cpu}, ${ranOn.memoryGiB} GiB, Node ${ranOn.node}, workerd ${ranOn.workerd}, wrangler ${ranOn.wrangler}`

/** Every scenario says what it ran on, in the table's heading and next to its figures in the JSON. */
function section(title: string, figures: unknown) {
  console.log(`\n${title}\n${ranOnLine}`)
  console.table(figures)
  return { machine: ranOn, figures }
}

async function main() {
  const scratch = mkdtempSync(join(tmpdir(), "cloudsession-bench-"))
  try {
    await runScenarios(scratch)
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

/**
 * `BENCH_ONLY=<name> npm run bench` runs one scenario (names: the keys below, e.g. `memory`, `sizes`, `opencode`), and
 * its figures replace only its own in the results file.
 */
const only = process.env.BENCH_ONLY
const runs = (name: string) => only === undefined || only === "" || only === name

async function runScenarios(scratch: string) {
  const results: Record<string, unknown> = { machine: ranOn, startedAt: new Date().toISOString() }
  await runServerScenarios(scratch, results)
  if (runs("opencode")) {
    results.opencodeLatency = section(
      "8. OpenCode live sharing: part event in OpenCode to the word in a viewer's DOM (real opencode serve, 3 turns x 50 streamed words)",
      await opencodeLatency(scratch, TOKEN),
    )
  }
  if (runs("restart")) {
    results.restart = section(
      "5. Restart: the Worker stopped and started during a 5 000-part upload",
      await restart(join(scratch, "restart"), scratch, TOKEN),
    )
  }
  const out = process.env.BENCH_RESULTS ?? resolve(here, "results/latest.json")
  mkdirSync(dirname(out), { recursive: true })
  const kept = only !== undefined && only !== "" && existsSync(out) ? JSON.parse(readFileSync(out, "utf8")) : {}
  writeFileSync(out, `${JSON.stringify({ ...kept, ...results }, null, 2)}\n`)
  console.log(`\nwritten to ${out}`)
}

const SERVER_SCENARIOS = ["sync-cost", "rpc-vs-http", "pipelining", "concurrency", "fan-out", "sizes", "memory"]

async function runServerScenarios(scratch: string, results: Record<string, unknown>) {
  if (!SERVER_SCENARIOS.some(runs)) return
  const worker = await startLocalWorker({ persistTo: join(scratch, "main"), vars: { RPC_TOKENS: TOKEN } })
  const api = new HttpApi(worker.url)
  const connection = await connect({ url: worker.url, token: TOKEN })
  try {
    if (runs("sync-cost")) {
      results.syncCost = section(
        "1. Sync cost vs session size: one 10-part batch, medians of 30 rotating rounds, ratio vs the empty session",
        await syncCost(api),
      )
    }
    if (runs("rpc-vs-http")) {
      results.rpcVsHttp = section(
        "2. RPC vs HTTP: 2 000 small syncs to one share, medians of 4 alternating rounds",
        await rpcVsHttp(api, connection),
      )
    }
    if (runs("pipelining")) {
      results.pipelining = section(
        "3. Pipelining: create + first sync, round trips counted on the socket, medians of 40 alternating rounds",
        await pipelining(worker.url, TOKEN),
      )
    }
    if (runs("concurrency")) {
      results.concurrency = section(
        "4. Concurrency: 50 clients x 200 distinct parts into one share",
        await concurrency(api, TOKEN),
      )
    }
    if (runs("fan-out")) {
      results.fanOut = section("6. Viewer fan-out: 100 viewer sockets on one share, 30 syncs", await fanOut(api))
    }
    if (runs("sizes")) {
      results.bigSession = section(
        "7. A 100 MiB session (10 000 parts, 20 over 1 MiB): upstream's one POST vs /rpc batches, Worker peak RSS",
        await bigSessionShare(worker.url, worker.process.pid ?? 0, connection, join(scratch, "big-session.db")),
      )
    }
    if (runs("memory")) results.routeMemory = section(memoryTitle, await routeMemory(api, worker.process.pid ?? 0))
  } finally {
    connection.close()
    await worker.stop()
  }
}

await main()
