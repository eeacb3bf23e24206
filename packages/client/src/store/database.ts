import { chmodSync, mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { sql } from "drizzle-orm"
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core"
import { migrationsFolder } from "./migrations-folder.ts"
import { schema } from "./schema.ts"

/** The drizzle database over either driver; both are synchronous SQLite, so the repositories need no await. */
export type StoreDatabase = BaseSQLiteDatabase<"sync", unknown, typeof schema>

export type SqliteDriver = "better-sqlite3" | "bun:sqlite"

export type OpenDatabase = {
  db: StoreDatabase
  path: string
  driver: SqliteDriver
  close: () => void
}

/** Our own bookkeeping table: an OpenCode database has its own `__drizzle_migrations`, which we must not share. */
const MIGRATIONS_TABLE = "__cloudsession_migrations"

const isBun = () => typeof process.versions.bun === "string"

/**
 * Open (creating if needed) the share store and bring its schema up to date. The file holds share secrets, so
 * its directory and the file itself are private to the user.
 */
export async function openDatabase(path: string): Promise<OpenDatabase> {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const opened = isBun() ? await openWithBun(path) : await openWithBetterSqlite(path)
  if (path !== ":memory:") chmodSync(path, 0o600)
  return opened
}

function configure(db: StoreDatabase): void {
  // WAL lets a CLI run read while the agent writes; the timeout rides out the other writer's short transactions.
  db.run(sql`PRAGMA journal_mode = WAL`)
  db.run(sql`PRAGMA busy_timeout = 5000`)
}

async function openWithBetterSqlite(path: string): Promise<OpenDatabase> {
  const { default: Database } = await import("better-sqlite3")
  const { drizzle } = await import("drizzle-orm/better-sqlite3")
  const { migrate } = await import("drizzle-orm/better-sqlite3/migrator")
  const client = new Database(path)
  const db = drizzle({ client, schema })
  configure(db)
  migrate(db, { migrationsFolder: migrationsFolder(), migrationsTable: MIGRATIONS_TABLE })
  return { db, path, driver: "better-sqlite3", close: () => client.close() }
}

async function openWithBun(path: string): Promise<OpenDatabase> {
  const { Database } = await import("bun:sqlite")
  const { drizzle } = await import("drizzle-orm/bun-sqlite")
  const { migrate } = await import("drizzle-orm/bun-sqlite/migrator")
  const client = new Database(path, { create: true, readwrite: true })
  const db = drizzle({ client, schema })
  configure(db)
  migrate(db, { migrationsFolder: migrationsFolder(), migrationsTable: MIGRATIONS_TABLE })
  return { db, path, driver: "bun:sqlite", close: () => client.close() }
}
