import { asc, eq, inArray, sql } from "drizzle-orm"
import type { StoreDatabase } from "./database.ts"
import { type OutboxRow, outbox } from "./schema.ts"

/** An outbox row without its payload: what deciding how to send it takes (`payload`/`payloadText` read the rest). */
export type OutboxHeader = Omit<OutboxRow, "payload">

/** A batch just persisted: where it is in the outbox. */
export type QueuedBatch = Pick<OutboxRow, "seq" | "batchID">

const header = {
  seq: outbox.seq,
  sessionID: outbox.sessionID,
  batchID: outbox.batchID,
  itemCount: outbox.itemCount,
  bytes: outbox.bytes,
  attempts: outbox.attempts,
  timeCreated: outbox.timeCreated,
}

/** A batch ready to be persisted: its items, their encoded size, and the id that makes replays idempotent. */
export type PackedBatch = {
  batchID: string
  items: OutboxRow["payload"]
  bytes: number
  /** `JSON.stringify(items)`, when packing made it already (a big item's): stored as it is, not made again. */
  json?: string
}

/** Persistence of pending batches, oldest first (`seq` is the order they must reach the server in). */
export class OutboxRepo {
  constructor(private readonly db: StoreDatabase) {}

  /**
   * Persist batches atomically: either all of one flush is queued or none of it. Only the rows' places come back,
   * not their payloads read back and parsed (one more copy of a huge item).
   */
  enqueue(sessionID: string, batches: PackedBatch[]): QueuedBatch[] {
    if (batches.length === 0) return []
    return this.db.transaction((tx) =>
      batches.map((batch) =>
        tx
          .insert(outbox)
          .values({
            sessionID,
            batchID: batch.batchID,
            payload: batch.json === undefined ? batch.items : sql`${batch.json}`,
            itemCount: batch.items.length,
            bytes: batch.bytes,
          })
          .returning({ seq: outbox.seq, batchID: outbox.batchID })
          .get(),
      ),
    )
  }

  next(sessionID: string): OutboxRow | undefined {
    return this.db.select().from(outbox).where(eq(outbox.sessionID, sessionID)).orderBy(asc(outbox.seq)).get()
  }

  /** The oldest batch's row without its payload, which a huge batch would make a copy of the item to read. */
  nextHeader(sessionID: string): OutboxHeader | undefined {
    return this.db.select(header).from(outbox).where(eq(outbox.sessionID, sessionID)).orderBy(asc(outbox.seq)).get()
  }

  /** A row's items, parsed (undefined once the row is gone). */
  payload(seq: number): OutboxRow["payload"] | undefined {
    return this.db.select({ payload: outbox.payload }).from(outbox).where(eq(outbox.seq, seq)).get()?.payload
  }

  /**
   * A row's items as stored, their JSON array in UTF-8, neither decoded to a string nor parsed: what the streamed
   * HTTP sync sends as it is (undefined once the row is gone).
   */
  payloadText(seq: number): Uint8Array | undefined {
    const row = this.db
      .select({ text: sql<Uint8Array>`cast(${outbox.payload} as blob)` })
      .from(outbox)
      .where(eq(outbox.seq, seq))
      .get()
    return row?.text
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
