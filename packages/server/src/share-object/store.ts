import { LIMITS, type Session, type SessionIndex, type ShareSnapshot, type SyncResult } from "@cloudsession/protocol"
import type { RenderBudget } from "../render/budget.ts"
import { DIFF_PAGE_CHARS } from "../settings/limits.ts"
import type { MeteredSql } from "../storage/metered-sql.ts"
import { migrate, tableExists } from "../storage/migrations.ts"
import { currentHtml, type DiffEntry, type PreviousDiff, RenderedItems, renderBudget, rendererOf } from "./rendered.ts"
import type { DataRow, RowData, RowWrite, ShareRow, StoredRow } from "./rows.ts"
import { SHARE_SCHEMA, TOMBSTONE_STATEMENT } from "./schema.ts"

export type NewShare = {
  id: string
  sessionID: string
  secretHash: string
  session: Session
  createdAt: number
  lastUpdated: number
  syncCount: number
  expiresAt?: number
  anonymous?: boolean
}

/** What a deleted share leaves behind (see `TOMBSTONE_STATEMENT`). */
export type Tombstone = { deletedAt: number; reason: string }

/**
 * A piece applied: the share's new version and sync count, its size afterwards (for the quotas), and the R2 keys of
 * row data it replaced.
 */
export type Applied = { version: number; syncCount: number; storedBytes: number; itemCount: number; replaced: string[] }

/** What one row write changed: 1 when the row is new (for the counters), and the share's growth in JSON characters. */
type Written = { added: number; grew: number }

/**
 * A stored row's size in JSON characters: inline text, or the size its R2 object was written with (`blob_chars`,
 * NULL for a row put in R2 before that column existed: counted as 0).
 */
const ROW_CHARS = "coalesce(length(data), blob_chars, 0)"

/**
 * Most rows of one page (what a page holds is bounded by bytes first: see `rowsPage`). Rows are taken from SQLite one
 * at a time, so the rows after a full page are never read.
 */
const PAGE_MAX_ROWS = 2000

export type PagedTable = "message" | "part"
/** Where a page ends: `[id]` for messages, `[messageID, id]` for parts; `[]` starts at the beginning. */
export type PageKey = string[]
/**
 * `keys` are the rows' keys in the same order (`[messageID, id]` for parts: what their stored HTML is looked up by);
 * `html`, when asked for, each part's stored HTML (null where there is none).
 */
export type RowsPage = { rows: StoredRow[]; keys: PageKey[]; next?: PageKey; html?: (string | null)[] }
type KeyedRow = DataRow & { id: string; message_id: string; html: string | null; renderer: number | null }

/** A share without its messages and parts, with rows as JSON text (see `ShareStore.head`). */
export type SnapshotHead = {
  id: string
  session: string
  diffs: StoredRow[]
  models: StoredRow[]
  metadata: ShareSnapshot["metadata"]
}

/** A head with the first page of messages and of parts: what one call to the Durable Object reads. */
export type FirstRead = SnapshotHead & { messages: RowsPage; parts: RowsPage; diffHtml?: (string | null)[] }

type Counts = Pick<ShareRow, "message_count" | "part_count" | "diff_count" | "model_count" | "stored_bytes">

/**
 * All SQL of one share. Synchronous on purpose: the Durable Object runs it inside `transactionSync`, so a batch is
 * applied whole or not at all, and no other request interleaves with it (the DO is the share's single writer).
 */
export class ShareStore {
  private readonly storage: DurableObjectStorage
  private readonly sql: MeteredSql
  /** Each part's and diff file's HTML, rendered when written (see RenderedItems). */
  readonly rendered: RenderedItems

  /**
   * Tables are created with the share (create, import), not when the object starts: a request for an unknown id
   * then leaves no storage behind. An object that already holds a share gets the schema steps released since it was
   * made.
   */
  private ready: boolean

  constructor(storage: DurableObjectStorage, sql: MeteredSql) {
    this.storage = storage
    this.sql = sql
    this.rendered = new RenderedItems(sql)
    this.ready = tableExists(sql, "share")
    if (this.ready) this.migrate()
  }

  migrate(): void {
    migrate(this.storage, this.sql, SHARE_SCHEMA)
    this.sql.takeCost()
    this.ready = true
  }

  /** The tombstone of a deleted share, if this object held one. */
  tombstone(): Tombstone | undefined {
    if (this.ready || !tableExists(this.sql, "tombstone")) return undefined
    const row = this.sql.first<{ deleted_at: number; reason: string }>("SELECT deleted_at, reason FROM tombstone")
    return row === undefined ? undefined : { deletedAt: row.deleted_at, reason: row.reason }
  }

  /** After the storage was wiped: remember only that a share was here and why it went. */
  bury(now: number, reason: string): void {
    this.sql.run(TOMBSTONE_STATEMENT)
    this.sql.run("INSERT OR REPLACE INTO tombstone (singleton, deleted_at, reason) VALUES (1, ?, ?)", now, reason)
    this.sql.takeCost()
  }

  /** The owner's changes to a share's life: each one statement on the header. */
  setExpiry(expiresAt: number | null): void {
    this.sql.run("UPDATE share SET expires_at = ? WHERE singleton = 1", expiresAt)
  }

  setListed(listed: boolean): void {
    this.sql.run("UPDATE share SET listed = ? WHERE singleton = 1", listed ? 1 : 0)
  }

  /** A new secret; the old one's digest is kept so its holder can be told why it no longer works. */
  rotateSecret(secretHash: string): void {
    this.sql.run("UPDATE share SET previous_secret_hash = secret_hash, secret_hash = ? WHERE singleton = 1", secretHash)
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
        session, session_version, expires_at, anonymous, stored_bytes)
        VALUES (1, ?, ?, ?, ?, ?, ?, 0, ?, 0, ?, ?, length(?)) RETURNING *`,
      share.id,
      share.sessionID,
      share.secretHash,
      share.createdAt,
      share.lastUpdated,
      share.syncCount,
      JSON.stringify(share.session),
      share.expiresAt ?? null,
      share.anonymous === true ? 1 : 0,
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
   * Apply one piece of a sync on top of `header` (read in the same transaction) as the next version: upserts keyed by
   * id, counters (and the share's size) kept incrementally. Callers wrap this in a transaction.
   */
  applyRows(header: ShareRow, rows: RowWrite[], now: number, bumpSyncCount: boolean): Applied {
    const version = header.version + 1
    const counts: Counts = {
      message_count: header.message_count,
      part_count: header.part_count,
      diff_count: header.diff_count,
      model_count: header.model_count,
      stored_bytes: header.stored_bytes,
    }
    const replaced: string[] = []
    const sessionVersion = rows.some((row) => row.table === "session") ? version : header.session_version
    const diffVersion = rows.some((row) => row.table === "diffs") ? version : header.diff_version
    const session = rows.reduce<string>(
      (current, row) => (row.table === "session" ? row.text : current),
      header.session,
    )
    // One render budget for the diff files this piece changes: see RenderedItems.
    const budget = renderBudget("write")
    for (const row of rows) this.applyRow(row, version, counts, replaced, budget)
    counts.stored_bytes += session.length - header.session.length
    const syncCount = header.sync_count + (bumpSyncCount ? 1 : 0)
    this.sql.run(
      `UPDATE share SET version = ?, last_updated = ?, sync_count = ?, session = ?, session_version = ?,
        diff_version = ?, message_count = ?, part_count = ?, diff_count = ?, model_count = ?, stored_bytes = ?
        WHERE singleton = 1`,
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
      counts.stored_bytes,
    )
    const itemCount = counts.message_count + counts.part_count + counts.diff_count + counts.model_count
    return { version, syncCount, storedBytes: counts.stored_bytes, itemCount, replaced }
  }

  private applyRow(row: RowWrite, version: number, counts: Counts, replaced: string[], budget: RenderBudget): void {
    switch (row.table) {
      case "session":
        return
      case "message": {
        const written = this.upsertMessage(row.key, row.data, version, replaced)
        counts.message_count += written.added
        counts.stored_bytes += written.grew
        return
      }
      case "part": {
        const written = this.upsertPart(row, version, replaced)
        counts.part_count += written.added
        counts.stored_bytes += written.grew
        return
      }
      case "diffs": {
        const diffs = this.replaceDiffs(row.entries, version, replaced, budget)
        counts.diff_count = diffs.count
        counts.stored_bytes += diffs.grew
        return
      }
      case "model": {
        const written = this.upsertModel(row.key, row.text, version)
        counts.model_count += written.added
        counts.stored_bytes += written.grew
        return
      }
    }
  }

  /** Insert or replace one message. */
  private upsertMessage(id: string, data: RowData, version: number, replaced: string[]): Written {
    const existing = this.sql.first<{ blob: string | null; size: number }>(
      `SELECT blob, ${ROW_CHARS} AS size FROM message WHERE id = ?`,
      id,
    )
    if (existing?.blob) replaced.push(existing.blob)
    // created_version is set by the insert only: an update keeps the version that first wrote the row (for `?v=`).
    this.sql.run(
      `INSERT INTO message (id, data, blob, blob_chars, version, created_version) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET data = excluded.data, blob = excluded.blob, blob_chars = excluded.blob_chars,
          version = excluded.version`,
      id,
      textOf(data),
      blobOf(data),
      blobCharsOf(data),
      version,
      version,
    )
    return { added: existing === undefined ? 1 : 0, grew: charsOf(data) - (existing?.size ?? 0) }
  }

  /**
   * Parts are keyed by message and id, as OpenCode keys them: the table is that key's own b-tree. The part's HTML
   * (made by the Worker, see RenderedItems) is written with it; without any, a stale one is dropped.
   */
  private upsertPart(row: RowWrite & { table: "part" }, version: number, replaced: string[]): Written {
    const { key: id, messageID, data } = row
    const existing = this.sql.first<{ blob: string | null; size: number }>(
      `SELECT blob, ${ROW_CHARS} AS size FROM part WHERE message_id = ? AND id = ?`,
      messageID,
      id,
    )
    if (existing?.blob) replaced.push(existing.blob)
    this.sql.run(
      `INSERT INTO part (message_id, id, data, blob, blob_chars, version, created_version, html, renderer)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(message_id, id) DO UPDATE SET data = excluded.data, blob = excluded.blob,
          blob_chars = excluded.blob_chars, version = excluded.version, html = excluded.html, renderer = excluded.renderer`,
      messageID,
      id,
      textOf(data),
      blobOf(data),
      blobCharsOf(data),
      version,
      version,
      row.html ?? null,
      rendererOf(row.html),
    )
    return { added: existing === undefined ? 1 : 0, grew: charsOf(data) - (existing?.size ?? 0) }
  }

  private upsertModel(key: string, text: string, version: number): Written {
    const before = this.sql.first<{ size: number }>("SELECT length(data) AS size FROM model WHERE key = ?", key)
    this.sql.run(
      `INSERT INTO model (key, data, version) VALUES (?, ?, ?)
        ON CONFLICT(key) DO UPDATE SET data = excluded.data, version = excluded.version`,
      key,
      text,
      version,
    )
    return { added: before === undefined ? 1 : 0, grew: text.length - (before?.size ?? 0) }
  }

  /**
   * `session_diff` carries the session's whole current diff (OpenCode sends the full list on every change), so it
   * replaces the stored set: replaying it cannot duplicate entries, and a reverted file disappears. Cost follows
   * the size of the diff list, not of the session.
   */
  private replaceDiffs(
    entries: DiffEntry[],
    version: number,
    replaced: string[],
    budget: RenderBudget,
  ): { count: number; grew: number } {
    const previous = new Map<string, PreviousDiff>()
    for (const row of this.sql.all<PreviousDiff & { file: string; blob: string | null }>(
      "SELECT file, data, blob, html, renderer FROM diff",
    )) {
      if (row.blob !== null) replaced.push(row.blob)
      previous.set(row.file, row)
    }
    const before = this.sql.one<{ size: number }>(`SELECT coalesce(sum(${ROW_CHARS}), 0) AS size FROM diff`)
    this.sql.run("DELETE FROM diff")
    let size = 0
    for (const entry of entries) {
      size += charsOf(entry.data)
      const html = this.rendered.diffHtml(entry, previous.get(entry.key), budget)
      this.sql.run(
        "INSERT INTO diff (file, data, blob, blob_chars, version, html, renderer) VALUES (?, ?, ?, ?, ?, ?, ?)",
        entry.key,
        textOf(entry.data),
        blobOf(entry.data),
        blobCharsOf(entry.data),
        version,
        html ?? null,
        rendererOf(html),
      )
    }
    return { count: entries.length, grew: size - before.size }
  }

  /**
   * Everything of the share but its messages and parts, which can be large and are read in pages (`rowsPage`).
   * With `since`, only what changed after that version; diffs, when present, are the full set. Rows stay JSON text:
   * the Worker streams them out as they are or parses them, whichever its caller needs.
   */
  head(header: ShareRow, since = -1): SnapshotHead {
    const texts = (rows: DataRow[]) => rows.map(storedRow)
    return {
      id: header.id,
      session: header.session,
      diffs: this.diffsChanged(header, since)
        ? texts(this.sql.all<DataRow>("SELECT data, blob FROM diff ORDER BY file"))
        : [],
      models: texts(
        this.sql.all<DataRow>("SELECT data, NULL AS blob FROM model WHERE version > ? ORDER BY key", since),
      ),
      metadata: {
        createdAt: header.created_at,
        lastUpdated: header.last_updated,
        syncCount: header.sync_count,
        sessionID: header.session_id,
        version: header.version,
        diffVersion: header.diff_version,
        ...(header.expires_at === null ? {} : { expiresAt: header.expires_at }),
      },
    }
  }

  private diffsChanged(header: ShareRow, since: number): boolean {
    return header.diff_version > since
  }

  /**
   * The HTML of the first diff files, in the order `head` reads diffs in (none when `head` read none), up to
   * DIFF_PAGE_CHARS (the first file always): the stored HTML, else rendered now within `budget` (inline files) and
   * kept, else null (the view renders it from the row). The files after are not read; a page lists them only.
   */
  diffHtml(header: ShareRow, since: number, budget: RenderBudget): (string | null)[] {
    if (!this.diffsChanged(header, since)) return []
    const shown: (string | null)[] = []
    const late: { index: number; file: string; data: string }[] = []
    let chars = 0
    for (const row of this.sql.each<{
      file: string
      data: string | null
      html: string | null
      renderer: number | null
    }>("SELECT file, data, html, renderer FROM diff ORDER BY file")) {
      const stored = currentHtml(row)
      // A file to render counts as the most a stored one could be, so the page stays within its size either way.
      const size = stored?.length ?? DIFF_PAGE_CHARS
      if (shown.length > 0 && chars + size > DIFF_PAGE_CHARS) break
      chars += size
      shown.push(stored ?? null)
      if (stored === undefined && row.data !== null)
        late.push({ index: shown.length - 1, file: row.file, data: row.data })
    }
    // Once the query is done: a late render writes the row it renders.
    for (const { index, file, data } of late) shown[index] = this.rendered.lateDiff(file, data, budget) ?? null
    return shown
  }

  /**
   * A part's row and its message's row (absent when the message never arrived), as stored (text or R2 key). Parts
   * are keyed by (message_id, id), and a link names the part alone, so this scans the part keys: an index on `id`
   * would cost every synced part a third row write, for a lookup only a permalink into an unloaded turn makes.
   */
  part(partID: string): { part: StoredRow; message?: StoredRow } | undefined {
    const row = this.sql.first<DataRow & { message_id: string }>(
      "SELECT data, blob, message_id FROM part WHERE id = ?",
      partID,
    )
    if (row === undefined) return undefined
    const message = this.sql.first<DataRow>("SELECT data, blob FROM message WHERE id = ?", row.message_id)
    return message === undefined ? { part: storedRow(row) } : { part: storedRow(row), message: storedRow(message) }
  }

  /**
   * One page of message or part rows newer than `since`, in display order (messages by id, parts by message then
   * id), starting after the key `after` and holding up to `maxBytes` of JSON (at least one row). Keyset paging:
   * each page costs its own rows, however deep into the share it starts. With `htmlBudget` (a page of parts for a
   * view), each part's HTML comes too (`html`): the stored one, else rendered now within the budget and kept, else
   * null (a part in R2, or the budget is spent: the view renders it).
   */
  rowsPage(table: PagedTable, since: number, after: PageKey, maxBytes: number, htmlBudget?: RenderBudget): RowsPage {
    const withHtml = htmlBudget !== undefined && table === "part"
    const page: RowsPage = { rows: [], keys: [] }
    const html: (string | null)[] = []
    /** Inline parts read without current HTML: rendered once the query is done (see `withLateHtml`). */
    const late: { index: number; row: KeyedRow }[] = []
    let bytes = 0
    for (const row of this.pageQuery(table, since, after, withHtml)) {
      const key = table === "part" ? [row.message_id, row.id] : [row.id]
      page.rows.push(storedRow(row))
      page.keys.push(key)
      // UTF-16 length: a page-size estimate, not a limit, so the exact byte count is not worth encoding for.
      bytes += (row.data ?? row.blob ?? "").length
      const stored = withHtml ? currentHtml(row) : undefined
      html.push(stored ?? null)
      bytes += stored?.length ?? 0
      if (withHtml && stored === undefined && row.data !== null) late.push({ index: html.length - 1, row })
      // Leaving the loop ends the query: the rows after this one are not read.
      if (bytes >= maxBytes || page.rows.length >= PAGE_MAX_ROWS) {
        page.next = key
        break
      }
    }
    if (htmlBudget === undefined || !withHtml) return page
    for (const { index, row } of late) {
      html[index] = this.rendered.latePart(row.message_id, row.id, row.data ?? "", htmlBudget) ?? null
    }
    return { ...page, html }
  }

  private pageQuery(table: PagedTable, since: number, after: PageKey, withHtml: boolean): Generator<KeyedRow> {
    if (table === "message") {
      return this.sql.each<KeyedRow>(
        `SELECT '' AS message_id, id, data, blob, NULL AS html, NULL AS renderer FROM message
          WHERE version > ? AND id > ? ORDER BY id LIMIT ?`,
        since,
        after[0] ?? "",
        PAGE_MAX_ROWS,
      )
    }
    const [messageID = "", partID = ""] = after
    // The HTML only when a view asks: the JSON API reads the rows alone.
    const html = withHtml ? "html, renderer" : "NULL AS html, NULL AS renderer"
    return this.sql.each<KeyedRow>(
      `SELECT message_id, id, data, blob, ${html} FROM part WHERE version > ? AND (message_id, id) > (?, ?)
        ORDER BY message_id, id LIMIT ?`,
      since,
      messageID,
      partID,
      PAGE_MAX_ROWS,
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
    ...(header.expires_at === null ? {} : { expiresAt: header.expires_at }),
    ...(header.listed === 1 ? { listed: true } : {}),
  }
}

function textOf(data: RowData): string | null {
  return "text" in data ? data.text : null
}

function blobOf(data: RowData): string | null {
  return "blob" in data ? data.blob : null
}

function blobCharsOf(data: RowData): number | null {
  return "blob" in data ? data.chars : null
}

/** A row's JSON characters, wherever it is put. */
function charsOf(data: RowData): number {
  return "text" in data ? data.text.length : data.chars
}

/** A row as read: inline text, or its R2 key (resolved by the Worker that reads the share). */
function storedRow(row: DataRow): StoredRow {
  if (row.data !== null) return row.data
  return { blob: row.blob ?? "" }
}
