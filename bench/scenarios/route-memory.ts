import type { SyncData } from "@cloudsession/protocol"
import { makeMessage, makeSession, makeTextPart } from "@cloudsession/protocol/fixtures"
import { startLocalWorker } from "../../packages/server/scripts/local-worker.mjs"
import { HttpApi } from "../http.ts"
import { round } from "../stats.ts"
import { measureWorkerd } from "../workerd-memory.ts"

/**
 * ~100 MB of session: 100 batches of 4 parts of ~250 KB of markdown-ish text each, every 50th part 1.5 MB instead
 * (over the 1 MiB a SQLite row holds, so its JSON lives in R2 and the streamed routes pass it through).
 */
const BATCHES = 100
const PARTS_PER_BATCH = 4
const PART_CHARS = 250_000
const BIG_EVERY = 50
const BIG_CHARS = 1_500_000

async function read(url: string): Promise<number> {
  const response = await fetch(url)
  const body = new Uint8Array(await response.arrayBuffer())
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`)
  return body.byteLength
}

function paragraph(seed: number): string {
  return `## Step ${seed}\n\nSome *emphasis*, a [link](https://example.com/${seed}) and \`code\`.\n\n- one\n- two\n\n`
}

type Route = { name: string; path: string }

function routesOf(shareID: string): Route[] {
  // The streamed routes first: in the process that took the writes, the first route to pass the whole share through
  // grows workerd's memory and the routes after it reuse that, so the first is the one whose figure is not flattered.
  return [
    { name: "GET /api/share/:id (streamed JSON)", path: `/api/share/${shareID}` },
    { name: "GET /api/share/:id/data (streamed items)", path: `/api/share/${shareID}/data` },
    { name: "GET /share/:id.md (streamed transcript)", path: `/share/${shareID}.md` },
    { name: "GET /share/:id (page)", path: `/share/${shareID}` },
    { name: "GET /share/:id/fragments?since=0", path: `/share/${shareID}/fragments?since=0` },
    { name: "GET /api/share/:id/metadata", path: `/api/share/${shareID}/metadata` },
    { name: "GET /sessions", path: "/sessions" },
  ]
}

async function fillShare(api: HttpApi): Promise<{ shareID: string; chars: number }> {
  const sessionID = `ses_bench_memory_${Date.now()}`
  const share = await api.create(sessionID, [{ type: "session", data: makeSession(sessionID) }])
  let text = ""
  for (let index = 0; text.length < BIG_CHARS; index++) text += paragraph(index)
  let chars = 0
  for (let batch = 0; batch < BATCHES; batch++) {
    const message = makeMessage(sessionID, batch)
    const items: SyncData[] = [{ type: "message", data: message }]
    for (let part = 0; part < PARTS_PER_BATCH; part++) {
      const index = batch * PARTS_PER_BATCH + part
      const size = index % BIG_EVERY === BIG_EVERY - 1 ? BIG_CHARS : PART_CHARS
      chars += size
      items.push({ type: "part", data: makeTextPart(sessionID, message.id, index, text.slice(0, size)) })
    }
    await api.sync(share, items)
  }
  return { shareID: share.id, chars }
}

/**
 * Scenario 10: workerd's peak memory per route while it serves a share of ~100 MB, measured twice. Fresh: each route
 * in a workerd started for it on the stored share (what the route costs on its own). After the writes: every route in
 * turn in the process that stored the share, as the benchmark always measured (allocator state the 100 MB of writes
 * left adds to the first heavy read there; the first route pays it).
 */
export async function routeMemory(stateDir: string, vars: Record<string, string>) {
  let worker = await startLocalWorker({ persistTo: stateDir, vars })
  try {
    const { shareID, chars } = await fillShare(new HttpApi(worker.url))
    const routes = routesOf(shareID)
    const afterWrites = new Map<string, number>()
    for (const route of routes) {
      const measured = await measureWorkerd(worker.process.pid ?? 0, () => read(`${worker.url}${route.path}`))
      afterWrites.set(route.name, measured.peakAboveIdleMiB)
    }
    const rows: Record<string, unknown> = {}
    for (const route of routes) {
      await worker.stop()
      worker = await startLocalWorker({ persistTo: stateDir, vars })
      // One small read first, so the fresh figure is the route's and not the share object's first load.
      await read(`${worker.url}/api/share/${shareID}/metadata`)
      const fresh = await measureWorkerd(worker.process.pid ?? 0, () => read(`${worker.url}${route.path}`))
      rows[route.name] = {
        // Every row says the share's size, so the table reads on its own.
        shareMB: round(chars / 1e6, 0),
        freshIdleMiB: fresh.idleMiB,
        freshPeakAboveIdleMiB: fresh.peakAboveIdleMiB,
        afterWritesPeakAboveIdleMiB: afterWrites.get(route.name),
        ms: fresh.ms,
        bytes: fresh.value,
        targetMiB: 64,
      }
    }
    return rows
  } finally {
    await worker.stop()
  }
}
