import { join } from "node:path"
import type { SessionIndex, SessionPage } from "@cloudsession/protocol"
import { makeSessionItems } from "@cloudsession/protocol/fixtures"
import { afterAll, describe, expect, it } from "vitest"
import { getSnapshot, removeTempDirs, runCli, stderrLines, tempDir, testServer, writeSessionFile } from "./helpers.ts"

const { url: workerUrl, token } = testServer()

afterAll(removeTempDirs)

function shareFile(label: string, extra: string[] = []) {
  const sessionID = `ses_owner_${label}_${Date.now().toString(36)}`
  const env = { CLOUDSESSION_URL: workerUrl, CLOUDSESSION_TOKEN: token, CLOUDSESSION_DB: join(tempDir(), "shares.db") }
  const shared = runCli(["share", ...extra, writeSessionFile(makeSessionItems(sessionID, 3))], env)
  return { sessionID, env, shared, shareID: shared.stdout.trim().split("/").at(-1) ?? "" }
}

async function metadataOf(shareID: string): Promise<{ status: number; body: SessionIndex }> {
  const url = `${workerUrl}/api/share/${shareID}/metadata`
  // A keep-alive socket workerd already closed fails once; a GET is safe to repeat (as in getSnapshot).
  const response = await fetch(url).catch(() => fetch(url))
  return { status: response.status, body: (await response.json()) as SessionIndex }
}

describe("share --expire", () => {
  it("creates a share that carries its deadline, and refuses a duration it cannot read", async () => {
    const before = Date.now()
    const { shared, shareID } = shareFile("expire", ["--expire", "7d"])
    expect(shared.status).toBe(0)
    const { body } = await metadataOf(shareID)
    expect(body.expiresAt).toBeGreaterThanOrEqual(before + 7 * 86_400_000)
    expect(body.expiresAt).toBeLessThanOrEqual(Date.now() + 7 * 86_400_000)
    const page = `${workerUrl}/share/${shareID}`
    expect(await (await fetch(page).catch(() => fetch(page))).text()).toContain("expires <time")

    const refused = runCli(["share", "--expire", "forever", "x.json"], { CLOUDSESSION_URL: workerUrl })
    expect(refused.status).toBe(2)
    expect(stderrLines(refused)).toEqual([expect.stringContaining("--expire: not a duration: forever")])
  })
})

describe("cloudsession owner", () => {
  it("with the token lists every share, sets and clears expiry, rotates and deletes without the secret", async () => {
    const { shareID, sessionID, env } = shareFile("controls")
    const listed = runCli(["owner", "list", "--json", "--query", sessionID], env)
    expect(listed.status).toBe(0)
    expect((JSON.parse(listed.stdout) as SessionPage).sessions.map((entry) => entry.id)).toEqual([shareID])

    const expire = runCli(["owner", "expire", shareID, "2w"], env)
    expect(expire.status).toBe(0)
    expect((JSON.parse(expire.stdout) as SessionIndex).expiresAt).toBeGreaterThan(Date.now() + 13 * 86_400_000)
    const never = runCli(["owner", "expire", shareID, "never"], env)
    expect((JSON.parse(never.stdout) as SessionIndex).expiresAt).toBeUndefined()

    const rotated = runCli(["owner", "rotate", shareID], env)
    expect(rotated.status).toBe(0)
    expect((JSON.parse(rotated.stdout) as { secret: string }).secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    // The creator's store still holds the old secret: its unshare is told why it no longer works.
    const unshare = runCli(["unshare", sessionID], env)
    expect(unshare.status).toBe(6)
    expect(unshare.stderr).toContain("owner replaced this share's secret")

    const deleted = runCli(["owner", "delete", shareID], env)
    expect(deleted).toMatchObject({ status: 0, stdout: `deleted ${shareID}\n` })
    expect((await getSnapshot(workerUrl, shareID)).status).toBe(410)
    const again = runCli(["owner", "delete", shareID], env)
    expect(again.status).toBe(4)
  })

  it("without the token, or with a wrong one, is refused (exit 3, 2) and changes nothing", async () => {
    const { shareID } = shareFile("stranger")
    const wrong = runCli(["owner", "delete", shareID], {
      CLOUDSESSION_URL: workerUrl,
      CLOUDSESSION_TOKEN: "nope-nope-nope",
    })
    expect(wrong.status).toBe(3)
    const none = runCli(["owner", "list"], { CLOUDSESSION_URL: workerUrl })
    expect(none.status).toBe(2)
    expect(stderrLines(none)).toEqual([expect.stringContaining("no token given")])
    const missing = runCli(["owner", "expire", shareID], { CLOUDSESSION_URL: workerUrl, CLOUDSESSION_TOKEN: token })
    expect(missing.status).toBe(2)
    expect((await metadataOf(shareID)).status).toBe(200)
  })
})
