import { env, runInDurableObject } from "cloudflare:test"
import type { ShareInfo, SyncData } from "@cloudsession/protocol"
import { chunk, makeDiff, makeSessionItems, makeTextPart } from "@cloudsession/protocol/fixtures"
import { describe, expect, it } from "vitest"
import { sha256Hex } from "../src/crypto/crypto.ts"
import { api, createShare, getShare, ownerApi, syncShare, uniqueSessionID } from "./helpers.ts"

function tenParts(sessionID: string, from: number): SyncData[] {
  return Array.from({ length: 10 }, (_, offset) => ({
    type: "part" as const,
    data: makeTextPart(sessionID, "msg_batch", from + offset, `batch part ${from + offset}`),
  }))
}

async function shareWithParts(label: string, partCount: number): Promise<{ share: ShareInfo; sessionID: string }> {
  const sessionID = uniqueSessionID(label)
  const share = await createShare(sessionID)
  for (const batch of chunk(makeSessionItems(sessionID, partCount), 1000)) await syncShare(share, batch)
  return { share, sessionID }
}

describe("share storage", () => {
  it("costs the same to sync 10 parts into a 5 000-part session as into an empty one", async () => {
    const empty = await shareWithParts("cost-empty", 0)
    const large = await shareWithParts("cost-large", 5000)
    expect((await getShare(large.share.id)).parts).toHaveLength(5000)

    const intoEmpty = await syncShare(empty.share, tenParts(empty.sessionID, 900_000))
    const intoLarge = await syncShare(large.share, tenParts(large.sessionID, 900_000))

    // Rows touched depend on the batch only: the same batch writes the same rows whatever the session's size.
    expect(intoLarge.cost.rowsWritten).toBe(intoEmpty.cost.rowsWritten)
    expect(intoLarge.cost.rowsRead).toBe(intoEmpty.cost.rowsRead)
    expect(intoLarge.cost.bytesWritten).toBe(intoEmpty.cost.bytesWritten)
    // And that is a small multiple of the batch (row + its indexes, header, batch bookkeeping), nowhere near 5 000.
    expect(intoLarge.cost.rowsWritten).toBeGreaterThanOrEqual(10)
    expect(intoLarge.cost.rowsWritten).toBeLessThan(60)
    expect(intoLarge.cost.rowsRead).toBeLessThan(60)
    expect((await getShare(large.share.id)).parts).toHaveLength(5010)
  })

  it("treats a replayed batch id as a no-op and never appends diffs twice", async () => {
    const sessionID = uniqueSessionID("replay")
    const share = await createShare(sessionID)
    const batch: SyncData[] = [
      { type: "part", data: makeTextPart(sessionID, "msg_1", 1, "once") },
      { type: "session_diff", data: [makeDiff("src/a.ts"), makeDiff("src/b.ts")] },
    ]
    const first = await syncShare(share, batch, "batch-0001-replay")
    const replay = await syncShare(share, batch, "batch-0001-replay")
    expect(first).toMatchObject({ duplicate: false, applied: 2, syncCount: 1 })
    expect(replay).toMatchObject({ duplicate: true, applied: 0, syncCount: 1, version: first.version })
    expect(replay.cost.rowsWritten).toBe(0)

    const snapshot = await getShare(share.id)
    expect(snapshot.diffs).toHaveLength(2)
    expect(snapshot.parts).toHaveLength(1)
    expect(snapshot.metadata.syncCount).toBe(1)

    // Without a batch id the diff list still replaces rather than appends.
    await syncShare(share, [{ type: "session_diff", data: [makeDiff("src/a.ts", 9, 9)] }])
    expect((await getShare(share.id)).diffs).toEqual([makeDiff("src/a.ts", 9, 9)])
  })

  it("lands both of two syncs racing on one share", async () => {
    const sessionID = uniqueSessionID("race")
    const share = await createShare(sessionID)
    const results = await Promise.all([
      syncShare(share, tenParts(sessionID, 0), "race-batch-left"),
      syncShare(share, tenParts(sessionID, 100), "race-batch-right"),
      syncShare(share, tenParts(sessionID, 200)),
    ])
    expect(results.map((result) => result.syncCount).sort()).toEqual([1, 2, 3])
    const snapshot = await getShare(share.id)
    expect(snapshot.parts).toHaveLength(30)
    expect(snapshot.metadata.syncCount).toBe(3)
    const metadata = await (await api(`/api/share/${share.id}/metadata`)).json()
    expect(metadata).toMatchObject({ partCount: 30, syncCount: 3 })
  })

  it("stores only a hash of the secret and never serves it", async () => {
    const sessionID = uniqueSessionID("secret")
    const share = await createShare(sessionID, makeSessionItems(sessionID, 5))
    await syncShare(share, tenParts(sessionID, 50))

    const reads = await Promise.all(
      [
        `/api/share/${share.id}`,
        `/api/share/${share.id}/metadata`,
        "/api/sessions?limit=200",
        `/api/share/${share.id}?since=0`,
      ].map(async (path) => (await ownerApi(path)).text()),
    )
    for (const body of reads) expect(body).not.toContain(share.secret)

    const stub = env.SHARES.get(env.SHARES.idFromName(share.id))
    const stored = await runInDurableObject(stub, (_, state) =>
      state.storage.sql.exec<{ secret_hash: string }>("SELECT secret_hash FROM share").one(),
    )
    expect(stored.secret_hash).toBe(await sha256Hex(share.secret))
    const listing = await env.SESSIONS_STORE.get(`index/${share.id}`)
    expect(await listing?.text()).not.toContain(share.secret)
  })

  it("answers a sync racing a delete with success or 410, never a server error, and keeps nothing", async () => {
    for (let round = 0; round < 5; round += 1) {
      const sessionID = uniqueSessionID(`delete-race-${round}`)
      const share = await createShare(sessionID, makeSessionItems(sessionID, 3))
      const sync = (from: number) =>
        api(`/api/share/${share.id}/sync`, {
          method: "POST",
          json: { secret: share.secret, data: tenParts(sessionID, from) },
        })
      const [first, removed, second] = await Promise.all([
        sync(1000),
        api(`/api/share/${share.id}`, { method: "DELETE", json: { secret: share.secret } }),
        sync(2000),
      ])
      expect(removed.status).toBe(200)
      for (const response of [first, second])
        expect([200, 410], await response.clone().text()).toContain(response.status)
      expect((await api(`/api/share/${share.id}`)).status).toBe(410)
    }
  })
})
