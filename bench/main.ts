import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { connect } from "@cloudsession/client"
import { startLocalWorker } from "../packages/server/scripts/local-worker.mjs"
import { BENCH_VARS, HttpApi } from "./http.ts"
import { machine } from "./machine.ts"
import { bigSessionShare } from "./scenarios/big-session.ts"
import { bodyMemory } from "./scenarios/body-memory.ts"
import { concurrency } from "./scenarios/concurrency.ts"
import { fanOut } from "./scenarios/fan-out.ts"
import { hugeItem } from "./scenarios/huge-item.ts"
import { opencodeLatency } from "./scenarios/opencode-latency.ts"
import { pageFirstPaint } from "./scenarios/page-first-paint.ts"
import { pipelining } from "./scenarios/pipelining.ts"
import { restart } from "./scenarios/restart.ts"
import { routeMemory } from "./scenarios/route-memory.ts"
import { rpcVsHttp } from "./scenarios/rpc-vs-http.ts"
import { syncCost } from "./scenarios/sync-cost.ts"

const TOKEN = "bench-token"
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
 * `BENCH_ONLY=<key> npm run bench` runs one scenario (keys as in the results file, e.g. `pageFirstPaint`;
 * `opencode` for `opencodeLatency`) and replaces only its figures in the results file.
 */
const only = process.env.BENCH_ONLY === "opencode" ? "opencodeLatency" : process.env.BENCH_ONLY

function wanted(key: string): boolean {
  return only === undefined || only === "" || only === key
}

async function runScenarios(scratch: string) {
  const results: Record<string, unknown> = { machine: ranOn, startedAt: new Date().toISOString() }
  if (only !== "opencodeLatency" && only !== "hugeItem") await runServerScenarios(scratch, results)
  if (wanted("hugeItem")) {
    results.hugeItem = section(
      "12. One huge item per body vs many items of the same body size: upstream's one POST /sync, each in a workerd of its own, the item read back through its route; then the 60 MiB part through ShareClient",
      await hugeItem(scratch, { RPC_TOKENS: TOKEN, ...BENCH_VARS }, TOKEN),
    )
  }
  if (wanted("opencodeLatency")) {
    results.opencodeLatency = section(
      "9. OpenCode live sharing: part event in OpenCode to the word in a viewer's DOM (real opencode serve, 3 turns x 50 streamed words)",
      await opencodeLatency(scratch, TOKEN),
    )
  }
  const out = process.env.BENCH_RESULTS ?? resolve(here, "results/latest.json")
  mkdirSync(dirname(out), { recursive: true })
  const partial = only !== undefined && only !== ""
  const kept = partial && existsSync(out) ? JSON.parse(readFileSync(out, "utf8")) : {}
  writeFileSync(out, `${JSON.stringify({ ...kept, ...results }, null, 2)}\n`)
  console.log(`\nwritten to ${out}`)
}

async function runServerScenarios(scratch: string, results: Record<string, unknown>) {
  const worker = await startLocalWorker({
    persistTo: join(scratch, "main"),
    vars: { RPC_TOKENS: TOKEN, ...BENCH_VARS },
  })
  const api = new HttpApi(worker.url)
  const connection = await connect({ url: worker.url, token: TOKEN })
  try {
    if (wanted("syncCost")) {
      results.syncCost = section(
        "1. Sync cost vs session size: one 10-part batch, medians of 30 rotating rounds, ratio vs the empty session",
        await syncCost(api),
      )
    }
    if (wanted("rpcVsHttp")) {
      results.rpcVsHttp = section(
        "2. RPC vs HTTP: 2 000 small syncs to one share, medians of 4 alternating rounds",
        await rpcVsHttp(api, connection),
      )
    }
    if (wanted("pipelining")) {
      results.pipelining = section(
        "3. Pipelining: create + first sync, round trips counted on the socket, medians of 40 alternating rounds",
        await pipelining(worker.url, TOKEN),
      )
    }
    if (wanted("concurrency")) {
      results.concurrency = section(
        "4. Concurrency: 50 clients x 200 distinct parts into one share",
        await concurrency(api, TOKEN),
      )
    }
    if (wanted("fanOut")) {
      results.fanOut = section("6. Viewer fan-out: 100 viewer sockets on one share, 30 syncs", await fanOut(api))
    }
    if (wanted("bigSession")) {
      results.bigSession = section(
        "7. A 100 MiB session (10 000 parts, 20 over 1 MiB): upstream's one POST vs /rpc batches, Worker peak RSS",
        await bigSessionShare(worker.url, worker.process.pid ?? 0, connection, join(scratch, "big-session.db")),
      )
    }
    if (wanted("pageFirstPaint")) {
      results.pageFirstPaint = section(
        "8. A 10 000-part session's share page in Chromium: first paint of the latest turn, bytes before any scroll",
        await pageFirstPaint(api),
      )
    }
    if (wanted("routeMemory")) {
      results.routeMemory = section(
        "10. Memory per route: workerd's peak resident memory above idle while serving a ~110 MB share (fresh workerd per route; and in the process that took the writes)",
        await routeMemory(join(scratch, "route-memory"), { RPC_TOKENS: TOKEN, ...BENCH_VARS }),
      )
    }
    if (wanted("bodyMemory")) {
      results.bodyMemory = section(
        "11. Memory per sync body size: upstream's one POST /sync of 1 to 90 MiB (a new share each), in one Worker and each in a Worker of its own: workerd's peak RSS above idle",
        await bodyMemory(api, worker.process.pid ?? 0, async () => {
          const own = await startLocalWorker({
            persistTo: mkdtempSync(join(scratch, "body-")),
            vars: { RPC_TOKENS: TOKEN, ...BENCH_VARS },
          })
          return { api: new HttpApi(own.url), pid: own.process.pid ?? 0, stop: own.stop }
        }),
      )
    }
  } finally {
    connection.close()
    await worker.stop()
  }
  if (wanted("restart")) {
    results.restart = section(
      "5. Restart: the Worker stopped and started during a 5 000-part upload",
      await restart(join(scratch, "restart"), scratch, TOKEN),
    )
  }
}

await main()
