import { join } from "node:path"
import { connect, openStore, ShareClient, type ShareClientOptions } from "@cloudsession/client"
import type { SyncData } from "@cloudsession/protocol"
import { makeDiff, makeSessionItems } from "@cloudsession/protocol/fixtures"
import { type LocalWorker, startLocalWorker } from "../../packages/server/scripts/local-worker.mjs"
import { BENCH_VARS, HttpApi } from "../http.ts"
import { now, round } from "../stats.ts"

export type RestartOptions = { parts: number; restartAfterBatches: number; batchItems: number }

export const FULL_RESTART: RestartOptions = { parts: 5000, restartAfterBatches: 20, batchItems: 100 }

/** A session of `parts` parts whose diff is reported twice mid-way (the second report replaces the first). */
function sessionItems(sessionID: string, parts: number): SyncData[] {
  const items = makeSessionItems(sessionID, parts)
  const files = Array.from({ length: 30 }, (_, index) => `src/file-${index}.ts`)
  items.splice(Math.floor(items.length / 3), 0, {
    type: "session_diff",
    data: files.slice(0, 10).map((f) => makeDiff(f)),
  })
  items.push({ type: "session_diff", data: files.map((file) => makeDiff(file, 5, 5)) })
  return items
}

/**
 * Scenario 5: while the client uploads a session, stop the local Worker and start it again on the same port and
 * state. The client's outbox replays after it reconnects; afterwards the server must hold exactly the session.
 */
export async function restart(stateDir: string, dbDir: string, token: string, options = FULL_RESTART) {
  let worker: LocalWorker = await startLocalWorker({ persistTo: stateDir, vars: { RPC_TOKENS: token, ...BENCH_VARS } })
  const port = worker.port
  const store = await openStore(join(dbDir, `restart-${Date.now()}.db`))
  const connection = await connect({
    url: worker.url,
    token,
    backoff: { baseMs: 50, maxMs: 500 },
    reconnectWindowMs: 120_000,
  })
  // The sender asks the link for a stub before each batch. Holding that until the Worker is down makes the restart
  // land mid-upload on every run, however fast the remaining batches would otherwise go out.
  let stopped: Promise<void> = Promise.resolve()
  const link: ShareClientOptions["link"] = {
    stub: async () => {
      await stopped
      return connection.stub()
    },
    reportFailure: (stub, reason) => connection.reportFailure(stub, reason),
    onReconnect: (listener) => connection.onReconnect(listener),
  }
  const acknowledged = new Set<string>()
  let replayed = 0
  let stoppedAt = 0
  let recoveredAt = 0
  let restarting: Promise<void> | undefined
  const client = new ShareClient({
    store,
    link,
    server: worker.url,
    budget: { maxBytes: 512 * 1024, maxItems: options.batchItems },
    onBatchSent: (event) => {
      acknowledged.add(event.batchID)
      if (event.duplicate) replayed += 1
      if (stoppedAt > 0 && recoveredAt === 0) recoveredAt = now()
      if (acknowledged.size !== options.restartAfterBatches || restarting !== undefined) return
      stopped = worker.stop().then(() => {
        stoppedAt = now()
      })
      restarting = stopped.then(async () => {
        worker = await startLocalWorker({ port, persistTo: stateDir, vars: { RPC_TOKENS: token, ...BENCH_VARS } })
      })
    },
  })
  const sessionID = `ses_bench_restart_${Date.now()}`
  const items = sessionItems(sessionID, options.parts)
  const outcome = await client.share(sessionID, items)
  await restarting
  client.close()
  connection.close()
  const api = new HttpApi(worker.url)
  const snapshot = await api.snapshot(outcome.share.id)
  await worker.stop()
  store.close()
  const distinct = new Set(snapshot.parts.map((part) => part.id))
  const expectedIds = items.flatMap((item) => (item.type === "part" ? [item.data.id] : []))
  const lastDiff = items.findLast((item) => item.type === "session_diff")
  return {
    parts: options.parts,
    restartedAfterBatches: options.restartAfterBatches,
    itemsLost: expectedIds.filter((id) => !distinct.has(id)).length,
    batchesSent: acknowledged.size,
    batchesApplied: snapshot.metadata.syncCount,
    // Parts are keyed by id, so a batch applied twice would not add rows: it would count twice in syncCount.
    duplicated: snapshot.metadata.syncCount - acknowledged.size,
    replayedBatches: replayed,
    diffsStored: snapshot.diffs.length,
    diffsExpected: lastDiff?.type === "session_diff" ? lastDiff.data.length : 0,
    recoverySeconds: stoppedAt > 0 && recoveredAt > 0 ? round((recoveredAt - stoppedAt) / 1000) : Number.NaN,
  }
}
