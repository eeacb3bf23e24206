import { asc, eq, inArray, sql } from "drizzle-orm"
import type { StoreDatabase } from "./database.ts"
import { type OutboxRow, outbox } from "./schema.ts"

/** A batch ready to be persisted: its items, their encoded size, and the id that makes replays idempotent. */
export type PackedBatch = {
  batchID: string
  items: OutboxRow["payload"]
  bytes: number
}

/** Persistence of pending batches, oldest first (`seq` is the order they must reach the server in). */
export class OutboxRepo {
  constructor(private readonly db: StoreDatabase) {}

  /** Persist batches atomically: either all of one flush is queued or none of it. */
  enqueue(sessionID: string, batches: PackedBatch[]): OutboxRow[] {
    if (batches.length === 0) return []
    return this.db.transaction((tx) =>
      batches.map((batch) =>
        tx
          .insert(outbox)
          .values({
            sessionID,
            batchID: batch.batchID,
            payload: batch.items,
            itemCount: batch.items.length,
            bytes: batch.bytes,
          })
          .returning()
          .get(),
      ),
    )
  }

  next(sessionID: string): OutboxRow | undefined {
    return this.db.select().from(outbox).where(eq(outbox.sessionID, sessionID)).orderBy(asc(outbox.seq)).get()
  }

  pending(sessionID: string): OutboxRow[] {
    return this.db.select().from(outbox).where(eq(outbox.sessionID, sessionID)).orderBy(asc(outbox.seq)).all()
  }

  /** Sessions with something waiting, in the order their oldest batch was queued. */
  sessionsWithPending(): string[] {
    return this.db
      .select({ sessionID: outbox.sessionID, first: sql<number>`min(${outbox.seq})` })
      .from(outbox)
      .groupBy(outbox.sessionID)
      .orderBy(sql`min(${outbox.seq})`)
      .all()
      .map((row) => row.sessionID)
  }

  count(sessionID: string): number {
    const row = this.db
      .select({ count: sql<number>`count(*)` })
      .from(outbox)
      .where(eq(outbox.sessionID, sessionID))
      .get()
    return row?.count ?? 0
  }

  /** Items still waiting for the session, for progress reporting. */
  pendingItems(sessionID: string): number {
    const row = this.db
      .select({ items: sql<number>`coalesce(sum(${outbox.itemCount}), 0)` })
      .from(outbox)
      .where(eq(outbox.sessionID, sessionID))
      .get()
    return row?.items ?? 0
  }

  recordAttempt(seq: number): void {
    this.db
      .update(outbox)
      .set({ attempts: sql`${outbox.attempts} + 1` })
      .where(eq(outbox.seq, seq))
      .run()
  }

  /** The server acknowledged the batch: it may go. */
  acknowledge(seq: number): void {
    this.db.delete(outbox).where(eq(outbox.seq, seq)).run()
  }

  /** Drop batches that will never be sent (their share was refused or never recorded). */
  remove(seqs: number[]): number {
    if (seqs.length === 0) return 0
    return this.db.delete(outbox).where(inArray(outbox.seq, seqs)).returning().all().length
  }

  clear(sessionID: string): number {
    return this.db.delete(outbox).where(eq(outbox.sessionID, sessionID)).returning().all().length
  }
}
