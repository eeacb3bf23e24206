import type { SyncData } from "@cloudsession/protocol"
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core"

/** How a share record came to be: created over RPC, by the old HTTP client, or imported from its JSON files. */
export type ShareSource = "rpc" | "http" | "legacy-json"

/**
 * One row per shared session: the single source of truth for "is this session shared, where, with which secret".
 * The first six columns are OpenCode's `session_share` table as the old HTTP share client left it (migration 0000
 * is that layout), so a database written by that client upgrades in place and its shares keep syncing.
 */
export const sessionShare = sqliteTable("session_share", {
  sessionID: text("session_id").primaryKey(),
  id: text("id").notNull(),
  secret: text("secret").notNull(),
  url: text("url").notNull(),
  timeCreated: integer("time_created")
    .notNull()
    .$defaultFn(() => Date.now()),
  timeUpdated: integer("time_updated")
    .notNull()
    .$defaultFn(() => Date.now())
    .$onUpdateFn(() => Date.now()),
  /** Origin of the service holding the share. Null on rows from the old client until they are backfilled. */
  server: text("server"),
  /** Null on rows the old client wrote (they are `http`; the upgrade leaves them as they were). */
  source: text("source").$type<ShareSource>(),
  /** When the outbox last emptied for this session. */
  timeSynced: integer("time_synced"),
})

/**
 * Batches waiting to reach the server, oldest first. A batch is written here before it is sent and deleted only
 * once the server acknowledged it, so a crash or a dropped connection loses nothing; `batch_id` travels with every
 * attempt, which makes a replay of an already-applied batch a no-op on the server.
 */
export const outbox = sqliteTable(
  "share_outbox",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    sessionID: text("session_id").notNull(),
    batchID: text("batch_id").notNull().unique(),
    payload: text("payload", { mode: "json" }).notNull().$type<SyncData[]>(),
    itemCount: integer("item_count").notNull(),
    bytes: integer("bytes").notNull(),
    attempts: integer("attempts").notNull().default(0),
    timeCreated: integer("time_created")
      .notNull()
      .$defaultFn(() => Date.now()),
  },
  (table) => [index("share_outbox_session_seq").on(table.sessionID, table.seq)],
)

/**
 * The creation key of a share being created, written before `createShare` is sent and deleted once the share is
 * recorded (or the server refused it). While it is here, sharing the session again sends the same key, so a create
 * whose reply was lost gets its share back instead of making a second one. The key yields the share's secret, so it
 * is kept like one, and only ever sent to the server it was made for (`server`).
 */
export const pendingCreation = sqliteTable("share_creation", {
  sessionID: text("session_id").primaryKey(),
  creationKey: text("creation_key").notNull(),
  server: text("server").notNull(),
  timeCreated: integer("time_created")
    .notNull()
    .$defaultFn(() => Date.now()),
})

export const schema = { sessionShare, outbox, pendingCreation }
export type ShareRow = typeof sessionShare.$inferSelect
export type OutboxRow = typeof outbox.$inferSelect
export type PendingCreationRow = typeof pendingCreation.$inferSelect
