import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { makeSession, makeSessionItems, makeTextPart } from "@cloudsession/protocol/fixtures"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { importLegacyJson } from "../src/store/legacy-json.ts"
import { ItemSizes, packBatches } from "../src/sync/pack.ts"
import {
  closeTestStore,
  closeTestStores,
  legacyDatabase,
  onBun,
  openRawDatabase,
  removeTempDirs,
  openTestStore as store,
  tempDir,
} from "./helpers.ts"

afterEach(closeTestStores)
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

  // Linux lists every POSIX lock in /proc/locks; that is where a lock this process lost shows.
  it.skipIf(!existsSync("/proc/locks"))(
    "keeps the locks of a connection this process already has open (OpenCode's own, when the plugin opens the store)",
    async () => {
      const path = join(tempDir(), "opencode.db")
      const opencode = openRawDatabase(path)
      opencode.exec("PRAGMA journal_mode = WAL")
      opencode.exec("CREATE TABLE session (id TEXT)")
      chmodSync(path, 0o644)
      const held = { db: locksHeld(path), shm: locksHeld(`${path}-shm`) }
      // In WAL mode a connection keeps a shared lock on the database and one on the -shm file as long as it is open.
      expect(held.db.length).toBeGreaterThan(0)
      expect(held.shm.length).toBeGreaterThan(0)
      await store(path)
      // Without them, the next process to open the database truncates the -shm OpenCode has mapped (SIGBUS).
      expect(locksHeld(path)).toEqual(expect.arrayContaining(held.db))
      expect(locksHeld(`${path}-shm`)).toEqual(expect.arrayContaining(held.shm))
      expect(statSync(path).mode & 0o777).toBe(0o600)
      opencode.close()
    },
  )

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
    closeTestStore(first)
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

  it("stores a big item's batch from the JSON packing made, and gives it back parsed, as stored bytes, or headless", async () => {
    const opened = await store()
    // Over 1 MiB of JSON, with characters JSON escapes and some outside ASCII: alone in its batch.
    const text = 'line "quoted" \\ tab\t é 漢字 🎉\n'.repeat(40_000)
    const item = { type: "part" as const, data: makeTextPart("ses_big", "msg_00000001", 1, text) }
    const small = { type: "session" as const, data: makeSession("ses_big") }
    const sizes = new ItemSizes()
    const batches = packBatches([small, item], undefined, undefined, sizes)
    expect(batches.map((batch) => batch.items.length)).toEqual([1, 1])
    expect(batches[0]?.json).toBeUndefined()
    expect(batches[1]?.json).toBe(JSON.stringify([item]))
    expect(sizes.size(item)).toBe(new TextEncoder().encode(JSON.stringify(item)).byteLength)
    expect(batches[1]?.bytes).toBe(sizes.size(item) + 2)
    const [, queued] = opened.outbox.enqueue("ses_big", batches)
    const seq = queued?.seq ?? -1
    expect(opened.outbox.payload(seq)).toEqual([item])
    expect(Buffer.from(opened.outbox.payloadText(seq) ?? []).toString("utf8")).toBe(JSON.stringify([item]))
    const header = opened.outbox.nextHeader("ses_big")
    expect(header?.batchID).toBe(batches[0]?.batchID)
    expect(header !== undefined && "payload" in header).toBe(false)
    opened.outbox.acknowledge(seq)
    expect(opened.outbox.payload(seq)).toBeUndefined()
    expect(opened.outbox.payloadText(seq)).toBeUndefined()
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

/** The POSIX locks this process holds on `file` ("READ 128-128"), from Linux's /proc/locks. */
function locksHeld(file: string): string[] {
  const inode = `:${statSync(file).ino}`
  return readFileSync("/proc/locks", "utf8")
    .split("\n")
    .filter((line) => !line.includes("->")) // a waiter, not a holder
    .map((line) => line.trim().split(/\s+/)) // 1: POSIX ADVISORY READ <pid> <major>:<minor>:<inode> <start> <end>
    .filter((fields) => fields[1] === "POSIX" && fields[4] === String(process.pid) && fields[5]?.endsWith(inode))
    .map((fields) => `${fields[3]} ${fields[6]}-${fields[7]}`)
}
