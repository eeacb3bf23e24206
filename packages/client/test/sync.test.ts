import { makeDiff, makeSessionItems, makeTextPart } from "@cloudsession/protocol/fixtures"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { coalesce } from "../src/sync/coalesce.ts"
import { ItemTooLargeError, packBatches, travelsOverHttp } from "../src/sync/pack.ts"
import { type QueueOutbox, SyncQueue } from "../src/sync/sync-queue.ts"
import { closeTestStores, removeTempDirs, openTestStore as store } from "./helpers.ts"

afterEach(closeTestStores)
afterAll(removeTempDirs)

describe("coalescing and batching", () => {
  it("keeps the latest version of each item in first-seen order", () => {
    const items = coalesce([
      { type: "part", data: makeTextPart("s", "m", 1, "draft") },
      { type: "part", data: makeTextPart("s", "m", 2, "other") },
      { type: "part", data: makeTextPart("s", "m", 1, "final") },
      { type: "session_diff", data: [makeDiff("a.ts")] },
      { type: "session_diff", data: [makeDiff("a.ts"), makeDiff("b.ts")] },
      { type: "model", data: [{ id: "m1", name: "old" }] },
      { type: "model", data: [{ id: "m2" }, { id: "m1", name: "new" }] },
    ])
    expect(items.map((item) => (item.type === "part" ? item.data.text : item.type))).toEqual([
      "final",
      "other",
      "session_diff",
      "model",
    ])
    expect(items[2]?.data).toHaveLength(2)
    expect(items[3]?.data).toEqual([{ id: "m1", name: "new" }, { id: "m2" }])
  })

  it("packs batches under the byte and item budgets and refuses an item that cannot fit", () => {
    const items = makeSessionItems("ses_p", 300)
    const budget = { maxBytes: 8 * 1024, maxItems: 50 }
    const batches = packBatches(items, budget)
    expect(batches.flatMap((batch) => batch.items)).toEqual(items)
    for (const batch of batches) {
      expect(batch.items.length).toBeLessThanOrEqual(50)
      expect(Buffer.byteLength(JSON.stringify(batch.items))).toBe(batch.bytes)
      expect(batch.bytes).toBeLessThanOrEqual(budget.maxBytes)
    }
    expect(new Set(batches.map((batch) => batch.batchID)).size).toBe(batches.length)
    const huge = { type: "part" as const, data: makeTextPart("s", "m", 1, "x".repeat(10_000)) }
    expect(() => packBatches([huge], budget)).toThrow(ItemTooLargeError)
  })

  it("packs an item too big for RPC alone, for the HTTP sync; only one over the HTTP limit is refused", async () => {
    const budget = { maxBytes: 4 * 1024, maxItems: 50, maxItemBytes: 8 * 1024, maxStreamedItemBytes: 64 * 1024 }
    const part = (index: number, bytes: number) => ({
      type: "part" as const,
      data: makeTextPart("ses_sizes", "m", index, "y".repeat(bytes)),
    })
    const items = [part(1, 100), part(2, 6 * 1024), part(3, 40 * 1024), part(4, 100)]
    const batches = packBatches(items, budget)
    expect(batches.map((batch) => batch.items.length)).toEqual([1, 1, 1, 1])
    // Over the batch budget but within one RPC message: RPC, alone. Over that: HTTP, alone.
    expect(batches.map((batch) => travelsOverHttp(batch.bytes, budget))).toEqual([false, false, true, false])
    expect(() => packBatches([part(5, 70 * 1024)], budget)).toThrow(ItemTooLargeError)
    // Without a streamed limit nothing goes over HTTP: the RPC limit is the item limit, as before.
    const rpcOnly = { maxBytes: 4 * 1024, maxItems: 50, maxItemBytes: 8 * 1024 }
    expect(() => packBatches([part(3, 40 * 1024)], rpcOnly)).toThrow(ItemTooLargeError)

    // The live queue keeps an item for the HTTP sync, and drops only the one no way takes.
    const opened = await store()
    const errors: unknown[] = []
    const queue = new SyncQueue(opened.outbox, "ses_sizes", { budget, onError: (error) => errors.push(error) })
    queue.push(part(1, 100), part(3, 40 * 1024), part(5, 70 * 1024))
    expect(queue.flush()).toBe(2)
    expect(errors).toMatchObject([{ key: `part:${part(5, 0).data.id}` }])
    expect(opened.outbox.pending("ses_sizes").map((row) => travelsOverHttp(row.bytes, budget))).toEqual([false, true])
  })

  it("debounces live changes into the outbox, coalesced", async () => {
    const opened = await store()
    const queued: string[] = []
    const queue = new SyncQueue(opened.outbox, "ses_q", { debounceMs: 30, onQueued: (id) => queued.push(id) })
    for (let version = 0; version < 20; version++) {
      queue.push({ type: "part", data: makeTextPart("ses_q", "m", 1, `streaming ${version}`) })
    }
    queue.push({ type: "part", data: makeTextPart("ses_q", "m", 2) })
    expect(opened.outbox.count("ses_q")).toBe(0)
    await new Promise((done) => setTimeout(done, 80))
    expect(queued).toEqual(["ses_q"])
    const rows = opened.outbox.pending("ses_q")
    expect(rows).toHaveLength(1)
    expect(rows[0]?.payload.map((item) => (item.type === "part" ? item.data.text : ""))).toEqual([
      "streaming 19",
      "Part 2",
    ])
  })

  it("drops only an item too large for any batch (reported alone) and queues the rest", async () => {
    const opened = await store()
    const errors: unknown[] = []
    const budget = { maxBytes: 8 * 1024, maxItems: 50 }
    const queue = new SyncQueue(opened.outbox, "ses_big", { budget, onError: (error) => errors.push(error) })
    queue.push(
      { type: "part", data: makeTextPart("ses_big", "m", 1) },
      { type: "part", data: makeTextPart("ses_big", "m", 2, "x".repeat(10_000)) },
      { type: "part", data: makeTextPart("ses_big", "m", 3) },
    )
    expect(queue.flush()).toBe(1)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(ItemTooLargeError)
    expect(errors[0]).toMatchObject({ key: expect.stringContaining("part:") })
    expect(opened.outbox.pending("ses_big").flatMap((row) => row.payload)).toHaveLength(2)
    expect(queue.pendingItems).toBe(0)
  })

  it("keeps every buffered item when the outbox refuses the write, and retries them on the next flush", async () => {
    const opened = await store()
    let refuse = true
    // The outbox as it behaves while another process holds the write lock past the busy timeout.
    const busy: QueueOutbox = {
      enqueue: (sessionID, batches) => {
        if (refuse) throw new Error("database is locked")
        return opened.outbox.enqueue(sessionID, batches)
      },
    }
    const errors: unknown[] = []
    const budget = { maxBytes: 1 << 20, maxItems: 3 }
    const queue = new SyncQueue(busy, "ses_busy", { budget, onError: (error) => errors.push(error) })
    const parts = [1, 2, 3].map((index) => ({ type: "part" as const, data: makeTextPart("ses_busy", "m", index) }))
    // A full batch's worth flushes from push(): the failure goes to onError, not to whoever pushed.
    expect(() => queue.push(...parts)).not.toThrow()
    expect(errors.map(String)).toEqual(["Error: database is locked"])
    expect(queue.pendingItems).toBe(3)
    expect(() => queue.flush()).toThrow("database is locked")
    expect(queue.pendingItems).toBe(3)
    refuse = false
    expect(queue.flush()).toBe(1)
    expect(queue.pendingItems).toBe(0)
    expect(opened.outbox.pending("ses_busy").flatMap((row) => row.payload)).toEqual(parts)
  })

  it("close() flushes what is buffered and leaves no timer behind", async () => {
    const opened = await store()
    const queued: string[] = []
    const queue = new SyncQueue(opened.outbox, "ses_close", { debounceMs: 20, onQueued: (id) => queued.push(id) })
    queue.push({ type: "part", data: makeTextPart("ses_close", "m", 1) })
    queue.close()
    expect(opened.outbox.count("ses_close")).toBe(1)
    await new Promise((done) => setTimeout(done, 60))
    // The debounce timer did not fire a second flush after close.
    expect(queued).toEqual(["ses_close"])
    expect(() => queue.push({ type: "part", data: makeTextPart("ses_close", "m", 2) })).toThrow("closed")
  })
})
