import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { diffKey, type ShareInfo, type ShareSnapshot, type SyncData } from "@cloudsession/protocol"
// A namespace import: under `bun test`, "vitest" is Bun's own test module, which has no `inject` to import by name.
import * as vitest from "vitest"
import { connect, type RpcConnection } from "../src/connection/connection.ts"
import { ShareClient, type ShareClientOptions } from "../src/share-client.ts"
import { sqliteDriver } from "../src/store/database.ts"
import { openStore, type ShareStore } from "../src/store/store.ts"
import type { BatchBudget } from "../src/sync/pack.ts"

export const packageDir = resolve(import.meta.dirname, "..")
export const cliPath = join(packageDir, "dist", "cli.js")
export const fixturePath = join(packageDir, "test", "fixtures", "session.json")

/** The test files run under vitest on Node and under `bun test` on Bun (test-bun/run.mjs). */
export const onBun = typeof process.versions.bun === "string"

/**
 * The local Worker the tests share and its /rpc token: from vitest's global setup on Node, from the environment
 * test-bun/run.mjs sets under Bun (the same Worker set-up, started by Node: wrangler does not run on Bun).
 */
export function testServer(): { url: string; token: string } {
  if (!onBun) return { url: vitest.inject("workerUrl"), token: vitest.inject("rpcToken") }
  const url = process.env.CLOUDSESSION_TEST_URL ?? ""
  const token = process.env.CLOUDSESSION_TEST_TOKEN ?? ""
  if (url === "" || token === "") throw new Error("under Bun, run these through test-bun/run.mjs")
  return { url, token }
}

/** The raw SQLite calls the tests make on a file outside the store; both drivers have them. */
export type RawDatabase = {
  exec(sql: string): unknown
  prepare(sql: string): { get(...params: string[]): unknown; run(...params: string[]): unknown }
  close(): void
}

/** Open SQLite files directly with the driver the store itself picks on this runtime. */
async function rawOpener(): Promise<(path: string, options?: { readonly?: boolean }) => RawDatabase> {
  if (sqliteDriver() === "bun:sqlite") {
    const { Database } = await import("bun:sqlite")
    return (path, options) =>
      new Database(path, options?.readonly ? { readonly: true } : { create: true, readwrite: true })
  }
  const { default: Database } = await import("better-sqlite3")
  return (path, options) => new Database(path, { readonly: options?.readonly ?? false })
}

export const openRawDatabase = await rawOpener()

const created: string[] = []

export function tempDir(prefix = "cloudsession-client-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  created.push(dir)
  return dir
}

export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true })
}

export type CliResult = { status: number; stdout: string; stderr: string }

/**
 * Run the built CLI as a user would: a separate process of the runtime running the tests (Node under vitest, Bun
 * under `bun test`), options and environment only.
 */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, input?: string): CliResult {
  const result = spawnSync(process.execPath, [cliPath, ...args], {
    encoding: "utf8",
    input,
    env: { ...process.env, CLOUDSESSION_URL: "", CLOUDSESSION_TOKEN: "", CLOUDSESSION_DB: "", ...env },
    timeout: 120_000,
  })
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr }
}

export async function getSnapshot(workerUrl: string, shareID: string): Promise<{ status: number; body: unknown }> {
  const url = `${workerUrl}/api/share/${shareID}`
  // fetch reuses idle keep-alive sockets that workerd may already have closed ("other side closed"); a GET is
  // safe to repeat once on a fresh socket.
  const response = await fetch(url).catch(() => fetch(url))
  return { status: response.status, body: await response.json() }
}

/** The share as viewers see it, from the shared test Worker; fails the test unless the server has it. */
export async function snapshotOf(shareID: string): Promise<ShareSnapshot> {
  const viewed = await getSnapshot(testServer().url, shareID)
  vitest.expect(viewed.status).toBe(200)
  return viewed.body as ShareSnapshot
}

/** A share made the old way: `POST /api/share` over plain HTTP, as OpenCode's HTTP client did. */
export async function createOverHttp(sessionID: string): Promise<ShareInfo> {
  const response = await fetch(`${testServer().url}/api/share`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sessionID }),
  })
  vitest.expect(response.status).toBe(201)
  return (await response.json()) as ShareInfo
}

export type ClientSetup = { db?: string; budget?: BatchBudget } & Pick<
  ShareClientOptions,
  "onBatchRejected" | "onBatchSent" | "redaction"
>

/**
 * Run `work` with a ShareClient on a fresh store (or `setup.db`) connected to the shared test Worker, with a small
 * batch budget so ordinary sessions take several batches; client, connection and store are closed afterwards.
 */
export async function withClient<T>(
  work: (client: ShareClient, store: ShareStore, connection: RpcConnection) => Promise<T>,
  setup: ClientSetup = {},
): Promise<T> {
  const { url, token } = testServer()
  const store = await openStore(setup.db ?? join(tempDir(), "shares.db"))
  const connection = await connect({ url, token })
  const client = new ShareClient({
    store,
    link: connection,
    server: url,
    budget: setup.budget ?? { maxBytes: 64 * 1024, maxItems: 200 },
    onBatchRejected: setup.onBatchRejected,
    onBatchSent: setup.onBatchSent,
    redaction: setup.redaction,
  })
  try {
    return await work(client, store, connection)
  } finally {
    client.close()
    connection.close()
    store.close()
  }
}

const openedStores: ShareStore[] = []

/** A store on a fresh file (or `path`), closed by `closeTestStores` (an `afterEach`). */
export async function openTestStore(path = join(tempDir(), "shares.db")): Promise<ShareStore> {
  const store = await openStore(path)
  openedStores.push(store)
  return store
}

/** Close one store before the test ends (to reopen its file, say). */
export function closeTestStore(store: ShareStore): void {
  openedStores.splice(openedStores.indexOf(store), 1)
  store.close()
}

export function closeTestStores(): void {
  for (const store of openedStores.splice(0)) store.close()
}

/** What the server should hold after receiving `items`: the latest version of every object, by id. */
export function expectedState(items: SyncData[]) {
  const session = items.findLast((item) => item.type === "session")?.data
  const messages = new Map<string, unknown>()
  const parts = new Map<string, unknown>()
  let diffs: unknown[] = []
  for (const item of items) {
    if (item.type === "message") messages.set(item.data.id, item.data)
    if (item.type === "part") parts.set(item.data.id, item.data)
    if (item.type === "session_diff") diffs = item.data
  }
  return { session, messages, parts, diffs }
}

/** The server's share in the same form, for an exact comparison. */
export function stateOf(snapshot: ShareSnapshot) {
  return {
    session: snapshot.session,
    messages: new Map(snapshot.messages.map((message) => [message.id, message])),
    parts: new Map(snapshot.parts.map((part) => [part.id, part])),
    diffs: [...snapshot.diffs].sort((a, b) => diffKey(a).localeCompare(diffKey(b))),
  }
}

/** The flat snapshot shape the CLI accepts, built from sync items. */
export function snapshotFile(items: SyncData[]) {
  const state = expectedState(items)
  return { session: state.session, messages: [...state.messages.values()], parts: [...state.parts.values()] }
}

/** Write sync items as a session file the CLI reads. */
export function writeSessionFile(items: SyncData[]): string {
  const file = join(tempDir(), "session.json")
  writeFileSync(file, JSON.stringify(snapshotFile(items)))
  return file
}

/** Errors and usage problems are one line on stderr, never more. */
export function stderrLines(result: CliResult): string[] {
  return result.stderr.split("\n").filter((line) => line !== "")
}

export function readFixture(): string {
  return readFileSync(fixturePath, "utf8")
}

export type LegacyRow = { sessionID: string; id: string; secret: string; url: string }

/** A database as OpenCode's HTTP share client left it (the committed layout), holding the given share rows. */
export function legacyDatabase(rows: LegacyRow[]): string {
  const path = join(tempDir(), "opencode.db")
  const db = openRawDatabase(path)
  db.exec(readFileSync(join(packageDir, "test/fixtures/legacy-opencode.sql"), "utf8"))
  for (const row of rows) {
    db.prepare("INSERT INTO session VALUES (?, 'prj', 'old', 1, 1)").run(row.sessionID)
    db.prepare("INSERT INTO session_share VALUES (?, ?, ?, ?, 1700000000000, 1700000000000)").run(
      row.sessionID,
      row.id,
      row.secret,
      row.url,
    )
  }
  db.close()
  return path
}
