import { chmodSync, existsSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { makeDiff, makeSession, makeSessionItems, makeTextPart } from "@cloudsession/protocol/fixtures"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { importLegacyJson } from "../src/store/legacy-json.ts"
import { openStore, type ShareStore } from "../src/store/store.ts"
import { coalesce } from "../src/sync/coalesce.ts"
import { ItemTooLargeError, packBatches } from "../src/sync/pack.ts"
import { type QueueOutbox, SyncQueue } from "../src/sync/sync-queue.ts"
import { legacyDatabase, onBun, openRawDatabase, removeTempDirs, tempDir } from "./helpers.ts"

const opened: ShareStore[] = []
async function store(path = join(tempDir(), "shares.db")): Promise<ShareStore> {
  const result = await openStore(path)
  opened.push(result)
  return result
}

afterEach(() => {
  for (const each of opened.splice(0)) each.close()
})
afterAll(removeTempDirs)

describe("local share store (real SQLite file)", () => {
  it("keeps a session's creation key until it is cleared, and never reuses one made for another server", async () => {
    const opened = await store()
    const key = opened.creations.keyFor("ses_k", "http://a")
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(opened.creations.keyFor("ses_k", "http://a")).toBe(key)
    expect(opened.creations.keyFor("ses_other", "http://a")).not.toBe(key)
    const elsewhere = opened.creations.keyFor("ses_k", "http://b")
    expect(elsewhere).not.toBe(key)
    expect(opened.creations.pending("ses_k")).toBe(elsewhere)
    opened.creations.clear("ses_k")
    expect(opened.creations.pending("ses_k")).toBeUndefined()
  })

  it("creates a private database with the share and outbox tables", async () => {
    const path = join(tempDir(), "nested", "dir", "shares.db")
    const opened = await store(path)
    // The driver actually used: Bun's own under Bun (better-sqlite3 is a Node addon), better-sqlite3 on Node.
    expect(opened.driver).toBe(onBun ? "bun:sqlite" : "better-sqlite3")
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(opened.shares.list()).toEqual([])
    const saved = opened.shares.save({
      sessionID: "ses_a",
      id: "shr_a",
      secret: "s".repeat(32),
      url: "http://x/share/shr_a",
      server: "http://x",
      source: "rpc",
    })
    expect(saved.timeCreated).toBeGreaterThan(0)
    expect(opened.shares.get("ses_a")?.secret).toBe("s".repeat(32))
    expect(opened.shares.list()[0]).not.toHaveProperty("secret")
  })

  it("keeps the WAL and shared-memory files as private as the database (they hold the same secrets)", async () => {
    // A permissive umask, as most users have: without care SQLite's -wal/-shm would come out 0644.
    const umask = process.umask(0o022)
    try {
      const path = join(tempDir(), "shares.db")
      const opened = await store(path)
      opened.shares.save({
        sessionID: "ses_mode",
        id: "m",
        secret: "z".repeat(32),
        url: "http://h/share/m",
        server: "http://h",
        source: "rpc",
      })
      for (const file of [path, `${path}-wal`, `${path}-shm`]) {
        expect(existsSync(file), file).toBe(true)
        expect(statSync(file).mode & 0o777, file).toBe(0o600)
      }

      // Files an earlier version left readable, still open elsewhere (so SQLite keeps them): narrowed on open.
      const other = join(tempDir(), "shares.db")
      const holder = openRawDatabase(other)
      holder.exec("PRAGMA journal_mode = WAL")
      holder.exec("CREATE TABLE keep (x)")
      for (const file of [other, `${other}-wal`, `${other}-shm`]) chmodSync(file, 0o644)
      await store(other)
      for (const file of [other, `${other}-wal`, `${other}-shm`]) {
        expect(statSync(file).mode & 0o777, file).toBe(0o600)
      }
      holder.close()
    } finally {
      process.umask(umask)
    }
  })

  it("enforces no foreign key, on Node as on Bun: a legacy OpenCode table accepts a session it does not list", async () => {
    const opened = await store(legacyDatabase([]))
    const saved = opened.shares.save({
      sessionID: "ses_not_in_opencode",
      id: "n",
      secret: "f".repeat(32),
      url: "http://h/share/n",
      server: "http://h",
      source: "rpc",
    })
    expect(saved.sessionID).toBe("ses_not_in_opencode")
  })

  it("keeps its records across reopen and migrates only once", async () => {
    const path = join(tempDir(), "shares.db")
    const first = await store(path)
    first.shares.save({
      sessionID: "ses_b",
      id: "b",
      secret: "x".repeat(20),
      url: "http://h/share/b",
      server: "http://h",
      source: "rpc",
    })
    first.close()
    opened.pop()
    const second = await store(path)
    expect(second.shares.get("ses_b")?.id).toBe("b")
  })

  it("keeps outbox batches in order per session and deletes only acknowledged ones", async () => {
    const opened = await store()
    const batches = packBatches(makeSessionItems("ses_o", 95), { maxBytes: 1 << 20, maxItems: 20 })
    expect(batches.length).toBeGreaterThan(4)
    opened.outbox.enqueue("ses_o", batches)
    opened.outbox.enqueue("ses_other", packBatches([{ type: "session", data: makeSession("ses_other") }]))
    expect(opened.outbox.pending("ses_o").map((row) => row.batchID)).toEqual(batches.map((batch) => batch.batchID))
    expect(opened.outbox.pendingItems("ses_o")).toBe(batches.reduce((sum, batch) => sum + batch.items.length, 0))
    const first = opened.outbox.next("ses_o")
    expect(first?.payload).toEqual(batches[0]?.items)
    opened.outbox.acknowledge(first?.seq ?? -1)
    expect(opened.outbox.next("ses_o")?.batchID).toBe(batches[1]?.batchID)
    expect(opened.outbox.sessionsWithPending()).toEqual(["ses_o", "ses_other"])
  })

  it("upgrades an old OpenCode session_share table in place and keeps its secrets", async () => {
    const path = legacyDatabase([
      {
        sessionID: "ses_old1",
        id: "abcd1234",
        secret: "legacy-secret-0001-uuid",
        url: "https://share.example/share/abcd1234",
      },
    ])
    const opened = await store(path)
    const row = opened.shares.get("ses_old1")
    expect(row).toMatchObject({
      id: "abcd1234",
      secret: "legacy-secret-0001-uuid",
      server: "https://share.example",
      source: "http",
      timeCreated: 1_700_000_000_000,
    })
    // OpenCode's own migration bookkeeping is untouched.
    const raw = openRawDatabase(path, { readonly: true })
    expect(raw.prepare("SELECT count(*) AS n FROM __drizzle_migrations").get()).toEqual({ n: 1 })
    raw.close()
  })

  it("imports legacy JSON share files once, skipping broken ones without echoing secrets", async () => {
    const dir = tempDir()
    writeFileSync(
      join(dir, "ses_j1.json"),
      JSON.stringify({ id: "j1", secret: "json-secret-000001", url: "http://h/share/j1" }),
    )
    writeFileSync(join(dir, "ses_j2.json"), JSON.stringify({ secret: "json-secret-000002", url: "http://h/share/j2" }))
    writeFileSync(join(dir, "ses_bad.json"), JSON.stringify({ secret: "json-secret-000003", url: "not a url" }))
    writeFileSync(join(dir, "notes.txt"), "ignored")
    const opened = await store()
    const report = importLegacyJson(opened.shares, dir)
    expect(report).toMatchObject({ imported: 2, alreadyKnown: 0 })
    expect(report.skipped.map((entry) => entry.file)).toEqual(["ses_bad.json"])
    expect(JSON.stringify(report)).not.toContain("json-secret")
    expect(opened.shares.get("ses_j2")).toMatchObject({ id: "j2", source: "legacy-json", server: "http://h" })
    expect(importLegacyJson(opened.shares, dir)).toMatchObject({ imported: 0, alreadyKnown: 2 })
  })

  it("forgets a share together with its pending batches", async () => {
    const opened = await store()
    opened.shares.save({
      sessionID: "ses_r",
      id: "r",
      secret: "y".repeat(20),
      url: "http://h/share/r",
      server: "http://h",
      source: "rpc",
    })
    opened.outbox.enqueue("ses_r", packBatches(makeSessionItems("ses_r", 5)))
    expect(opened.shares.remove("ses_r")).toBe(true)
    expect(opened.outbox.count("ses_r")).toBe(0)
    expect(opened.shares.remove("ses_r")).toBe(false)
  })
})

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
