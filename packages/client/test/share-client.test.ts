import { LIMITS, type SyncData } from "@cloudsession/protocol"
import { makeDiff, makeSessionItems } from "@cloudsession/protocol/fixtures"
import { afterAll, describe, expect, it } from "vitest"
import { ServerMismatchError } from "../src/errors.ts"
import type { BatchRejected } from "../src/sync/outbox-sender.ts"
import { packBatches } from "../src/sync/pack.ts"
import { expectedState, getSnapshot, removeTempDirs, snapshotOf, stateOf, testServer, withClient } from "./helpers.ts"
import { watchClientSockets } from "./socket-watch.ts"

const { url: workerUrl } = testServer()

afterAll(removeTempDirs)

describe("share client over RPC", () => {
  it("shares (create + first batch in one round trip), syncs, and unshares a session", async () => {
    await withClient(async (client, store) => {
      const items = makeSessionItems("ses_client_a", 450)
      const watch = watchClientSockets()
      const outcome = await client.share("ses_client_a", items).finally(() => watch.stop())
      expect(outcome.created).toBe(true)
      // The first batch rode along with createShare (pipelined); the drain only sent the rest.
      const batches = packBatches(items, { maxBytes: 64 * 1024, maxItems: 200 }).length
      expect(batches).toBeGreaterThan(2)
      expect(outcome.sent.batches).toBe(batches - 1)
      // Counted on the socket: create + first batch in one flight, then one per remaining batch. Awaiting the
      // create before sending the first batch would make it batches + 1.
      expect(watch.roundTrips()).toBe(batches)
      expect(store.outbox.count("ses_client_a")).toBe(0)
      expect(client.url("ses_client_a")).toBe(outcome.share.url)

      const later: SyncData[] = [{ type: "session_diff", data: [makeDiff("a.ts"), makeDiff("b.ts")] }]
      await client.sync("ses_client_a", later)
      const server = stateOf(await snapshotOf(outcome.share.id))
      const local = expectedState([...items, ...later])
      expect(server.parts).toEqual(local.parts)
      expect(server.messages).toEqual(local.messages)
      expect(server.diffs).toEqual(local.diffs)

      expect(await client.unshare("ses_client_a")).toEqual({ remote: "deleted" })
      expect((await getSnapshot(workerUrl, outcome.share.id)).status).toBe(410)
      expect(store.shares.get("ses_client_a")).toBeUndefined()
    })
  })

  it("streams live changes through a debounced queue; the latest version of the part is what the server keeps", async () => {
    await withClient(async (client, store) => {
      const outcome = await client.share("ses_live", makeSessionItems("ses_live", 2))
      const errors: unknown[] = []
      const queue = client.queue("ses_live", { debounceMs: 20, onError: (error) => errors.push(error) })
      const part = makeSessionItems("ses_live", 3).findLast((item) => item.type === "part")
      if (part?.type !== "part") throw new Error("fixture has no part")
      for (let length = 1; length <= 50; length++) {
        queue.push({ type: "part", data: { ...part.data, text: "streamed ".repeat(length) } })
      }
      await new Promise((done) => setTimeout(done, 100))
      await client.flush("ses_live")
      expect(errors).toEqual([])
      expect(store.outbox.count("ses_live")).toBe(0)
      const parts = (await snapshotOf(outcome.share.id)).parts
      expect(parts.find((each) => each.id === part.data.id)).toMatchObject({ text: "streamed ".repeat(50) })
      await client.unshare("ses_live")
    })
  })

  it("still forgets a share locally when the server no longer has it", async () => {
    await withClient(async (client, store) => {
      const before = Date.now()
      const outcome = await client.share("ses_gone", makeSessionItems("ses_gone", 3))
      // The whole session rode in the first batch: the record still says when it was last synced.
      expect(outcome.sent.batches).toBe(0)
      expect(store.shares.get("ses_gone")?.timeSynced).toBeGreaterThanOrEqual(before)
      const secret = store.shares.get("ses_gone")?.secret
      const deleted = await fetch(`${workerUrl}/api/share/${outcome.share.id}`, {
        method: "DELETE",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ secret }),
      })
      expect(deleted.status).toBe(200)
      expect(await client.unshare("ses_gone")).toEqual({ remote: "already-gone" })
      expect(store.shares.get("ses_gone")).toBeUndefined()
    })
  })

  it("replays a batch whose reply was lost without duplicating anything, and sends what a crash left behind", async () => {
    await withClient(async (client, store, connection) => {
      const outcome = await client.share("ses_replay", makeSessionItems("ses_replay", 10))
      const record = store.shares.get("ses_replay")
      if (record === undefined) throw new Error("share not recorded")
      const more = makeSessionItems("ses_replay", 40).slice(15)
      const batches = packBatches(more, { maxBytes: 1 << 20, maxItems: 10 })
      store.outbox.enqueue("ses_replay", batches)
      // The server applies the first batch but "the reply is lost": the batch is still in the outbox.
      const first = batches[0]
      if (first === undefined) throw new Error("no batch")
      const stub = await connection.stub()
      expect(await stub.syncShare(record.id, record.secret, first.items, first.batchID)).toMatchObject({
        duplicate: false,
      })
      const replayed = await client.replayOutbox()
      expect(replayed).toMatchObject({ batches: batches.length, duplicates: 1 })
      const server = stateOf(await snapshotOf(outcome.share.id))
      expect(server.parts).toEqual(expectedState([...makeSessionItems("ses_replay", 10), ...more]).parts)
      await client.unshare("ses_replay")
    })
  })

  it("never sends a secret to another server: share, sync and unshare refuse, replays skip it", async () => {
    await withClient(async (client, store) => {
      const elsewhere = "https://elsewhere.example"
      store.shares.save({
        sessionID: "ses_elsewhere",
        id: "elsewhere01",
        secret: "secret-of-the-other-server",
        url: `${elsewhere}/share/elsewhere01`,
        server: elsewhere,
        source: "rpc",
      })
      const items = makeSessionItems("ses_elsewhere", 3)
      // What a crash left for both sessions: only the one shared on this server may be replayed here.
      store.outbox.enqueue("ses_elsewhere", packBatches(items))
      const here = await client.share("ses_here", makeSessionItems("ses_here", 3))
      store.outbox.enqueue("ses_here", packBatches(makeSessionItems("ses_here", 6).slice(4)))
      const watch = watchClientSockets()
      try {
        await expect(client.share("ses_elsewhere", items)).rejects.toBeInstanceOf(ServerMismatchError)
        await expect(client.sync("ses_elsewhere", items)).rejects.toBeInstanceOf(ServerMismatchError)
        await expect(client.unshare("ses_elsewhere")).rejects.toBeInstanceOf(ServerMismatchError)
        expect(await client.replayOutbox()).toMatchObject({ batches: 1, failed: [], rejected: [] })
      } finally {
        watch.stop()
      }
      // The watch saw what went out (the replay of ses_here), so the next check is not vacuous on either runtime.
      expect(watch.sent.length).toBeGreaterThan(0)
      expect(watch.sent.join("\n")).not.toContain("secret-of-the-other-server")
      expect(store.shares.get("ses_elsewhere")?.secret).toBe("secret-of-the-other-server")
      expect(store.outbox.count("ses_elsewhere")).toBe(1)
      expect(store.outbox.count("ses_here")).toBe(0)
      expect((await snapshotOf(here.share.id)).parts).toHaveLength(6)
      await client.unshare("ses_here")
    })
  })

  it("sets aside a batch the server refuses for its content, so the batches after it still flow", async () => {
    const rejected: BatchRejected[] = []
    // One item over the server's per-batch limit: the client's budget lets such a batch through to be refused.
    const budget = { maxBytes: 7 * 1024 * 1024, maxItems: LIMITS.maxBatchItems + 1 }
    await withClient(
      async (client, store) => {
        const items = makeSessionItems("ses_refused", LIMITS.maxBatchItems + 50)
        const outcome = await client.share("ses_refused", items)
        // The pipelined first batch was refused and set aside; the second one was stored.
        expect(outcome.sent.rejected).toMatchObject([{ code: "bad_request", items: LIMITS.maxBatchItems + 1 }])
        expect(outcome.sent.batches).toBe(1)
        expect(store.outbox.count("ses_refused")).toBe(0)

        // The same in the drain: an oversized batch at the head of the outbox, then a good one.
        const later = makeSessionItems("ses_refused", LIMITS.maxBatchItems + 100).slice(-20)
        store.outbox.enqueue("ses_refused", packBatches(items.slice(0, LIMITS.maxBatchItems + 1), budget))
        const sent = await client.sync("ses_refused", later)
        expect(sent).toMatchObject({ batches: 1, items: later.length })
        expect(sent.rejected).toMatchObject([{ code: "bad_request" }])
        expect(rejected).toHaveLength(2)
        expect(store.outbox.count("ses_refused")).toBe(0)
        const stored = new Set((await snapshotOf(outcome.share.id)).parts.map((part) => part.id))
        for (const item of later) if (item.type === "part") expect(stored.has(item.data.id)).toBe(true)
        await client.unshare("ses_refused")
      },
      { budget, onBatchRejected: (event) => rejected.push(event) },
    )
  })

  it("close() flushes open queues into the outbox, from where they are delivered", async () => {
    await withClient(async (client, store) => {
      const outcome = await client.share("ses_closing", makeSessionItems("ses_closing", 2))
      const queue = client.queue("ses_closing", { debounceMs: 60_000 })
      const part = makeSessionItems("ses_closing", 3).findLast((item) => item.type === "part")
      if (part === undefined) throw new Error("fixture has no part")
      queue.push(part)
      expect(store.outbox.count("ses_closing")).toBe(0)
      client.close()
      expect(queue.closed).toBe(true)
      expect(queue.pendingItems).toBe(0)
      expect(store.outbox.pendingItems("ses_closing")).toBe(1)
      await client.flush("ses_closing")
      expect((await snapshotOf(outcome.share.id)).parts).toHaveLength(3)
    })
  })
})
