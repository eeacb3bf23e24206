import { execFile } from "node:child_process"
import { isDeepStrictEqual, promisify } from "node:util"
import Database from "better-sqlite3"
import { expect } from "vitest"
import { opencodeBin, type Project } from "./opencode.ts"

type Item = { id: string; [key: string]: unknown }
export type SessionExport = { info: Item; messages: { info: Item; parts: Item[] }[] }
export type ShareJson = { session: Item; messages: Item[]; parts: Item[]; models: Item[] }

/**
 * A share as the server serves it to anyone with the link; `undefined` when it never existed (404) or was deleted
 * (410 Gone).
 */
export async function readShare(workerUrl: string, shareID: string): Promise<ShareJson | undefined> {
  const url = `${workerUrl}/api/share/${shareID}`
  // workerd may close idle keep-alive sockets under fetch; a GET is safe to repeat once.
  const response = await fetch(url).catch(() => fetch(url))
  if (response.status === 404 || response.status === 410) return undefined
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`)
  return (await response.json()) as ShareJson
}

/** OpenCode's own `session_share` row for a session (what its share client reads), straight from its database. */
export function shareRow(project: Project, sessionID: string): { id: string; url: string; secret: string } | undefined {
  const db = new Database(project.database, { readonly: true, fileMustExist: true })
  try {
    return db.prepare("SELECT id, url, secret FROM session_share WHERE session_id = ?").get(sessionID) as
      | { id: string; url: string; secret: string }
      | undefined
  } finally {
    db.close()
  }
}

/** Every session OpenCode holds in the project's database, newest last. */
export function sessionIDs(project: Project): string[] {
  const db = new Database(project.database, { readonly: true, fileMustExist: true })
  try {
    const rows = db.prepare("SELECT id FROM session ORDER BY time_created").all() as { id: string }[]
    return rows.map((row) => row.id)
  } finally {
    db.close()
  }
}

/** What OpenCode holds for a session, from `opencode export` (after a one-shot run has exited). */
export async function exportSession(project: Project, sessionID: string): Promise<SessionExport> {
  const { stdout } = await promisify(execFile)(opencodeBin, ["export", sessionID], {
    cwd: project.dir,
    env: { ...process.env, ...project.env },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  })
  return JSON.parse(stdout.slice(stdout.indexOf("{"))) as SessionExport
}

const byId = (items: Item[]) => [...items].sort((a, b) => a.id.localeCompare(b.id))

/** The share holds exactly OpenCode's messages and parts, every field of every one (JSON round trip on both sides). */
export function expectShareEqualsSession(share: ShareJson, session: SessionExport): void {
  expect(share.session.id).toBe(session.info.id)
  const messages = session.messages.map((message) => message.info)
  const parts = session.messages.flatMap((message) => message.parts)
  expect(parts.length).toBeGreaterThan(0)
  expect(byId(share.messages)).toEqual(byId(messages))
  expect(byId(share.parts)).toEqual(byId(parts))
}

export type Exported = SessionExport["messages"]

/**
 * The same comparison as a predicate, for polling while OpenCode may still publish a turn's last updates. Both
 * sides are parsed JSON, so deep equality here is what `toEqual` checks; key order is not compared (the server's
 * copy of a message need not list its fields in OpenCode's order, and a string comparison never matched then).
 */
export function shareEquals(share: ShareJson | undefined, messages: Exported): boolean {
  if (share === undefined) return false
  return (
    isDeepStrictEqual(byId(share.messages), byId(messages.map((message) => message.info))) &&
    isDeepStrictEqual(byId(share.parts), byId(messages.flatMap((message) => message.parts)))
  )
}
