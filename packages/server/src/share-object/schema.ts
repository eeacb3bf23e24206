import type { Migration, Schema } from "../storage/migrations.ts"
import { columnExists, tableExists } from "../storage/migrations.ts"

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
  {
    // Rows too big for SQLite live in R2 (`blob` holds the key, `data` is then NULL), and the data tables are their
    // key's own b-tree (WITHOUT ROWID): a part is keyed by message and id as OpenCode keys it, so an upsert writes
    // the row and its version index entry, not also a rowid table and a second key index.
    step: 3,
    statements: [
      `CREATE TABLE message_v3 (id TEXT PRIMARY KEY, data TEXT, blob TEXT, version INTEGER NOT NULL) WITHOUT ROWID`,
      `INSERT INTO message_v3 (id, data, blob, version) SELECT id, data, NULL, version FROM message`,
      `DROP TABLE message`,
      `ALTER TABLE message_v3 RENAME TO message`,
      `CREATE INDEX message_version ON message (version)`,
      `CREATE TABLE part_v3 (
        message_id TEXT NOT NULL,
        id TEXT NOT NULL,
        data TEXT,
        blob TEXT,
        version INTEGER NOT NULL,
        PRIMARY KEY (message_id, id)
      ) WITHOUT ROWID`,
      `INSERT OR REPLACE INTO part_v3 (message_id, id, data, blob, version)
        SELECT message_id, id, data, NULL, version FROM part`,
      `DROP TABLE part`,
      `ALTER TABLE part_v3 RENAME TO part`,
      `CREATE INDEX part_version ON part (version)`,
      `CREATE TABLE diff_v3 (file TEXT PRIMARY KEY, data TEXT, blob TEXT, version INTEGER NOT NULL) WITHOUT ROWID`,
      `INSERT INTO diff_v3 (file, data, blob, version) SELECT file, data, NULL, version FROM diff`,
      `DROP TABLE diff`,
      `ALTER TABLE diff_v3 RENAME TO diff`,
      `CREATE TABLE model_v3 (key TEXT PRIMARY KEY, data TEXT NOT NULL, version INTEGER NOT NULL) WITHOUT ROWID`,
      `INSERT INTO model_v3 (key, data, version) SELECT key, data, version FROM model`,
      `DROP TABLE model`,
      `ALTER TABLE model_v3 RENAME TO model`,
      `CREATE INDEX model_version ON model (version)`,
    ],
  },
  {
    // The version that first wrote each message and part, so a page `?v=N` shows the rows that existed at N. Rows
    // from before this step take their last write's version: the earliest one known for them.
    step: 4,
    statements: [
      "ALTER TABLE message ADD COLUMN created_version INTEGER NOT NULL DEFAULT 0",
      "UPDATE message SET created_version = version",
      "ALTER TABLE part ADD COLUMN created_version INTEGER NOT NULL DEFAULT 0",
      "UPDATE part SET created_version = version",
    ],
  },
  {
    // What a share's life needs. `expires_at` (ms, NULL: never): when its alarm deletes it. `listed`: the server's
    // owner put it on the public listing. `anonymous`: created without a token, so its quotas apply.
    // `stored_bytes`: JSON characters of its rows, kept as they change (counted once here for older shares).
    // `previous_secret_hash`: the secret before the owner rotated it, so its holder can be told why it fails.
    // `blob_chars` (message, part, diff): the size of a row's JSON put in R2 (step 3), so the share's size is kept
    // without reading R2; rows put there before this step count 0.
    step: 5,
    statements: [
      "ALTER TABLE share ADD COLUMN expires_at INTEGER",
      "ALTER TABLE share ADD COLUMN listed INTEGER NOT NULL DEFAULT 0",
      "ALTER TABLE share ADD COLUMN anonymous INTEGER NOT NULL DEFAULT 0",
      "ALTER TABLE share ADD COLUMN previous_secret_hash TEXT",
      "ALTER TABLE share ADD COLUMN stored_bytes INTEGER NOT NULL DEFAULT 0",
      "ALTER TABLE message ADD COLUMN blob_chars INTEGER",
      "ALTER TABLE part ADD COLUMN blob_chars INTEGER",
      "ALTER TABLE diff ADD COLUMN blob_chars INTEGER",
      `UPDATE share SET stored_bytes = length(session)
        + (SELECT coalesce(sum(length(data)), 0) FROM message) + (SELECT coalesce(sum(length(data)), 0) FROM part)
        + (SELECT coalesce(sum(length(data)), 0) FROM diff) + (SELECT coalesce(sum(length(data)), 0) FROM model)`,
    ],
  },
  {
    // Each part's and diff file's HTML, rendered once when written (share-object/rendered.ts), with the renderer
    // version that made it. Columns after `data`, so a write of a part is still its row and its version index entry,
    // and reading `data` (the JSON API) never reads the HTML; rows whose data lives in R2 hold their HTML here too.
    step: 6,
    statements: [
      "ALTER TABLE part ADD COLUMN html TEXT",
      "ALTER TABLE part ADD COLUMN renderer INTEGER",
      "ALTER TABLE diff ADD COLUMN html TEXT",
      "ALTER TABLE diff ADD COLUMN renderer INTEGER",
    ],
  },
]

/**
 * What a deleted share leaves in its object: when it went and why, so every route can answer 410 Gone rather than
 * 404, and nothing of what it held. Made after the storage was wiped, outside the steps above (no other table
 * comes back).
 */
export const TOMBSTONE_STATEMENT = `CREATE TABLE IF NOT EXISTS tombstone (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  deleted_at INTEGER NOT NULL,
  reason TEXT NOT NULL
)`

export const SHARE_SCHEMA: Schema = {
  migrations: MIGRATIONS,
  // Before the ledger, tables were created from one list edited in place: step 2's column was added to it.
  unrecorded: (sql) => {
    if (!tableExists(sql, "share")) return 0
    return columnExists(sql, "share", "diff_version") ? 2 : 1
  },
}
