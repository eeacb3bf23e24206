import type { SessionIndex, SessionPage } from "@cloudsession/protocol"
import type { MeteredSql } from "../storage/metered-sql.ts"
import { LISTED_TEXT_CHARS } from "./r2-entries.ts"

export type DirectoryQuery = {
  limit: number
  offset: number
  /** Text the title or the directory must contain, case-insensitively; empty for every entry. */
  q: string
  /** Only the shares the owner marked listed, searched by title only: the public listing. */
  listedOnly?: boolean
}

type EntryRow = {
  id: string
  session_id: string
  title: string
  directory: string
  message_count: number
  part_count: number
  diff_count: number
  model_count: number
  last_updated: number
  sync_count: number
  created_at: number
  listed: number
  expires_at: number | null
}

/**
 * Which entry stays when the stored and the incoming one are equally new (same lastUpdated and syncCount): a share
 * publishing its own state wins (an import rewrites an entry with the same clock but true counts); a copy read back
 * from R2 loses, since the share may have published something fresher since R2 was read.
 */
export type TieWinner = "incoming" | "stored"

const SELECTED = `id, session_id, title, directory, message_count, part_count, diff_count, model_count, last_updated,
  sync_count, created_at, listed, expires_at`

/** An incoming entry replaces the stored one only if it is not older: an out-of-order write cannot roll it back. */
const NEWER = `excluded.last_updated > entry.last_updated OR (excluded.last_updated = entry.last_updated
  AND excluded.sync_count > entry.sync_count)`
const SAME = "excluded.last_updated = entry.last_updated AND excluded.sync_count = entry.sync_count"

function upsertStatement(ties: TieWinner): string {
  const wins = ties === "incoming" ? `${NEWER} OR (${SAME})` : NEWER
  return `INSERT INTO entry (id, session_id, title, directory, title_search, directory_search, message_count,
      part_count, diff_count, model_count, last_updated, sync_count, created_at, listed, expires_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET session_id = excluded.session_id, title = excluded.title,
      directory = excluded.directory, title_search = excluded.title_search,
      directory_search = excluded.directory_search, message_count = excluded.message_count,
      part_count = excluded.part_count, diff_count = excluded.diff_count, model_count = excluded.model_count,
      last_updated = excluded.last_updated, sync_count = excluded.sync_count, created_at = excluded.created_at,
      listed = excluded.listed, expires_at = excluded.expires_at
    WHERE ${wins}`
}

/** Titles and directories are kept as long as a listing ever showed them, so no row nears SQLite's 2 MB cap. */
function listed(text: string): string {
  return text.slice(0, LISTED_TEXT_CHARS)
}

function entryOf(row: EntryRow): SessionIndex {
  return {
    id: row.id,
    sessionID: row.session_id,
    title: row.title,
    directory: row.directory,
    messageCount: row.message_count,
    partCount: row.part_count,
    diffCount: row.diff_count,
    modelCount: row.model_count,
    lastUpdated: row.last_updated,
    syncCount: row.sync_count,
    createdAt: row.created_at,
    ...(row.expires_at === null ? {} : { expiresAt: row.expires_at }),
    ...(row.listed === 1 ? { listed: true } : {}),
  }
}

/** The directory's table of listing entries: writes that never go backwards, and newest-first pages. */
export class DirectoryEntries {
  private readonly sql: MeteredSql

  constructor(sql: MeteredSql) {
    this.sql = sql
  }

  upsert(entry: SessionIndex, ties: TieWinner): void {
    const title = listed(entry.title)
    const directory = listed(entry.directory)
    this.sql.run(
      upsertStatement(ties),
      entry.id,
      entry.sessionID,
      title,
      directory,
      title.toLowerCase(),
      directory.toLowerCase(),
      entry.messageCount,
      entry.partCount,
      entry.diffCount,
      entry.modelCount,
      entry.lastUpdated,
      entry.syncCount,
      entry.createdAt,
      entry.listed === true ? 1 : 0,
      entry.expiresAt ?? null,
    )
  }

  remove(shareID: string): void {
    this.sql.run("DELETE FROM entry WHERE id = ?", shareID)
  }

  /**
   * One page, newest first, with the rows SQLite read for it. Without `q` the order comes straight off the index:
   * offset + limit + 1 rows, whatever the number of shares. A search filters while walking the index, so it reads
   * until it has found a page (at worst every row, all inside this object). The text is matched with instr(), never
   * LIKE: a Durable Object caps LIKE patterns at 50 bytes, and `%` / `_` in a query would be wildcards.
   */
  page(query: DirectoryQuery): { page: SessionPage; rowsRead: number } {
    const needle = query.q.toLowerCase()
    // One row past the page tells whether another page follows.
    const window = [query.limit + 1, query.offset]
    this.sql.takeCost()
    const rows = query.listedOnly
      ? this.listedPage(needle, window)
      : needle === ""
        ? this.sql.all<EntryRow>(
            `SELECT ${SELECTED} FROM entry ORDER BY last_updated DESC, id LIMIT ? OFFSET ?`,
            ...window,
          )
        : this.sql.all<EntryRow>(
            `SELECT ${SELECTED} FROM entry WHERE instr(title_search, ?) > 0 OR instr(directory_search, ?) > 0
              ORDER BY last_updated DESC, id LIMIT ? OFFSET ?`,
            needle,
            needle,
            ...window,
          )
    const { rowsRead } = this.sql.takeCost()
    const sessions = rows.slice(0, query.limit).map(entryOf)
    const end = query.offset + query.limit
    return { page: rows.length > query.limit ? { sessions, cursor: String(end) } : { sessions }, rowsRead }
  }

  /** The public listing's page: listed shares in the same order, off their own index; a search is by title. */
  private listedPage(needle: string, window: number[]): EntryRow[] {
    if (needle === "") {
      return this.sql.all<EntryRow>(
        `SELECT ${SELECTED} FROM entry WHERE listed = 1 ORDER BY last_updated DESC, id LIMIT ? OFFSET ?`,
        ...window,
      )
    }
    return this.sql.all<EntryRow>(
      `SELECT ${SELECTED} FROM entry WHERE listed = 1 AND instr(title_search, ?) > 0
        ORDER BY last_updated DESC, id LIMIT ? OFFSET ?`,
      needle,
      ...window,
    )
  }
}
