import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { makeSessionItems } from "@cloudsession/protocol/fixtures"
import { afterAll, describe, expect, it } from "vitest"
import { openStore } from "../src/store/store.ts"
import {
  createOverHttp,
  expectedState,
  legacyDatabase,
  removeTempDirs,
  runCli,
  snapshotFile,
  snapshotOf,
  stateOf,
  tempDir,
  testServer,
  withClient,
} from "./helpers.ts"

const { url: workerUrl, token } = testServer()

afterAll(removeTempDirs)

describe("legacy records", () => {
  it("shares a session OpenCode's session table does not hold into an upgraded OpenCode database", async () => {
    // The old table has a foreign key to OpenCode's `session`; better-sqlite3 would enforce it, bun:sqlite not.
    const db = legacyDatabase([])
    await withClient(
      async (client, store) => {
        const outcome = await client.share("ses_not_in_opencode", makeSessionItems("ses_not_in_opencode", 5))
        expect(store.shares.get("ses_not_in_opencode")).toMatchObject({ id: outcome.share.id, server: workerUrl })
        expect(store.outbox.count("ses_not_in_opencode")).toBe(0)
        expect((await snapshotOf(outcome.share.id)).parts).toHaveLength(5)
      },
      { db },
    )
  })

  it("upgrades an old session_share table and keeps syncing over RPC with the existing secret", async () => {
    const created = await createOverHttp("ses_legacy_table")
    const db = legacyDatabase([{ sessionID: "ses_legacy_table", ...created }])
    const items = makeSessionItems("ses_legacy_table", 120)
    const store = await openStore(db)
    expect(store.shares.get("ses_legacy_table")).toMatchObject({
      secret: created.secret,
      server: workerUrl,
      source: "http",
    })
    store.close()

    // The upgraded record names its server; the configured one must be the same for the token to go there.
    const file = join(tempDir(), "session.json")
    writeFileSync(file, JSON.stringify(snapshotFile(items)))
    const synced = runCli(["sync", file], {
      CLOUDSESSION_URL: workerUrl,
      CLOUDSESSION_TOKEN: token,
      CLOUDSESSION_DB: db,
    })
    expect(synced.stderr).toBe("")
    expect(synced.status).toBe(0)
    const server = stateOf(await snapshotOf(created.id))
    expect(server.parts).toEqual(expectedState(items).parts)
    expect(runCli(["url", "ses_legacy_table"], { CLOUDSESSION_DB: db }).stdout).toBe(`${created.url}\n`)
  })

  it("imports legacy JSON share files, then syncs them over RPC", async () => {
    const created = await createOverHttp("ses_legacy_json")
    const dir = join(tempDir(), "share")
    mkdirSync(dir)
    writeFileSync(join(dir, "ses_legacy_json.json"), JSON.stringify(created))
    const db = join(tempDir(), "shares.db")
    const env = { CLOUDSESSION_URL: workerUrl, CLOUDSESSION_TOKEN: token, CLOUDSESSION_DB: db }
    expect(runCli(["import-legacy", dir], env)).toMatchObject({
      status: 0,
      stdout: "imported 1 shares (0 already known)\n",
    })
    const items = makeSessionItems("ses_legacy_json", 30)
    const file = join(tempDir(), "session.json")
    writeFileSync(file, JSON.stringify(snapshotFile(items)))
    expect(runCli(["sync", file], env).status).toBe(0)
    expect(stateOf(await snapshotOf(created.id)).parts).toEqual(expectedState(items).parts)
  })
})
