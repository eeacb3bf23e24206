import { DurableObject } from "cloudflare:workers"
import type { Env } from "../env.ts"
import { MeteredSql } from "../storage/metered-sql.ts"
import { migrate, type Schema, tableExists } from "../storage/migrations.ts"

/**
 * Which share an unauthenticated create made for a session: one instance per session id (see
 * `ShareService.claimSession`). Upstream's client sends nothing but the session id, and `opencode run` with
 * `share: "auto"` creates twice for one session; the second create is refused so the share it syncs is the one it
 * printed. Nobody is ever handed an existing share's secret: a claimed session only answers "taken".
 */
export type Claim = { shareID: string; claimedAt: number }

/** Numbered steps (see `Migration`); the table is made by the first claim, so a look-up leaves no storage. */
const CLAIM_SCHEMA: Schema = {
  migrations: [
    {
      step: 1,
      statements: [
        `CREATE TABLE claim (
          singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
          share_id TEXT NOT NULL,
          claimed_at INTEGER NOT NULL
        )`,
      ],
    },
  ],
  unrecorded: () => 0,
}

type ClaimRow = { share_id: string; claimed_at: number }

export class SessionClaim extends DurableObject<Env> {
  private readonly sql: MeteredSql

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.sql = new MeteredSql(ctx.storage.sql)
  }

  /**
   * Claim the session for `shareID` unless another share holds it. `replacing` names a claim the caller found to
   * point at a share that no longer exists: only that exact claim is replaced (a compare-and-swap).
   */
  async claim(input: { shareID: string; now: number; replacing?: string }): Promise<{ ok: true } | Claim> {
    const current = this.current()
    if (current !== undefined && current.shareID !== input.replacing) return current
    migrate(this.ctx.storage, this.sql, CLAIM_SCHEMA)
    this.sql.run(
      "INSERT INTO claim (singleton, share_id, claimed_at) VALUES (1, ?, ?) ON CONFLICT(singleton) DO UPDATE SET share_id = excluded.share_id, claimed_at = excluded.claimed_at",
      input.shareID,
      input.now,
    )
    return { ok: true }
  }

  /** The session's share was deleted: free the session for a new share (only if the claim is still that share's). */
  async release(shareID: string): Promise<void> {
    if (this.current()?.shareID !== shareID) return
    await this.ctx.storage.deleteAll()
  }

  private current(): Claim | undefined {
    if (!tableExists(this.sql, "claim")) return undefined
    const row = this.sql.first<ClaimRow>("SELECT share_id, claimed_at FROM claim WHERE singleton = 1")
    return row === undefined ? undefined : { shareID: row.share_id, claimedAt: row.claimed_at }
  }
}
