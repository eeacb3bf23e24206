import type { Migration, Schema } from "../storage/migrations.ts"
import { tableExists } from "../storage/migrations.ts"

/**
 * SQLite schema of the share directory: one row per listed share, so a listing page is one indexed query instead of
 * a walk over every `index/<id>` object in R2. Numbered steps: a released step is never edited (see `Migration`).
 */
const MIGRATIONS: readonly Migration[] = [
  {
    step: 1,
    statements: [
      // `title_search` / `directory_search` are lower-cased in JavaScript: SQLite's lower() folds ASCII only, and the
      // listing has always matched case-insensitively in every script.
      `CREATE TABLE IF NOT EXISTS entry (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        title TEXT NOT NULL,
        directory TEXT NOT NULL,
        title_search TEXT NOT NULL,
        directory_search TEXT NOT NULL,
        message_count INTEGER NOT NULL,
        part_count INTEGER NOT NULL,
        diff_count INTEGER NOT NULL,
        model_count INTEGER NOT NULL,
        last_updated INTEGER NOT NULL,
        sync_count INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      )`,
      // Serves the listing's order as it is stored: a page reads offset + limit index entries, never the whole table.
      `CREATE INDEX IF NOT EXISTS entry_newest ON entry (last_updated DESC, id)`,
      // No row: the import of R2's entries has not started. `after`: the last R2 key imported.
      `CREATE TABLE IF NOT EXISTS backfill (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        done INTEGER NOT NULL,
        after TEXT,
        scanned INTEGER NOT NULL
      )`,
      // Shares deleted while the import runs: their R2 entry may already have been read, and must not come back.
      `CREATE TABLE IF NOT EXISTS removed (id TEXT PRIMARY KEY)`,
    ],
  },
  {
    // `listed` (the owner put the share on the public listing) and `expires_at` (when it deletes itself), with an
    // index that serves the public listing's order among listed shares only.
    step: 2,
    statements: [
      "ALTER TABLE entry ADD COLUMN listed INTEGER NOT NULL DEFAULT 0",
      "ALTER TABLE entry ADD COLUMN expires_at INTEGER",
      "CREATE INDEX IF NOT EXISTS entry_listed ON entry (listed, last_updated DESC, id)",
    ],
  },
]

export const DIRECTORY_SCHEMA: Schema = {
  migrations: MIGRATIONS,
  // Before the ledger, the directory had step 1's tables only.
  unrecorded: (sql) => (tableExists(sql, "entry") ? 1 : 0),
}
