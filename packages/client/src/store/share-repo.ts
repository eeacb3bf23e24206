import { asc, eq, isNull } from "drizzle-orm"
import type { StoreDatabase } from "./database.ts"
import { outbox, type ShareRow, type ShareSource, sessionShare } from "./schema.ts"

/** What callers may show about a share: everything but the secret. */
export type ShareSummary = Omit<ShareRow, "secret">

export type NewShare = {
  sessionID: string
  id: string
  secret: string
  url: string
  server: string
  source: ShareSource
}

/** The origin a share URL points at; legacy rows only have the URL. */
function originOf(url: string): string | null {
  return URL.canParse(url) ? new URL(url).origin : null
}

/** Reads and writes of `session_share`, the one record of every share; every code path goes through here. */
export class ShareRepo {
  constructor(private readonly db: StoreDatabase) {}

  get(sessionID: string): ShareRow | undefined {
    return this.db.select().from(sessionShare).where(eq(sessionShare.sessionID, sessionID)).get()
  }

  list(): ShareSummary[] {
    return this.db
      .select({
        sessionID: sessionShare.sessionID,
        id: sessionShare.id,
        url: sessionShare.url,
        server: sessionShare.server,
        source: sessionShare.source,
        timeCreated: sessionShare.timeCreated,
        timeUpdated: sessionShare.timeUpdated,
        timeSynced: sessionShare.timeSynced,
      })
      .from(sessionShare)
      .orderBy(asc(sessionShare.timeCreated), asc(sessionShare.sessionID))
      .all()
  }

  /** Record a share the server just created (replacing a stale record of the same session). */
  save(share: NewShare): ShareRow {
    const now = Date.now()
    return this.db
      .insert(sessionShare)
      .values({ ...share, timeCreated: now, timeUpdated: now })
      .onConflictDoUpdate({
        target: sessionShare.sessionID,
        set: { id: share.id, secret: share.secret, url: share.url, server: share.server, source: share.source },
      })
      .returning()
      .get()
  }

  /** Record shares found in an older layout; an existing record always wins, so importing twice changes nothing. */
  importMissing(shares: NewShare[]): number {
    return this.db.transaction((tx) =>
      shares.reduce((imported, share) => {
        const inserted = tx.insert(sessionShare).values(share).onConflictDoNothing().returning().all()
        return imported + inserted.length
      }, 0),
    )
  }

  /** Rows written by the old HTTP client carry no server: derive it from their URL so they sync over RPC. */
  backfillLegacyRows(): number {
    const legacy = this.db.select().from(sessionShare).where(isNull(sessionShare.server)).all()
    return this.db.transaction((tx) =>
      legacy.reduce((updated, row) => {
        const server = originOf(row.url)
        if (server === null) return updated
        tx.update(sessionShare)
          .set({ server, source: row.source ?? "http" })
          .where(eq(sessionShare.sessionID, row.sessionID))
          .run()
        return updated + 1
      }, 0),
    )
  }

  markSynced(sessionID: string, time = Date.now()): void {
    this.db.update(sessionShare).set({ timeSynced: time }).where(eq(sessionShare.sessionID, sessionID)).run()
  }

  /** Forget a share and whatever was still waiting to be sent for it, in one transaction. */
  remove(sessionID: string): boolean {
    return this.db.transaction((tx) => {
      tx.delete(outbox).where(eq(outbox.sessionID, sessionID)).run()
      const deleted = tx.delete(sessionShare).where(eq(sessionShare.sessionID, sessionID)).returning().all()
      return deleted.length > 0
    })
  }
}
