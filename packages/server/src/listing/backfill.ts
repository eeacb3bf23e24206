import type { MeteredSql } from "../storage/metered-sql.ts"
import type { DirectoryEntries } from "./entries.ts"
import { readIndexChunk } from "./r2-entries.ts"

/**
 * Bound of one backfill step, which runs in one alarm invocation: one R2 `list` of up to 1 000 entries (R2's page
 * maximum) and at most 40 `get`s for entries without a metadata copy (the seed wrote none), so a step makes at most
 * 41 subrequests, under the 50 per invocation of the Workers Free plan (Paid allows 1 000 or more).
 */
export const BACKFILL_LIST_LIMIT = 1000
export const BACKFILL_GET_LIMIT = 40

export type BackfillStatus =
  | { phase: "not_started" }
  | { phase: "in_progress"; after: string | undefined; scanned: number }
  | { phase: "done"; scanned: number }

type StateRow = { done: number; after: string | null; scanned: number }

/**
 * Imports the listing entries that exist only in R2 (shares written before the directory existed, seed-era ones
 * included) into the directory, a bounded chunk per step, resuming after the last R2 key it imported. Until it is
 * done the directory is incomplete, and listings are served from R2.
 */
export class Backfill {
  private readonly storage: DurableObjectStorage
  private readonly sql: MeteredSql
  private readonly bucket: R2Bucket
  private readonly entries: DirectoryEntries
  private running: Promise<BackfillStatus> | undefined

  constructor(storage: DurableObjectStorage, sql: MeteredSql, bucket: R2Bucket, entries: DirectoryEntries) {
    this.storage = storage
    this.sql = sql
    this.bucket = bucket
    this.entries = entries
  }

  status(): BackfillStatus {
    const row = this.sql.first<StateRow>("SELECT done, after, scanned FROM backfill WHERE singleton = 1")
    if (row === undefined) return { phase: "not_started" }
    if (row.done === 1) return { phase: "done", scanned: row.scanned }
    return { phase: "in_progress", after: row.after ?? undefined, scanned: row.scanned }
  }

  isDone(): boolean {
    return this.status().phase === "done"
  }

  /** A share was deleted: while the import runs, keep its entry from being imported from a stale R2 read. */
  noteRemoved(shareID: string): void {
    if (!this.isDone()) this.sql.run("INSERT OR IGNORE INTO removed (id) VALUES (?)", shareID)
  }

  /** Import the next chunk. Concurrent callers (the alarm, a test) share one step rather than import a chunk twice. */
  step(): Promise<BackfillStatus> {
    this.running ??= this.importChunk().finally(() => {
      this.running = undefined
    })
    return this.running
  }

  private async importChunk(): Promise<BackfillStatus> {
    const before = this.status()
    if (before.phase === "done") return before
    const after = before.phase === "in_progress" ? before.after : undefined
    const scanned = before.phase === "in_progress" ? before.scanned : 0
    const chunk = await readIndexChunk(this.bucket, {
      startAfter: after,
      limit: BACKFILL_LIST_LIMIT,
      maxGets: BACKFILL_GET_LIMIT,
    })
    // Entries and the resume point commit together: a step that fails part-way is simply repeated.
    this.storage.transactionSync(() => {
      for (const entry of chunk.entries) {
        if (this.sql.first("SELECT 1 AS removed FROM removed WHERE id = ?", entry.id) !== undefined) continue
        this.entries.upsert(entry, "stored")
      }
      this.sql.run(
        `INSERT INTO backfill (singleton, done, after, scanned) VALUES (1, ?, ?, ?)
          ON CONFLICT (singleton) DO UPDATE SET done = excluded.done, after = excluded.after,
            scanned = excluded.scanned`,
        chunk.done ? 1 : 0,
        chunk.last ?? null,
        scanned + chunk.scanned,
      )
      // Once done nothing is imported any more, so the tombstones have served their purpose.
      if (chunk.done) this.sql.run("DELETE FROM removed")
    })
    return this.status()
  }
}
