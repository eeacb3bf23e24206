import type { SyncData } from "@cloudsession/protocol"
import { chunk, makeSessionItems, makeTextPart } from "@cloudsession/protocol/fixtures"
import type { HttpApi } from "../http.ts"
import { median, now, ratio, round } from "../stats.ts"

const SIZES = [0, 1000, 10_000]
const ROUNDS = 30

function batchOf(sessionID: string, round: number): SyncData[] {
  return Array.from({ length: 10 }, (_, offset) => ({
    type: "part" as const,
    data: makeTextPart(sessionID, "msg_bench", 5_000_000 + round * 10 + offset, `benchmark part ${round}.${offset}`),
  }))
}

/**
 * Scenario 1: the cost of syncing one 10-part batch into sessions of 0, 1 000 and 10 000 parts. The sessions are
 * built first; then each round syncs one batch into every session, rotating which goes first, so warm-up and
 * machine noise fall on all sizes alike.
 */
export async function syncCost(api: HttpApi) {
  const targets = []
  for (const size of SIZES) {
    const sessionID = `ses_bench_cost_${size}_${Date.now()}`
    const share = await api.create(sessionID)
    for (const batch of chunk(makeSessionItems(sessionID, size), 1000)) await api.sync(share, batch)
    targets.push({ size, sessionID, share, times: [] as number[], bytes: [] as number[], rows: [] as number[] })
  }
  for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
    const rotated = [...targets.slice(roundIndex % targets.length), ...targets.slice(0, roundIndex % targets.length)]
    for (const target of rotated) {
      const started = now()
      const result = await api.sync(target.share, batchOf(target.sessionID, roundIndex))
      target.times.push(now() - started)
      target.bytes.push(result.cost.bytesWritten)
      target.rows.push(result.cost.rowsWritten)
    }
  }
  const base = targets[0]
  const baseMs = median(base?.times ?? [])
  const baseBytes = median(base?.bytes ?? [])
  return targets.map((target) => ({
    sessionParts: target.size,
    medianMs: round(median(target.times)),
    bytesWritten: median(target.bytes),
    rowsWritten: median(target.rows),
    timeRatio: round(ratio(median(target.times), baseMs)),
    bytesRatio: round(ratio(median(target.bytes), baseBytes)),
  }))
}
