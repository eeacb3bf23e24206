import {
  diffKey,
  type FileDiff,
  LIMITS,
  modelKey,
  type Part,
  type Session,
  type SessionIndex,
  type ShareSnapshot,
  type SyncData,
  type SyncResult,
} from "@cloudsession/protocol"
import type { MeteredSql } from "../storage/metered-sql.ts"
import { migrate, tableExists } from "../storage/migrations.ts"
import type { DataRow, ShareRow } from "./rows.ts"
import { SHARE_SCHEMA } from "./schema.ts"

export type NewShare = {
  id: string
  sessionID: string
  secretHash: string
  session: Session
  createdAt: number
  lastUpdated: number
  syncCount: number
}

/** Rows fetched per query while a page fills up. */
const PAGE_QUERY_ROWS = 256

export type PagedTable = "message" | "part"
/** Where a page ends: `[id]` for messages, `[messageID, id]` for parts; `[]` starts at the beginning. */
export type PageKey = string[]
export type RowsPage = { rows: string[]; next?: PageKey }
type KeyedRow = { id: string; message_id: string; data: string }

/** A share without its messages and parts, with rows as JSON text (see `ShareStore.head`). */
export type SnapshotHead = {
  id: string
  session: string
  diffs: string[]
  models: string[]
  metadata: ShareSnapshot["metadata"]
}

/** A head with the first page of messages and of parts: what one call to the Durable Object reads. */
export type FirstRead = SnapshotHead & { messages: RowsPage; parts: RowsPage }

type Counts = Pick<ShareRow, "message_count" | "part_count" | "diff_count" | "model_count">

/**
 * All SQL of one share. Synchronous on purpose: the Durable Object runs it inside `transactionSync`, so a batch is
 * applied whole or not at all, and no other request interleaves with it (the DO is the share's single writer).
 */
export class ShareStore {
  private readonly storage: DurableObjectStorage
  private readonly sql: MeteredSql

  /**
   * Tables are created with the share (create, import), not when the object starts: a request for an unknown id
   * then leaves no storage behind. An object that already holds a share gets the schema steps released since it was
   * made.
   */
  private ready: boolean

  constructor(storage: DurableObjectStorage, sql: MeteredSql) {
    this.storage = storage
    this.sql = sql
    this.ready = tableExists(sql, "share")
    if (this.ready) this.migrate()
  }

  migrate(): void {
    migrate(this.storage, this.sql, SHARE_SCHEMA)
    this.sql.takeCost()
    this.ready = true
  }

  /** The object's storage was wiped (share deleted): it has no tables any more. */
  forget(): void {
    this.ready = false
  }

  header(): ShareRow | undefined {
    if (!this.ready) return undefined
    return this.sql.first<ShareRow>("SELECT * FROM share WHERE singleton = 1")
  }

  insertHeader(share: NewShare): ShareRow {
    return this.sql.one<ShareRow>(
      `INSERT INTO share (singleton, id, session_id, secret_hash, created_at, last_updated, sync_count, version,
        session, session_version) VALUES (1, ?, ?, ?, ?, ?, ?, 0, ?, 0) RETURNING *`,
      share.id,
      share.sessionID,
      share.secretHash,
      share.createdAt,
      share.lastUpdated,
      share.syncCount,
      JSON.stringify(share.session),
    )
  }

  /** Result of an already-applied batch, if this batch id was seen. */
  findBatch(batchID: string): SyncResult | undefined {
    const row = this.sql.first<{ result: string }>("SELECT result FROM batch WHERE id = ?", batchID)
    if (row === undefined) return undefined
    return JSON.parse(row.result) as SyncResult
  }

  recordBatch(batchID: string, result: SyncResult): void {
    this.sql.run("INSERT INTO batch (id, result) VALUES (?, ?)", batchID, JSON.stringify(result))
    // Trim by primary key range: deletes at most a row or two per sync, never scans the table.
    this.sql.run("DELETE FROM batch WHERE seq <= (SELECT max(seq) FROM batch) - ?", LIMITS.rememberedBatches)
  }

  /**
   * Apply one batch on top of `header` (read in the same transaction) as the next version: upserts keyed by id,
   * counters kept incrementally. Returns the new version and sync count. Callers wrap this in a transaction.
   */
  applyBatch(
    header: ShareRow,
    items: SyncData[],
    now: number,
    bumpSyncCount: boolean,
  ): { version: number; syncCount: number } {
    const version = header.version + 1
    const counts: Counts = {
      message_count: header.message_count,
      part_count: header.part_count,
      diff_count: header.diff_count,
      model_count: header.model_count,
    }
    const sessionVersion = items.some((item) => item.type === "session") ? version : header.session_version
    const diffVersion = items.some((item) => item.type === "session_diff") ? version : header.diff_version
    const session = items.reduce<string>(
      (current, item) => (item.type === "session" ? JSON.stringify(item.data) : current),
      header.session,
    )
    for (const item of items) this.applyItem(item, version, counts)
    const syncCount = header.sync_count + (bumpSyncCount ? 1 : 0)
    this.sql.run(
      `UPDATE share SET version = ?, last_updated = ?, sync_count = ?, session = ?, session_version = ?,
        diff_version = ?, message_count = ?, part_count = ?, diff_count = ?, model_count = ? WHERE singleton = 1`,
      version,
      now,
      syncCount,
      session,
      sessionVersion,
      diffVersion,
      counts.message_count,
      counts.part_count,
      counts.diff_count,
      counts.model_count,
    )
    return { version, syncCount }
  }

  private applyItem(item: SyncData, version: number, counts: Counts): void {
    switch (item.type) {
      case "session":
        return
      case "message":
        counts.message_count += this.upsert("message", "id", item.data.id, item.data, version)
        return
      case "part":
        counts.part_count += this.upsertPart(item.data, version)
        return
      case "session_diff":
        counts.diff_count = this.replaceDiffs(item.data, version)
        return
      case "model":
        for (const model of item.data)
          counts.model_count += this.upsert("model", "key", modelKey(model), model, version)
        return
    }
  }

  /** Insert or replace one row; returns 1 when the row is new (for the counters), else 0. */
  private upsert(table: "message" | "model", keyColumn: "id" | "key", key: string, data: object, version: number) {
    const existed = this.sql.first(`SELECT 1 AS hit FROM ${table} WHERE ${keyColumn} = ?`, key) !== undefined
    this.sql.run(
      `INSERT INTO ${table} (${keyColumn}, data, version) VALUES (?, ?, ?)
        ON CONFLICT(${keyColumn}) DO UPDATE SET data = excluded.data, version = excluded.version`,
      key,
      JSON.stringify(data),
      version,
    )
    return existed ? 0 : 1
  }

  private upsertPart(part: Part, version: number): number {
    const existed = this.sql.first("SELECT 1 AS hit FROM part WHERE id = ?", part.id) !== undefined
    this.sql.run(
      `INSERT INTO part (id, message_id, data, version) VALUES (?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET message_id = excluded.message_id, data = excluded.data, version = excluded.version`,
      part.id,
      part.messageID,
      JSON.stringify(part),
      version,
    )
    return existed ? 0 : 1
  }

  /**
   * `session_diff` carries the session's whole current diff (OpenCode sends the full list on every change), so it
   * replaces the stored set: replaying it cannot duplicate entries, and a reverted file disappears. Cost follows
   * the size of the diff list, not of the session.
   */
  private replaceDiffs(diffs: FileDiff[], version: number): number {
    this.sql.run("DELETE FROM diff")
    const unique = new Map(diffs.map((diff) => [diffKey(diff), diff]))
    for (const [file, diff] of unique) {
      this.sql.run("INSERT INTO diff (file, data, version) VALUES (?, ?, ?)", file, JSON.stringify(diff), version)
    }
    return unique.size
  }

  /**
   * Everything of the share but its messages and parts, which can be large and are read in pages (`rowsPage`).
   * With `since`, only what changed after that version; diffs, when present, are the full set. Rows stay JSON text:
   * the Worker streams them out as they are or parses them, whichever its caller needs.
   */
  head(header: ShareRow, since = -1): SnapshotHead {
    const texts = (rows: DataRow[]) => rows.map((row) => row.data)
    const diffsChanged = header.diff_version > since
    return {
      id: header.id,
      session: header.session,
      diffs: diffsChanged ? texts(this.sql.all<DataRow>("SELECT data FROM diff ORDER BY file")) : [],
      models: texts(this.sql.all<DataRow>("SELECT data FROM model WHERE version > ? ORDER BY key", since)),
      metadata: {
        createdAt: header.created_at,
        lastUpdated: header.last_updated,
        syncCount: header.sync_count,
        sessionID: header.session_id,
        version: header.version,
        diffVersion: header.diff_version,
      },
    }
  }

  /**
   * One page of message or part rows newer than `since`, in display order (messages by id, parts by message then
   * id), starting after the key `after` and holding up to `maxBytes` of JSON (at least one row). Keyset paging:
   * each page costs its own rows, however deep into the share it starts.
   */
  rowsPage(table: PagedTable, since: number, after: PageKey, maxBytes: number): RowsPage {
    const rows: string[] = []
    let bytes = 0
    let key = after
    for (;;) {
      const batch = this.pageQuery(table, since, key)
      for (const row of batch) {
        rows.push(row.data)
        // UTF-16 length: a page-size estimate, not a limit, so the exact byte count is not worth encoding for.
        bytes += row.data.length
        key = table === "part" ? [row.message_id, row.id] : [row.id]
        if (bytes >= maxBytes) return { rows, next: key }
      }
      if (batch.length < PAGE_QUERY_ROWS) return { rows }
    }
  }

  private pageQuery(table: PagedTable, since: number, after: PageKey): KeyedRow[] {
    if (table === "message") {
      return this.sql.all<KeyedRow>(
        "SELECT '' AS message_id, id, data FROM message WHERE version > ? AND id > ? ORDER BY id LIMIT ?",
        since,
        after[0] ?? "",
        PAGE_QUERY_ROWS,
      )
    }
    const [messageID = "", partID = ""] = after
    return this.sql.all<KeyedRow>(
      `SELECT message_id, id, data FROM part WHERE version > ? AND (message_id, id) > (?, ?)
        ORDER BY message_id, id LIMIT ?`,
      since,
      messageID,
      partID,
      PAGE_QUERY_ROWS,
    )
  }
}

export function indexEntryOf(header: ShareRow): SessionIndex {
  const session = JSON.parse(header.session) as Session
  return {
    id: header.id,
    sessionID: header.session_id,
    title: session.title ?? "",
    directory: session.directory ?? "",
    messageCount: header.message_count,
    partCount: header.part_count,
    diffCount: header.diff_count,
    modelCount: header.model_count,
    lastUpdated: header.last_updated,
    syncCount: header.sync_count,
    createdAt: header.created_at,
  }
}
