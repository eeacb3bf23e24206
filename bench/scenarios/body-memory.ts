import type { SyncData } from "@cloudsession/protocol"
import type { HttpApi } from "../http.ts"
import { round } from "../stats.ts"
import { measureWorkerd } from "../workerd-memory.ts"
import { sessionItems } from "./big-session.ts"

const MIB = 1024 * 1024
/** Body sizes, smallest first: the first big body is the one that grows workerd's heap, and it is measured as such. */
const SIZES_MIB = [1, 10, 30, 60, 90]
/**
 * As in scenario 7's session: one item of 1.5 MiB per 5 MiB of body, the rest parts of a few KiB (about 6.4 KiB of
 * JSON each, with a message every 10 parts).
 */
const MIB_PER_BIG_ITEM = 5
const BIG_ITEM_MIB = 1.5
const SMALL_PART_BYTES = 6_400

/** A Worker of its own (started for one measurement, then stopped). */
export type FreshWorker = { api: HttpApi; pid: number; stop: () => Promise<void> }

export type Row = {
  bodyMiB: number
  items: number
  seconds: number
  MiBps: number
  idleMiB: number
  peakAboveIdleMiB: number
  peakPerBodyMiB: number
  /** In the shared Worker: the highest level reached so far, above its idle level before the first body. */
  peakAboveStartMiB?: number
  stored: number
  refused: number
}

/** Upstream's full sync of a session of about `sizeMiB`, into a fresh share, with workerd's memory while it runs. */
export async function postOne(api: HttpApi, workerPid: number, sizeMiB: number, run: string): Promise<Row> {
  const bigItems = Math.floor(sizeMiB / MIB_PER_BIG_ITEM)
  const parts = Math.max(10, Math.round(((sizeMiB - bigItems * BIG_ITEM_MIB) * MIB) / SMALL_PART_BYTES))
  const sessionID = `ses_bench_body_${run}_${Date.now()}`
  const items = sessionItems(sessionID, parts, bigItems)
  const share = await api.create(sessionID)
  const figures = await postFigures(api, workerPid, share, items)
  return { ...figures, stored: await api.partCount(share.id) }
}

/** Upstream's one POST of `items` into `share`, with workerd's memory while it runs: what every body's row has. */
export async function postFigures(
  api: HttpApi,
  workerPid: number,
  share: { id: string; secret: string },
  items: SyncData[],
): Promise<Omit<Row, "stored" | "peakAboveStartMiB">> {
  const body = JSON.stringify({ secret: share.secret, data: items })
  const measured = await measureWorkerd(workerPid, () => api.syncText(share.id, body))
  const bodyMiB = body.length / MIB
  const seconds = measured.ms / 1000
  return {
    bodyMiB: round(bodyMiB, 1),
    items: items.length,
    seconds: round(seconds),
    MiBps: round(bodyMiB / seconds, 1),
    idleMiB: measured.idleMiB,
    peakAboveIdleMiB: measured.peakAboveIdleMiB,
    peakPerBodyMiB: round(measured.peakAboveIdleMiB / bodyMiB),
    refused: measured.value.refused.length,
  }
}

/** How much more memory the largest body took than the smallest, per extra MiB of body. */
function slope(first: Row, last: Row, figure: (row: Row) => number) {
  const bodyMiB = last.bodyMiB - first.bodyMiB
  const peakMiB = figure(last) - figure(first)
  return { bodyMiB: round(bodyMiB, 1), peakAboveIdleMiB: round(peakMiB, 1), peakPerBodyMiB: round(peakMiB / bodyMiB) }
}

/**
 * Scenario 11: upstream OpenCode's full sync (one `POST /api/share/:id/sync` holding the whole session) at growing
 * body sizes. In the benchmark's Worker, in increasing order: each body's peak above the level just before it, and
 * the highest level so far above where the Worker started (the first big body grows workerd's heap, later ones reuse
 * it); the smallest size runs again at the end as the baseline. Then each size in a Worker of its own, where the
 * peak above idle is the whole cost of that one body.
 */
export async function bodyMemory(api: HttpApi, workerPid: number, fresh: () => Promise<FreshWorker>) {
  const rows: Record<string, Row | ReturnType<typeof slope>> = {}
  const shared: Row[] = []
  let start: number | undefined
  let highest = 0
  const sharedRun = async (sizeMiB: number, label: string) => {
    const row = await postOne(api, workerPid, sizeMiB, label.replace(/\W+/g, "_"))
    start ??= row.idleMiB
    highest = Math.max(highest, row.idleMiB + row.peakAboveIdleMiB - start)
    rows[label] = { ...row, peakAboveStartMiB: round(highest, 1) }
    return row
  }
  for (const sizeMiB of SIZES_MIB) shared.push(await sharedRun(sizeMiB, `${sizeMiB} MiB, one Worker`))
  await sharedRun(SIZES_MIB[0] ?? 1, `${SIZES_MIB[0]} MiB again, one Worker`)
  const alone: Row[] = []
  for (const sizeMiB of SIZES_MIB) {
    const worker = await fresh()
    try {
      const row = await postOne(worker.api, worker.pid, sizeMiB, `${sizeMiB}_alone`)
      alone.push(row)
      rows[`${sizeMiB} MiB, own Worker`] = row
    } finally {
      await worker.stop()
    }
  }
  const [firstShared, lastShared] = [shared[0], shared[shared.length - 1]]
  if (firstShared !== undefined && lastShared !== undefined) {
    rows["slope, one Worker (peak above idle)"] = slope(firstShared, lastShared, (row) => row.peakAboveIdleMiB)
  }
  const [firstAlone, lastAlone] = [alone[0], alone[alone.length - 1]]
  if (firstAlone !== undefined && lastAlone !== undefined) {
    rows["slope, own Workers (peak above idle)"] = slope(firstAlone, lastAlone, (row) => row.peakAboveIdleMiB)
  }
  const [secondLastAlone] = alone.slice(-2)
  if (secondLastAlone !== undefined && lastAlone !== undefined) {
    rows["slope, own Workers, two largest"] = slope(secondLastAlone, lastAlone, (row) => row.peakAboveIdleMiB)
  }
  return rows
}
