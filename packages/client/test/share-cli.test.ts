import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { ShareSnapshot } from "@cloudsession/protocol"
import Database from "better-sqlite3"
import { afterAll, describe, expect, inject, it } from "vitest"
import { parseSessionFile } from "../src/session-file.ts"
import {
  expectedState,
  fixturePath,
  getSnapshot,
  readFixture,
  removeTempDirs,
  runCli,
  stateOf,
  tempDir,
} from "./helpers.ts"

const workerUrl = inject("workerUrl")
const token = inject("rpcToken")
const fixture = parseSessionFile(readFixture(), "fixture")

afterAll(removeTempDirs)

function countRows(dbPath: string): { shares: number; outbox: number } {
  const db = new Database(dbPath, { readonly: true })
  try {
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
    return { shares: count("session_share"), outbox: count("share_outbox") }
  } finally {
    db.close()
  }
}

describe("cloudsession CLI against a local Worker", () => {
  it("share → url → the viewer sees the same session → unshare removes both sides", async () => {
    const db = join(tempDir(), "shares.db")
    const env = { CLOUDSESSION_URL: workerUrl, CLOUDSESSION_TOKEN: token, CLOUDSESSION_DB: db }

    const shared = runCli(["share", fixturePath], env)
    expect(shared.stderr).toBe("")
    expect(shared.status).toBe(0)
    const shareUrl = shared.stdout.trim()
    expect(shareUrl).toMatch(new RegExp(`^${workerUrl}/share/[A-Za-z0-9_-]+$`))

    const url = runCli(["url", fixture.sessionID], env)
    expect(url).toMatchObject({ status: 0, stdout: `${shareUrl}\n` })

    const shareID = shareUrl.split("/").at(-1) ?? ""
    const viewed = await getSnapshot(workerUrl, shareID)
    expect(viewed.status).toBe(200)
    const server = stateOf(viewed.body as ShareSnapshot)
    const local = expectedState(fixture.items)
    expect(server.session).toEqual(local.session)
    expect(server.messages).toEqual(local.messages)
    expect(server.parts).toEqual(local.parts)
    expect(server.parts.size).toBe(607)
    expect(JSON.stringify(viewed.body)).not.toContain(secretOf(db))

    const listed = runCli(["list", "--json"], env)
    expect(listed.status).toBe(0)
    expect(JSON.parse(listed.stdout)).toMatchObject([
      { sessionID: fixture.sessionID, url: shareUrl, pendingBatches: 0 },
    ])
    expect(listed.stdout).not.toContain(secretOf(db))

    const markdown = runCli(["export", shareID, "--format", "md"], env)
    expect(markdown.status).toBe(0)
    expect(markdown.stdout).toContain("# Fix the share page for untitled sessions")

    const unshared = runCli(["unshare", fixture.sessionID], env)
    expect(unshared).toMatchObject({ status: 0, stdout: `unshared ${fixture.sessionID}\n` })
    expect((await getSnapshot(workerUrl, shareID)).status).toBe(404)
    expect(countRows(db)).toEqual({ shares: 0, outbox: 0 })
    expect(runCli(["url", fixture.sessionID], env).status).toBe(4)
  })

  it("a refused token: one line saying so, exit 3, nothing written locally", () => {
    const db = join(tempDir(), "shares.db")
    const result = runCli(["share", fixturePath, "--url", workerUrl, "--token", "wrong-token", "--db", db])
    expect(result.status).toBe(3)
    expect(result.stdout).toBe("")
    expect(result.stderr.trim().split("\n")).toHaveLength(1)
    expect(result.stderr).toContain("refused the token (401")
    expect(result.stderr).not.toContain("wrong-token")
    expect(existsSync(db)).toBe(false)
  })

  it("bad input: one clear line, exit 2, nothing written, no network", () => {
    const dir = tempDir()
    const db = join(dir, "shares.db")
    const file = join(dir, "not-a-session.json")
    writeFileSync(file, JSON.stringify({ info: { title: "no id" }, messages: [] }))
    const env = { CLOUDSESSION_URL: workerUrl, CLOUDSESSION_TOKEN: token, CLOUDSESSION_DB: db }
    for (const args of [
      ["share", file],
      ["share", join(dir, "missing.json")],
      ["sync", file],
    ]) {
      const result = runCli(args, env)
      expect(result.status, args.join(" ")).toBe(2)
      expect(result.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1)
    }
    expect(runCli(["share", fixturePath], { CLOUDSESSION_DB: db }).stderr).toContain("no server given")
    expect(runCli(["share", fixturePath, "--url", workerUrl], { CLOUDSESSION_DB: db }).stderr).toContain(
      "no token given",
    )
    expect(runCli(["share", "--nope", fixturePath], env).status).toBe(2)
    expect(existsSync(db)).toBe(false)
  })

  it("uploads a large session in several batches with a progress bar, and sync sends later changes", async () => {
    const db = join(tempDir(), "shares.db")
    const env = {
      CLOUDSESSION_URL: workerUrl,
      CLOUDSESSION_TOKEN: token,
      CLOUDSESSION_DB: db,
      CLOUDSESSION_BATCH_ITEMS: "100",
    }
    const shared = runCli(["share", "-", "--progress"], env, readFixture())
    expect(shared.status).toBe(0)
    expect(shared.stderr).toContain("uploading")
    expect(shared.stderr).toContain(`${fixture.items.length}/${fixture.items.length} items`)

    const edited = JSON.parse(readFixture())
    edited.info.title = "Renamed after sharing"
    edited.messages[0].parts[0].text = "edited first prompt"
    const file = join(tempDir(), "edited.json")
    writeFileSync(file, JSON.stringify(edited))
    const synced = runCli(["sync", file], env)
    expect(synced.status).toBe(0)
    expect(synced.stdout).toMatch(/^synced \d+ items in \d+ batches\n$/)

    const shareID = runCli(["url", fixture.sessionID], env).stdout.trim().split("/").at(-1) ?? ""
    const snapshot = (await getSnapshot(workerUrl, shareID)).body as ShareSnapshot
    expect(snapshot.session.title).toBe("Renamed after sharing")
    expect(snapshot.parts.find((part) => part.id === edited.messages[0].parts[0].id)).toMatchObject({
      text: "edited first prompt",
    })
    expect(snapshot.parts).toHaveLength(607)
    expect(runCli(["unshare", fixture.sessionID], env).status).toBe(0)
  })
})

function secretOf(db: string): string {
  if (!existsSync(db)) return "<no db>"
  const handle = new Database(db, { readonly: true })
  try {
    const row = handle.prepare("SELECT secret FROM session_share").get() as { secret: string } | undefined
    return row?.secret ?? "<no row>"
  } finally {
    handle.close()
  }
}
