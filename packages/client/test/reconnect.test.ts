import { join } from "node:path"
import type { ShareSnapshot, SyncData } from "@cloudsession/protocol"
import { makeDiff, makeSessionItems } from "@cloudsession/protocol/fixtures"
import { afterAll, describe, expect, it } from "vitest"
import { type LocalWorker, startLocalWorker } from "../../server/scripts/local-worker.mjs"
import { type ConnectionEvent, connect } from "../src/connection/connection.ts"
import { ShareClient } from "../src/share-client.ts"
import { openStore } from "../src/store/store.ts"
import { coalesce } from "../src/sync/coalesce.ts"
import type { BatchSent } from "../src/sync/outbox-sender.ts"
import { expectedState, getSnapshot, removeTempDirs, stateOf, tempDir } from "./helpers.ts"

const TOKEN = "reconnect-test-token"
let worker: LocalWorker | undefined

afterAll(async () => {
  await worker?.stop()
  removeTempDirs()
})

/** 2 000 parts plus their messages, with the diff reported twice (the second replaces the first). */
function bigSession(sessionID: string): SyncData[] {
  const items = makeSessionItems(sessionID, 2000)
  const files = Array.from({ length: 40 }, (_, index) => `src/file-${index}.ts`)
  items.splice(700, 0, { type: "session_diff", data: files.slice(0, 20).map((file) => makeDiff(file)) })
  items.push({ type: "session_diff", data: files.map((file) => makeDiff(file, 9, 2)) })
  return items
}

describe("an upload interrupted by a Worker restart", () => {
  it("resumes from the outbox after reconnecting: the server ends up equal to the local session", async () => {
    const state = tempDir("cloudsession-restart-")
    worker = await startLocalWorker({ persistTo: state, vars: { RPC_TOKENS: TOKEN } })
    const port = worker.port
    const store = await openStore(join(tempDir(), "shares.db"))
    const sent: BatchSent[] = []
    const events: ConnectionEvent[] = []
    let acknowledgedWhenBroken = -1
    const connection = await connect({
      url: worker.url,
      token: TOKEN,
      backoff: { baseMs: 100, maxMs: 1000 },
      reconnectWindowMs: 90_000,
      onEvent: (event) => {
        events.push(event)
        if (event.type === "broken" && acknowledgedWhenBroken < 0) acknowledgedWhenBroken = sent.length
      },
    })
    let restart: Promise<void> | undefined
    const client = new ShareClient({
      store,
      link: connection,
      server: worker.url,
      budget: { maxBytes: 256 * 1024, maxItems: 50 },
      onBatchSent: (event) => {
        sent.push(event)
        if (sent.length !== 5) return
        // Kill the Worker while the upload goes on, then bring it back on the same port with the same state.
        restart = (async () => {
          await worker?.stop()
          worker = await startLocalWorker({ port, persistTo: state, vars: { RPC_TOKENS: TOKEN } })
        })()
      },
    })

    const items = bigSession("ses_restart")
    const outcome = await client.share("ses_restart", items)
    await restart

    const totalBatches = Math.ceil(items.length / 50)
    // The session really broke in the middle of the upload, not after it.
    expect(acknowledgedWhenBroken).toBeGreaterThanOrEqual(5)
    expect(acknowledgedWhenBroken).toBeLessThan(totalBatches)
    expect(events.filter((event) => event.type === "connected").length).toBeGreaterThanOrEqual(2)
    expect(store.outbox.count("ses_restart")).toBe(0)
    // Every item went out exactly once (the two diff reports coalesce into the latest one).
    expect(sent.reduce((sum, event) => sum + event.items, 0)).toBe(coalesce(items).length)

    const viewed = await getSnapshot(worker.url, outcome.share.id)
    expect(viewed.status).toBe(200)
    const snapshot = viewed.body as ShareSnapshot
    // The arrays as served, not maps keyed by id: a part or message stored twice would show here.
    expect(snapshot.parts).toHaveLength(2000)
    expect(snapshot.messages).toHaveLength(200)
    expect(new Set(snapshot.parts.map((part) => part.id)).size).toBe(2000)
    // Every acknowledged batch was applied exactly once: replays after the restart answered as duplicates and
    // did not count as syncs.
    const batchIDs = new Set(sent.map((event) => event.batchID))
    expect(batchIDs.size).toBe(sent.length)
    expect(snapshot.metadata.syncCount).toBe(batchIDs.size)
    const server = stateOf(snapshot)
    const local = expectedState(items)
    expect(server.session).toEqual(local.session)
    expect(server.messages).toEqual(local.messages)
    expect(server.parts).toEqual(local.parts)
    expect(server.diffs).toHaveLength(40)
    expect(server.diffs).toEqual([...(local.diffs as { file: string }[])].sort((a, b) => a.file.localeCompare(b.file)))

    client.close()
    connection.close()
    store.close()
  })
})
