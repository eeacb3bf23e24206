import { randomBytes } from "node:crypto"
import { eq } from "drizzle-orm"
import type { StoreDatabase } from "./database.ts"
import { pendingCreation } from "./schema.ts"

/** 256 random bits, base64url: the least the server accepts, and as strong as the secret derived from it. */
function newCreationKey(): string {
  return randomBytes(32).toString("base64url")
}

/** Creation keys of shares whose create has not been confirmed yet (see `pendingCreation`). */
export class CreationRepo {
  constructor(private readonly db: StoreDatabase) {}

  /**
   * The key to create the session's share with on `server`: the one a failed attempt left, or a new one, persisted
   * before it is returned so that it outlives a lost reply or a crash. A key left for another server is replaced:
   * it derives the secret of whatever share it made there, so it never goes anywhere else.
   */
  keyFor(sessionID: string, server: string): string {
    return this.db.transaction((tx) => {
      const pending = tx.select().from(pendingCreation).where(eq(pendingCreation.sessionID, sessionID)).get()
      if (pending !== undefined && pending.server === server) return pending.creationKey
      const creationKey = newCreationKey()
      tx.insert(pendingCreation)
        .values({ sessionID, creationKey, server })
        .onConflictDoUpdate({
          target: pendingCreation.sessionID,
          set: { creationKey, server, timeCreated: Date.now() },
        })
        .run()
      return creationKey
    })
  }

  /** The share was recorded, or the server refused it for good: its key is done with. */
  clear(sessionID: string): void {
    this.db.delete(pendingCreation).where(eq(pendingCreation.sessionID, sessionID)).run()
  }

  /** For tests and diagnostics: the key waiting for a session, if any. */
  pending(sessionID: string): string | undefined {
    return this.db.select().from(pendingCreation).where(eq(pendingCreation.sessionID, sessionID)).get()?.creationKey
  }
}
