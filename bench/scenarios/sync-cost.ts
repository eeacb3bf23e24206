import type { SyncData } from "@cloudsession/protocol"
import { chunk, makeSessionItems, makeTextPart } from "@cloudsession/protocol/fixtures"
import type { HttpApi } from "../http.ts"
import { median, now, ratio, round } from "../stats.ts"

const SIZES = [0, 1000, 10_000]
const ROUNDS = 15

function batchOf(sessionID: string, round: number): SyncData[] {
  return Array.from({ length: 10 }, (_, offset) => ({
    type: "part" as const,
    data: makeTextPart(sessionID, "msg_bench", 5_000_000 + round * 10 + offset, `benchmark part ${round}.${offset}`),
  }))
}

/** Scenario 1: the cost of syncing one 10-part batch into sessions of 0, 1 000 and 10 000 parts. */
export async function syncCost(api: HttpApi) {
  const rows = []
  for (const size of SIZES) {
    const sessionID = `ses_bench_cost_${size}_${Date.now()}`
    const share = await api.create(sessionID)
    for (const batch of chunk(makeSessionItems(sessionID, size), 1000)) await api.sync(share, batch)
    const times: number[] = []
    const bytes: number[] = []
    const rowsWritten: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const started = now()
      const result = await api.sync(share, batchOf(sessionID, round))
      times.push(now() - started)
      bytes.push(result.cost.bytesWritten)
      rowsWritten.push(result.cost.rowsWritten)
    }
    rows.push({ size, ms: median(times), bytesWritten: median(bytes), rowsWritten: median(rowsWritten) })
  }
  const base = rows[0]
  return rows.map((row) => ({
    sessionParts: row.size,
    medianMs: round(row.ms),
    bytesWritten: row.bytesWritten,
    rowsWritten: row.rowsWritten,
    timeRatio: round(ratio(row.ms, base?.ms ?? row.ms)),
    bytesRatio: round(ratio(row.bytesWritten, base?.bytesWritten ?? row.bytesWritten)),
  }))
}
