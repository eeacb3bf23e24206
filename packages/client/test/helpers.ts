import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { diffKey, type ShareSnapshot, type SyncData } from "@cloudsession/protocol"
import Database from "better-sqlite3"

export const packageDir = resolve(import.meta.dirname, "..")
export const cliPath = join(packageDir, "dist", "cli.js")
export const fixturePath = join(packageDir, "test", "fixtures", "session.json")

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

/** Run the built CLI as a user would: a separate Node process, options and environment only. */
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
  const db = new Database(path)
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
