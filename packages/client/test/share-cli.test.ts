import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { LIMITS, type ShareSnapshot } from "@cloudsession/protocol"
import { makeSessionItems } from "@cloudsession/protocol/fixtures"
import { afterAll, describe, expect, it } from "vitest"
import { parseSessionFile } from "../src/session-file.ts"
import { openStore } from "../src/store/store.ts"
import { packBatches } from "../src/sync/pack.ts"
import {
  expectedState,
  fixturePath,
  getSnapshot,
  legacyDatabase,
  openRawDatabase,
  readFixture,
  removeTempDirs,
  runCli,
  stateOf,
  stderrLines,
  tempDir,
  testServer,
  writeSessionFile,
} from "./helpers.ts"

const { url: workerUrl, token } = testServer()
const fixture = parseSessionFile(readFixture(), "fixture")

afterAll(removeTempDirs)

function countRows(dbPath: string): { shares: number; outbox: number } {
  const db = openRawDatabase(dbPath, { readonly: true })
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
    expect((await getSnapshot(workerUrl, shareID)).status).toBe(410)
    expect(countRows(db)).toEqual({ shares: 0, outbox: 0 })
    // An unknown share: one line, exit 4, for every command that needs one.
    for (const args of [
      ["url", fixture.sessionID],
      ["unshare", fixture.sessionID],
      ["sync", fixturePath],
    ]) {
      const result = runCli(args, env)
      expect(result.status, args[0]).toBe(4)
      expect(stderrLines(result), args[0]).toEqual([
        `cloudsession: session ${fixture.sessionID} is not shared (no record in the local store)`,
      ])
    }
  })

  it("a refused token: one line saying so, exit 3, nothing written locally", () => {
    const db = join(tempDir(), "shares.db")
    const result = runCli(["share", fixturePath, "--url", workerUrl, "--token", "wrong-token", "--db", db])
    expect(result.status).toBe(3)
    expect(result.stdout).toBe("")
    expect(stderrLines(result)).toHaveLength(1)
    expect(result.stderr).toMatch(/^cloudsession: the server refused the token \(401/)
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
    const unknownFlag = runCli(["share", "--nope", fixturePath], env)
    expect(unknownFlag.status).toBe(2)
    expect(stderrLines(unknownFlag)).toHaveLength(1)
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

describe("a share's server and its secret", () => {
  it("goes only to the server recorded with the share: another --url / CLOUDSESSION_URL is a usage error", async () => {
    const db = join(tempDir(), "shares.db")
    const env = { CLOUDSESSION_URL: workerUrl, CLOUDSESSION_TOKEN: token, CLOUDSESSION_DB: db }
    const items = makeSessionItems("ses_pinned", 4)
    const file = writeSessionFile(items)
    expect(runCli(["share", file], env).status).toBe(0)

    // Nothing listens there: if the CLI tried to connect, it would fail with exit 5, not 2.
    const elsewhere = "http://127.0.0.1:9"
    for (const [args, extra] of [
      [["sync", file], { CLOUDSESSION_URL: elsewhere }],
      [["unshare", "ses_pinned"], { CLOUDSESSION_URL: elsewhere }],
      [["share", file], { CLOUDSESSION_URL: elsewhere }],
      [["unshare", "ses_pinned", "--url", elsewhere], {}],
    ] as const) {
      const result = runCli([...args], { ...env, ...extra })
      expect(result.status, args.join(" ")).toBe(2)
      expect(stderrLines(result), args.join(" ")).toHaveLength(1)
      expect(result.stderr).toContain(`shared on ${workerUrl}`)
      expect(result.stderr).toContain(elsewhere)
      expect(result.stderr).not.toContain(token)
    }
    // The record survived (unshare did not take the other server's "not found" for an answer).
    expect(countRows(db).shares).toBe(1)
    // With no server configured the token goes nowhere, not even to the recorded server; the same one is accepted.
    const unconfigured = runCli(["sync", file], { ...env, CLOUDSESSION_URL: "" })
    expect(unconfigured.status).toBe(2)
    expect(stderrLines(unconfigured)).toHaveLength(1)
    expect(unconfigured.stderr).toContain(`shared on ${workerUrl}, and no server is configured`)
    expect(runCli(["sync", file], env).status).toBe(0)
    expect(runCli(["unshare", "ses_pinned"], env).status).toBe(0)
  })

  it("refuses an OpenCode row naming another host (opncd.ai) in one line, sending nothing, with or without a URL", async () => {
    const db = legacyDatabase([
      { sessionID: "ses_opncd", id: "abcd1234", secret: "a-secret-for-opncd", url: "https://opncd.ai/share/abcd1234" },
    ])
    const file = writeSessionFile(makeSessionItems("ses_opncd", 2))
    for (const extra of [{ CLOUDSESSION_URL: "" }, { CLOUDSESSION_URL: workerUrl }]) {
      const result = runCli(["sync", file], { CLOUDSESSION_TOKEN: token, CLOUDSESSION_DB: db, ...extra })
      expect(result.status, JSON.stringify(extra)).toBe(2)
      expect(stderrLines(result)).toHaveLength(1)
      expect(result.stderr).toContain("shared on https://opncd.ai")
      expect(result.stderr).not.toContain(token)
      expect(result.stderr).not.toContain("a-secret-for-opncd")
    }
  })

  it("any command that connects first delivers what a crash left in the outbox for shares on that server", async () => {
    const db = join(tempDir(), "shares.db")
    const env = { CLOUDSESSION_URL: workerUrl, CLOUDSESSION_TOKEN: token, CLOUDSESSION_DB: db }
    expect(runCli(["share", writeSessionFile(makeSessionItems("ses_crashed", 3))], env).status).toBe(0)
    // The agent queued more, then died before sending it.
    const store = await openStore(db)
    store.outbox.enqueue("ses_crashed", packBatches(makeSessionItems("ses_crashed", 9).slice(5)))
    const shareID = store.shares.get("ses_crashed")?.id ?? ""
    store.close()
    expect(countRows(db).outbox).toBe(1)

    // Sharing another session is enough to send it.
    const other = runCli(["share", writeSessionFile(makeSessionItems("ses_other_one", 2))], env)
    expect(other).toMatchObject({ status: 0, stderr: "" })
    expect(countRows(db).outbox).toBe(0)
    expect(((await getSnapshot(workerUrl, shareID)).body as ShareSnapshot).parts).toHaveLength(9)
  })

  it("a batch the server refuses is dropped so the rest flows, and the user is told in one line (exit 6)", async () => {
    const db = join(tempDir(), "shares.db")
    const env = {
      CLOUDSESSION_URL: workerUrl,
      CLOUDSESSION_TOKEN: token,
      CLOUDSESSION_DB: db,
      // One item more than the server takes in a batch.
      CLOUDSESSION_BATCH_ITEMS: String(LIMITS.maxBatchItems + 1),
      CLOUDSESSION_BATCH_BYTES: String(7 * 1024 * 1024),
    }
    const items = makeSessionItems("ses_too_big", LIMITS.maxBatchItems + 100)
    const result = runCli(["share", writeSessionFile(items)], env)
    expect(result.status).toBe(6)
    const shareUrl = result.stdout.trim()
    expect(shareUrl).toMatch(/\/share\/[A-Za-z0-9_-]+$/)
    // Besides the progress line of the batch that went through, exactly one line says what was refused.
    const errors = stderrLines(result).filter((line) => !line.startsWith("sent "))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/^cloudsession: server refused \(bad_request\): /)
    expect(errors[0]).toContain(`1 batch (${LIMITS.maxBatchItems + 1} items) dropped from the outbox for ses_too_big`)
    expect(countRows(db).outbox).toBe(0)
    // The batch after the refused one was stored.
    const stored = ((await getSnapshot(workerUrl, shareUrl.split("/").at(-1) ?? "")).body as ShareSnapshot).parts
    expect(stored.length).toBeGreaterThan(0)
    const last = items.at(-1)
    expect(stored.some((part) => last?.type === "part" && part.id === last.data.id)).toBe(true)
  })
})

function secretOf(db: string): string {
  if (!existsSync(db)) return "<no db>"
  const handle = openRawDatabase(db, { readonly: true })
  try {
    const row = handle.prepare("SELECT secret FROM session_share").get() as { secret: string } | undefined
    return row?.secret ?? "<no row>"
  } finally {
    handle.close()
  }
}
