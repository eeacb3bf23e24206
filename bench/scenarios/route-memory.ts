import type { SyncData } from "@cloudsession/protocol"
import { makeMessage, makeSession, makeTextPart } from "@cloudsession/protocol/fixtures"
import type { HttpApi } from "../http.ts"
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

/** Scenario 7: workerd's peak memory per route while it serves a share of ~100 MB. */
export async function routeMemory(api: HttpApi, workerPid: number) {
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
  const base = `${api.base}`
  // The streamed routes first: the first route to pass the whole share through grows workerd's heap, and the
  // routes after it reuse that memory, so the first is the one whose figure is not flattered.
  const routes: Record<string, string> = {
    "GET /api/share/:id (streamed JSON)": `${base}/api/share/${share.id}`,
    "GET /api/share/:id/data (streamed items)": `${base}/api/share/${share.id}/data`,
    "GET /share/:id (page)": `${base}/share/${share.id}`,
    "GET /share/:id/fragments?since=0": `${base}/share/${share.id}/fragments?since=0`,
    "GET /api/share/:id/metadata": `${base}/api/share/${share.id}/metadata`,
    "GET /sessions": `${base}/sessions`,
  }
  const figures: Record<string, unknown> = {}
  for (const [route, url] of Object.entries(routes)) {
    const { value: bytes, idleMiB, peakAboveIdleMiB, ms } = await measureWorkerd(workerPid, () => read(url))
    figures[route] = { idleMiB, peakAboveIdleMiB, ms, bytes, targetMiB: 64 }
  }
  // One row per route; every row says the share's size, so the table reads on its own.
  const shareMB = round(chars / 1e6, 0)
  return Object.fromEntries(Object.entries(figures).map(([route, row]) => [route, { shareMB, ...(row as object) }]))
}
