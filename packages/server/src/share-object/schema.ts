import type { MeteredSql } from "../storage/metered-sql.ts"
import type { Migration, Schema } from "../storage/migrations.ts"
import { tableExists } from "../storage/migrations.ts"

/**
 * SQLite schema of one share's Durable Object, as numbered steps (see `Migration`: a released step is never edited).
 * Every OpenCode object is a row keyed by its id, so a sync is a handful of indexed upserts whose cost follows the
 * batch, not the session. `version` is the share's change counter at the time a row was last written; viewers ask
 * for rows newer than the version they have.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    step: 1,
    statements: [
      `CREATE TABLE IF NOT EXISTS share (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_updated INTEGER NOT NULL,
        sync_count INTEGER NOT NULL,
        version INTEGER NOT NULL,
        session TEXT NOT NULL,
        session_version INTEGER NOT NULL,
        message_count INTEGER NOT NULL DEFAULT 0,
        part_count INTEGER NOT NULL DEFAULT 0,
        diff_count INTEGER NOT NULL DEFAULT 0,
        model_count INTEGER NOT NULL DEFAULT 0
      )`,
      `CREATE TABLE IF NOT EXISTS message (id TEXT PRIMARY KEY, data TEXT NOT NULL, version INTEGER NOT NULL)`,
      `CREATE INDEX IF NOT EXISTS message_version ON message (version)`,
      `CREATE TABLE IF NOT EXISTS part (
        id TEXT PRIMARY KEY,
        message_id TEXT NOT NULL,
        data TEXT NOT NULL,
        version INTEGER NOT NULL
      )`,
      `CREATE INDEX IF NOT EXISTS part_message ON part (message_id, id)`,
      `CREATE INDEX IF NOT EXISTS part_version ON part (version)`,
      `CREATE TABLE IF NOT EXISTS diff (file TEXT PRIMARY KEY, data TEXT NOT NULL, version INTEGER NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS model (key TEXT PRIMARY KEY, data TEXT NOT NULL, version INTEGER NOT NULL)`,
      `CREATE INDEX IF NOT EXISTS model_version ON model (version)`,
      // Applied batch ids, oldest first by seq, trimmed to the newest LIMITS.rememberedBatches.
      `CREATE TABLE IF NOT EXISTS batch (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        result TEXT NOT NULL
      )`,
    ],
  },
  {
    // The version at which the diff set last changed, so a diff set that became empty still reaches viewers.
    step: 2,
    statements: ["ALTER TABLE share ADD COLUMN diff_version INTEGER NOT NULL DEFAULT 0"],
  },
]

function hasColumn(sql: MeteredSql, table: string, column: string): boolean {
  return sql.all<{ name: string }>(`PRAGMA table_info(${table})`).some((row) => row.name === column)
}

export const SHARE_SCHEMA: Schema = {
  migrations: MIGRATIONS,
  // Before the ledger, tables were created from one list edited in place: step 2's column was added to it.
  unrecorded: (sql) => {
    if (!tableExists(sql, "share")) return 0
    return hasColumn(sql, "share", "diff_version") ? 2 : 1
  },
}
