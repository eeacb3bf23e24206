import { chmodSync, closeSync, constants, lstatSync, mkdirSync, openSync, type Stats, statSync } from "node:fs"
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

/** The driver for this runtime: Bun's built-in SQLite under Bun (better-sqlite3 is a Node addon Bun cannot load). */
export function sqliteDriver(): SqliteDriver {
  return typeof process.versions.bun === "string" ? "bun:sqlite" : "better-sqlite3"
}

/** The files SQLite keeps for a database: the main file, and in WAL mode its log and shared-memory index. */
const databaseFiles = (path: string): string[] => [path, `${path}-wal`, `${path}-shm`]

/** The store cannot be opened safely where it is; the message says what to change. */
export class StorePathError extends Error {
  constructor(message: string) {
    super(message)
    this.name = "StorePathError"
  }
}

/** Write bits for group and others: anyone they cover could swap the store's files for their own. */
const SHARED_WRITE = 0o022
/** The sticky bit: a directory many users share (/tmp), never ours to narrow. */
const STICKY = 0o1000

/**
 * The store's directory is private: created 0700, and an existing one that others may write to is narrowed to
 * 0700 when it is ours. A directory we cannot narrow (someone else's, or a sticky one like /tmp, which many users
 * share) is refused, since another user could plant the files SQLite is about to open.
 */
function preparePrivateDirectory(directory: string): void {
  mkdirSync(directory, { recursive: true, mode: 0o700 })
  const stat = statSync(directory)
  if ((stat.mode & SHARED_WRITE) === 0) return
  const mode = (stat.mode & 0o7777).toString(8).padStart(4, "0")
  const ours = typeof process.getuid === "function" && stat.uid === process.getuid()
  if (!ours || (stat.mode & STICKY) !== 0) {
    throw new StorePathError(
      `the store directory ${directory} is writable by other users (mode ${mode}); put the store in a private ` +
        "directory (--db or CLOUDSESSION_DB)",
    )
  }
  chmodSync(directory, 0o700)
}

/**
 * Make `file` private without opening it. This process may already have the file open through SQLite (the plugin
 * runs inside OpenCode, whose own connection holds opencode.db in WAL mode), and closing any descriptor of a file
 * drops every POSIX lock the process holds on it: OpenCode's shared lock on the database and the one on the -shm
 * file that tells other processes the shared-memory index is in use. The next process to open the database (the
 * CLI, another OpenCode) would then take itself for the only user and truncate the -shm OpenCode has mapped, and
 * OpenCode dies of SIGBUS, or the two write the WAL uncoordinated. So: lstat (a link is refused, never followed:
 * we would change, and SQLite write secrets into, whatever it points at) and chmod by path. The directory is
 * private by now, so no one else can swap the entry for a link between the two calls.
 */
function restrictFile(file: string): void {
  let stat: Stats
  try {
    stat = lstatSync(file)
  } catch (error) {
    if (isCode(error, "ENOENT")) return
    throw error
  }
  if (stat.isSymbolicLink())
    throw new StorePathError(`the store path ${file} is a symbolic link; refusing to follow it`)
  if (!stat.isFile()) throw new StorePathError(`the store path ${file} is not a regular file`)
  if ((stat.mode & 0o777) !== 0o600) chmodSync(file, 0o600)
}

/**
 * Create the main file 0600 if it is missing, so SQLite gives the -wal and -shm files that mode too. O_EXCL: only
 * a file created here is opened (and closed) here, and a new file is open nowhere, so no lock is lost; O_EXCL with
 * O_CREAT also never follows a link.
 */
function createPrivateFile(file: string): void {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW
  try {
    closeSync(openSync(file, flags, 0o600))
  } catch (error) {
    if (!isCode(error, "EEXIST")) throw error
  }
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof Error && "code" in error && error.code === code
}

/**
 * The main file exists and is private before SQLite opens it: SQLite creates the -wal and -shm files with the
 * main file's mode, and they hold the same secrets. Files an earlier version left readable are narrowed too.
 */
function preparePrivateFiles(path: string): void {
  preparePrivateDirectory(dirname(path))
  createPrivateFile(path)
  restrictFiles(path)
}

function restrictFiles(path: string): void {
  for (const file of databaseFiles(path)) restrictFile(file)
}

/**
 * Open (creating if needed) the share store and bring its schema up to date. The files hold share secrets, so
 * their directory and the files themselves are private to the user.
 */
export async function openDatabase(path: string): Promise<OpenDatabase> {
  if (path !== ":memory:") preparePrivateFiles(path)
  const opened = sqliteDriver() === "bun:sqlite" ? await openWithBun(path) : await openWithBetterSqlite(path)
  // Belt and braces: switching to WAL just created the sidecar files; make sure of their mode whatever SQLite did.
  if (path !== ":memory:") restrictFiles(path)
  return opened
}

function configure(db: StoreDatabase): void {
  // WAL lets a CLI run read while the agent writes; the timeout rides out the other writer's short transactions.
  db.run(sql`PRAGMA journal_mode = WAL`)
  db.run(sql`PRAGMA busy_timeout = 5000`)
  // The drivers disagree by default (better-sqlite3 enforces foreign keys, bun:sqlite does not), so the same
  // database would accept a share under Bun and refuse it under Node. Our tables declare no foreign keys; the only
  // one is OpenCode's old `session_share → session`, which OpenCode under Bun never enforced and which a session
  // shared from a file (not in that table) cannot satisfy. Off on both, explicitly.
  db.run(sql`PRAGMA foreign_keys = OFF`)
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
