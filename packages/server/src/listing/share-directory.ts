import { DurableObject } from "cloudflare:workers"
import type { SessionIndex, SessionPage } from "@cloudsession/protocol"
import type { Env } from "../env.ts"
import { MeteredSql } from "../storage/metered-sql.ts"
import { migrate } from "../storage/migrations.ts"
import { Backfill, type BackfillStatus } from "./backfill.ts"
import { DirectoryEntries, type DirectoryQuery } from "./entries.ts"
import { DIRECTORY_SCHEMA } from "./schema.ts"

/** A page from the directory, or word that it is still importing R2's entries and the caller must list R2. */
export type DirectoryListing = { ready: false } | { ready: true; page: SessionPage; rowsRead: number }

/**
 * The listing of every share, one instance for the whole deployment (see `directoryOf`). Shares publish their
 * entry here as they change; a listing page is one indexed SQLite query. Entries written before the directory
 * existed are imported from R2 by alarm, a bounded chunk at a time (see `Backfill`).
 */
export class ShareDirectory extends DurableObject<Env> {
  private readonly entries: DirectoryEntries
  private readonly backfill: Backfill

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    const sql = new MeteredSql(ctx.storage.sql)
    migrate(ctx.storage, sql, DIRECTORY_SCHEMA)
    this.entries = new DirectoryEntries(sql)
    this.backfill = new Backfill(ctx.storage, sql, env.SESSIONS_STORE, this.entries)
  }

  /** A share's current entry. An entry older than the stored one is ignored. */
  async upsert(entry: SessionIndex): Promise<void> {
    this.entries.upsert(entry, "incoming")
    await this.startBackfill()
  }

  async remove(shareID: string): Promise<void> {
    this.entries.remove(shareID)
    this.backfill.noteRemoved(shareID)
    await this.startBackfill()
  }

  async page(query: DirectoryQuery): Promise<DirectoryListing> {
    if (!this.backfill.isDone()) {
      await this.startBackfill()
      return { ready: false }
    }
    return { ready: true, ...this.entries.page(query) }
  }

  /** Where the import of R2's entries stands. Reading it starts nothing. */
  backfillStatus(): BackfillStatus {
    return this.backfill.status()
  }

  /** Import the next chunk of R2's entries now (the alarm does this on its own). */
  backfillStep(): Promise<BackfillStatus> {
    return this.backfill.step()
  }

  override async alarm(): Promise<void> {
    // A failed step throws, and the runtime retries the alarm with backoff; should those retries run out, the next
    // call that finds the import unfinished schedules it again.
    const status = await this.backfill.step()
    if (status.phase !== "done") await this.ctx.storage.setAlarm(Date.now())
  }

  /** Any use of an unfinished directory keeps the import going: one alarm step after another until it is done. */
  private async startBackfill(): Promise<void> {
    if (this.backfill.isDone()) return
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now())
  }
}
