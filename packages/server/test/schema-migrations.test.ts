import { abortAllDurableObjects, env, runInDurableObject } from "cloudflare:test"
import type { ShareInfo } from "@cloudsession/protocol"
import { makeDiff, makeMessage, makeTextPart } from "@cloudsession/protocol/fixtures"
import { describe, expect, it } from "vitest"
import { newSecret, newShareId, sha256Hex } from "../src/crypto/crypto.ts"
import { DIRECTORY_SCHEMA } from "../src/listing/schema.ts"
import { SHARE_SCHEMA } from "../src/share-object/schema.ts"
import { MeteredSql } from "../src/storage/metered-sql.ts"
import { type Migration, migrate } from "../src/storage/migrations.ts"
import { directory, finishBackfill } from "./directory-helpers.ts"
import { createShare, getShare, syncShare, uniqueSessionID } from "./helpers.ts"

/**
 * Digests of every released step (statements with their whitespace collapsed). A released step is never edited,
 * since objects made with it keep what it did: a new step goes at the end of its schema, and its digest here.
 */
const RELEASED = {
  share: [
    "4e5e09e4d5565eceb29d413166c39d4dbf3ecc803829e690ba66b653e8d1cc21",
    "cc94d622974d704067f01dfdf2507a36e353980a521d490ff10ae27da75e7b00",
    "b0ebce84f5e153256e73e1476cbb0726aa963bc294a9b1e38ccfabbc17e9cdc7",
    "f873859a960a155483e84fce953ff5f9037c190b5e1484505c70e1ce23f14760",
    "60990c5e3be41b4914d6351e43858197e1cd9ec0c40d99413345b3c405257c80",
    "de6a0ca3c55b3734aa9ee801447c6ce79ff84070b4d11d511768f5dba2e2fc11",
  ],
  directory: [
    "733de7a41084d2d7fb0a0ae40457d86bd7d534cf02dc11e3ab5bfe1559b8e93b",
    "ac4ac8e753d783b0dcc139027e29f6603d843fc7969686a607d3f7a3c71fd317",
  ],
}

function digestOf(migration: Migration): Promise<string> {
  return sha256Hex(migration.statements.map((statement) => statement.replace(/\s+/g, " ").trim()).join(";\n"))
}

function shareStub(shareID: string) {
  return env.SHARES.get(env.SHARES.idFromName(shareID))
}

type Ledger = { steps: number[]; columns: string[] }

function ledgerOf(state: DurableObjectState, table: string): Ledger {
  const sql = state.storage.sql
  return {
    steps: sql
      .exec<{ step: number }>("SELECT step FROM schema_migration ORDER BY step")
      .toArray()
      .map((row) => row.step),
    columns: sql
      .exec<{ name: string }>(`PRAGMA table_info(${table})`)
      .toArray()
      .map((row) => row.name),
  }
}

/** A share object as the first released Worker left it: step 1's tables, a share with a message, no ledger. */
async function oldestShare(sessionID: string): Promise<ShareInfo> {
  const share = { id: newShareId(), secret: newSecret(), url: "" }
  const secretHash = await sha256Hex(share.secret)
  const [step1] = SHARE_SCHEMA.migrations
  if (step1 === undefined) throw new Error("the share schema has no step 1")
  await runInDurableObject(shareStub(share.id), (_, state) => {
    const sql = state.storage.sql
    for (const statement of step1.statements) sql.exec(statement)
    sql.exec(
      `INSERT INTO share (singleton, id, session_id, secret_hash, created_at, last_updated, sync_count, version,
        session, session_version, message_count) VALUES (1, ?, ?, ?, 1000, 1000, 1, 1, ?, 1, 1)`,
      share.id,
      sessionID,
      secretHash,
      JSON.stringify({ id: sessionID, title: "made by the first schema" }),
    )
    sql.exec(
      "INSERT INTO message (id, data, version) VALUES (?, ?, 1)",
      "msg_0",
      JSON.stringify(makeMessage(sessionID, 0)),
    )
  })
  // Started again, as after a deploy: the object now runs this Worker's code over the old tables. (Stubs from before
  // the restart are broken by it: every use after it takes a new one.)
  await abortAllDurableObjects()
  return share
}

describe("schema migrations", () => {
  it("never edit a released step", async () => {
    const share = await Promise.all(SHARE_SCHEMA.migrations.map(digestOf))
    const listing = await Promise.all(DIRECTORY_SCHEMA.migrations.map(digestOf))
    expect(share.slice(0, RELEASED.share.length)).toEqual(RELEASED.share)
    expect(listing.slice(0, RELEASED.directory.length)).toEqual(RELEASED.directory)
  })

  it("bring a share object made by the oldest schema up to date, and it takes syncs", async () => {
    const sessionID = uniqueSessionID("oldest")
    const share = await oldestShare(sessionID)
    const messageID = makeMessage(sessionID, 0).id
    // A diff is what step 2 tracks: the sync writes diff_version, which the first schema lacked.
    const result = await syncShare(share, [
      { type: "session_diff", data: [makeDiff("src/a.ts")] },
      { type: "part", data: makeTextPart(sessionID, messageID, 0) },
    ])
    expect(result).toMatchObject({ success: true, version: 2, syncCount: 2, applied: 2 })
    const snapshot = await getShare(share.id)
    expect(snapshot.session.title).toBe("made by the first schema")
    expect(snapshot.messages.map((message) => message.id)).toEqual([messageID])
    expect(snapshot.parts).toHaveLength(1)
    expect(snapshot.diffs.map((diff) => diff.file)).toEqual(["src/a.ts"])
    expect(snapshot.metadata.diffVersion).toBe(2)
    const ledger = await runInDurableObject(shareStub(share.id), (_, state) => ledgerOf(state, "share"))
    expect(ledger.steps).toEqual([1, 2, 3, 4, 5, 6])
    expect(ledger.columns).toContain("diff_version")
    // Step 4: the message from before it keeps its version as the one that created it; the new part gets its own.
    const created = await runInDurableObject(shareStub(share.id), (_, state) => ({
      message: state.storage.sql.exec("SELECT created_version AS v FROM message").one().v,
      part: state.storage.sql.exec("SELECT created_version AS v FROM part").one().v,
    }))
    expect(created).toEqual({ message: 1, part: 2 })
    // Step 5 counted what the old share held, and the sync added to it: the size its rows' JSON has now.
    const sizes = await runInDurableObject(shareStub(share.id), (_, state) => {
      const sql = state.storage.sql
      const kept = sql.exec<{ stored: number }>("SELECT stored_bytes AS stored FROM share").one().stored
      const actual = sql
        .exec<{ size: number }>(
          `SELECT (SELECT length(session) FROM share) + (SELECT sum(length(data)) FROM message)
            + (SELECT sum(length(data)) FROM part) + (SELECT coalesce(sum(length(data)), 0) FROM diff) AS size`,
        )
        .one().size
      return { kept, actual }
    })
    expect(sizes.kept).toBe(sizes.actual)
  })

  it("record every step for a new share, and none again when it restarts", async () => {
    const share = await createShare(uniqueSessionID("fresh"))
    const ledger = () => runInDurableObject(shareStub(share.id), (_, state) => ledgerOf(state, "share"))
    expect((await ledger()).steps).toEqual([1, 2, 3, 4, 5, 6])
    // The create woke the directory's import: let it end, so the restart cuts no step of it short.
    await finishBackfill(directory())
    await abortAllDurableObjects()
    await syncShare(share, [{ type: "session_diff", data: [] }])
    expect(await ledger()).toMatchObject({
      steps: [1, 2, 3, 4, 5, 6],
      columns: expect.arrayContaining(["diff_version"]),
    })
  })

  it("record a directory made before the ledger at step 1, keeping its entries", async () => {
    const name = `migration-${Date.now().toString(36)}`
    const stub = directory(name)
    const entry = {
      id: newShareId(),
      sessionID: "ses_before_ledger",
      title: "listed before the ledger",
      directory: "/work",
      messageCount: 1,
      partCount: 2,
      diffCount: 0,
      modelCount: 0,
      lastUpdated: 5000,
      syncCount: 1,
      createdAt: 4000,
    }
    await stub.upsert(entry)
    await runInDurableObject(stub, async (_, state) => {
      await state.storage.deleteAlarm()
      state.storage.sql.exec("INSERT OR REPLACE INTO backfill (singleton, done, after, scanned) VALUES (1, 1, NULL, 0)")
      // As the directory was before the ledger: step 1's tables only.
      state.storage.sql.exec("DROP INDEX entry_listed")
      state.storage.sql.exec("ALTER TABLE entry DROP COLUMN listed")
      state.storage.sql.exec("ALTER TABLE entry DROP COLUMN expires_at")
      state.storage.sql.exec("DROP TABLE schema_migration")
    })
    await abortAllDurableObjects()
    const listed = await directory(name).page({ limit: 10, offset: 0, q: "" })
    // The directory's own import of R2's entries may have run before it was marked done: other tests' shares can
    // be listed too. This one's entry must be, as it was.
    expect(listed.ready).toBe(true)
    const sessions = listed.ready ? listed.page.sessions : []
    expect(sessions.find((candidate) => candidate.id === entry.id)).toEqual(entry)
    expect((await runInDurableObject(directory(name), (_, state) => ledgerOf(state, "entry"))).steps).toEqual([1, 2])
  })

  it("apply pending steps whole or not at all, and refuse steps out of order", async () => {
    await runInDurableObject(shareStub(newShareId()), (_, state) => {
      const sql = new MeteredSql(state.storage.sql)
      const first: Migration = { step: 1, statements: ["CREATE TABLE probe (id TEXT PRIMARY KEY)"] }
      const broken: Migration = { step: 2, statements: ["CREATE TABLE probe_two (id TEXT)", "NOT SQL AT ALL"] }
      const unrecorded = () => 0
      expect(migrate(state.storage, sql, { migrations: [first], unrecorded })).toBe(1)
      expect(() => migrate(state.storage, sql, { migrations: [first, broken], unrecorded })).toThrow()
      expect(ledgerOf(state, "probe_two")).toEqual({ steps: [1], columns: [] })
      expect(() => migrate(state.storage, sql, { migrations: [{ ...broken, step: 3 }], unrecorded })).toThrow(
        "migration 1 is numbered 3",
      )
      state.storage.sql.exec("DROP TABLE probe")
      state.storage.sql.exec("DROP TABLE schema_migration")
    })
  })
})
