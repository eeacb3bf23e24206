import { type Browser, chromium } from "playwright-core"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { type MockLlm, startMockLlm } from "./support/mock-llm.ts"
import { createProject, type Project, poll, type Served, serveOpencode, stopAll } from "./support/opencode.ts"
import { expectShareToCatchUp, newSession, prompt, type SessionInfo } from "./support/served-session.ts"
import { readShare, shareRow } from "./support/share.ts"

const workerUrl = inject("workerUrl")
const token = inject("rpcToken")

let llm: MockLlm
let browser: Browser
let project: Project
let served: Served

beforeAll(async () => {
  llm = await startMockLlm()
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  })
  project = createProject({ llmUrl: llm.url, plugin: { url: workerUrl, token, mode: "manual", expire: "7d" } })
  served = await serveOpencode(project)
})

afterAll(async () => {
  await served?.stop()
  await stopAll()
  await browser?.close()
  await llm?.close()
  if (process.env.KEEP_OPENCODE_PROJECTS === undefined) project?.remove()
})

describe("opencode serve with the plugin (manual mode)", () => {
  it("shares on /share, syncs live to an open viewer, and unshares on /unshare", async () => {
    const session = await newSession(served)
    await prompt(served, session.id, "before sharing [[bash echo first-turn]]")
    // Manual mode: nothing is shared until the user asks.
    expect(shareRow(project, session.id)).toBeUndefined()

    // What the TUI's /share and `opencode run --share` call.
    const shared = await served.api<SessionInfo>("POST", `/session/${session.id}/share`)
    const row = shareRow(project, session.id)
    expect(row, "OpenCode's session_share row").toBeDefined()
    expect(shared.share?.url).toBe(row?.url)
    expect(row?.url).toBe(`${workerUrl}/share/${row?.id}`)
    const shareID = row?.id ?? ""
    await expectShareToCatchUp(served, workerUrl, shareID, session.id)
    // The plugin's `expire` option: the server deletes the share after that long.
    const metadata = (await (await fetch(`${workerUrl}/api/share/${shareID}/metadata`)).json()) as {
      expiresAt?: number
    }
    expect(metadata.expiresAt).toBeGreaterThan(Date.now() + 6.9 * 86_400_000)
    expect(metadata.expiresAt).toBeLessThanOrEqual(Date.now() + 7 * 86_400_000)

    // A viewer with the page open sees the next turn arrive without a reload.
    const page = await browser.newPage()
    await page.goto(row?.url ?? "")
    await page.waitForSelector(".message")
    const marker = `live-turn-${Date.now().toString(36)}`
    await prompt(served, session.id, `say ${marker}`)
    await page
      .locator(".message", { hasText: `You said: say ${marker}` })
      .first()
      .waitFor({ timeout: 30_000 })
    await page.close()
    await expectShareToCatchUp(served, workerUrl, shareID, session.id)

    // /unshare: gone from the server and from OpenCode's records.
    await served.api("DELETE", `/session/${session.id}/share`)
    await poll("the share to be deleted", async () => (await readShare(workerUrl, shareID)) === undefined)
    expect(shareRow(project, session.id)).toBeUndefined()
    // (OpenCode 1.18.33 itself leaves the session's `share.url` in place after an unshare, plugin or not: its
    // setShare(undefined) does not clear the column. The link then answers 410 Gone, as checked above.)
    // Unshared means unshared: a later turn creates nothing.
    await prompt(served, session.id, "after unsharing")
    expect(await readShare(workerUrl, shareID)).toBeUndefined()
  })
})
