import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { makeTextPart, richSessionItems } from "@cloudsession/protocol/fixtures"
import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  createShare,
  DESKTOP,
  launchBrowser,
  overflowsHorizontally,
  PHONE,
  screenshot,
  syncShare,
  uniqueSessionID,
  workerUrl,
} from "./browser-helpers.ts"

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8")

type AxeViolation = { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }

/**
 * axe-core's serious and critical findings on the page as it is. Its source is evaluated through the DevTools
 * protocol, which the page's CSP does not govern (an injected <script> would be refused, as it should be).
 */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE)
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document) => Promise<{ violations: unknown[] }> } }).axe
    return (await axe.run(document)).violations
  })
  return (violations as AxeViolation[])
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map(
      (violation) =>
        `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(" ")).join(", ")})`,
    )
}

let browser: Browser

beforeAll(async () => {
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
})

describe("reading a real-shaped session", () => {
  it("passes axe and fits 1280 and 390 px: every part type, a multi-file diff", async () => {
    const sessionID = uniqueSessionID("reading")
    const share = await createShare(sessionID, richSessionItems(sessionID, { turns: 7 }))
    const page = await browser.newPage({ viewport: DESKTOP })
    const errors: string[] = []
    page.on("pageerror", (error) => errors.push(error.message))
    await page.goto(`${workerUrl()}/share/${share.id}`)
    await page.locator('#live-status[data-state="live"]').waitFor({ timeout: 5000 })

    // One line per tool call; reasoning and tools start collapsed, a pending and a running call start open.
    const tools = page.locator("details.tool")
    expect(await tools.count()).toBeGreaterThan(30)
    expect(await page.locator("details.tool[open]").count()).toBe(2)
    expect(await page.locator("details.tool.status-pending[open]").textContent()).toContain("still being written")
    expect(await page.locator(".kind-step-finish").first().isVisible()).toBe(false)
    expect(await page.locator(".msg-foot").first().textContent()).toContain("$0.0123")
    expect(await page.locator(".kind-retry").first().textContent()).toContain("Retry 2")
    expect(await page.locator(".kind-compaction").first().textContent()).toContain("compacted")
    expect(await page.locator(".kind-file img").count()).toBeGreaterThan(0)
    // The turn index sits beside the conversation on a wide screen and follows the reader down.
    const index = page.locator("#turns")
    expect(await index.isVisible()).toBe(true)
    expect(await index.locator("li").count()).toBe(7)
    expect(await page.locator("#turn-index").evaluate((nav) => getComputedStyle(nav).position)).toBe("sticky")
    expect(await page.locator("#diffs .files li").count()).toBe(4)

    expect(await seriousViolations(page)).toEqual([])
    await screenshot(page, "share-desktop")
    // Opened up: a tool's highlighted output, the split diff view.
    await page.evaluate(() => {
      for (const details of document.querySelectorAll("details")) details.open = true
    })
    await page.locator('label[for="view-split"]').click()
    expect(await page.locator(".diff-lines.split").first().isVisible()).toBe(true)
    expect(await seriousViolations(page)).toEqual([])
    await screenshot(page, "share-desktop-open")

    await page.reload()
    await page.setViewportSize(PHONE)
    expect(await overflowsHorizontally(page)).toBe(false)
    // On a phone the index is a menu: closed until its button is pressed (a checkbox; no script needed).
    expect(await index.isVisible()).toBe(false)
    await page.locator(".turns-button").click()
    expect(await index.isVisible()).toBe(true)
    await index.locator("li a").first().click()
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/^#msg-msg_/)
    expect(await overflowsHorizontally(page)).toBe(false)
    expect(await seriousViolations(page)).toEqual([])
    await page.locator(".turns-button").click()
    await page.evaluate(() => window.scrollTo(0, 0))
    await screenshot(page, "share-phone")
    expect(errors).toEqual([])
    await page.close()
  })

  it("passes axe on the list page at both widths", async () => {
    const sessionID = uniqueSessionID("listed")
    await createShare(sessionID, richSessionItems(sessionID, { turns: 1, title: "Listed for axe" }))
    const page = await browser.newPage({ viewport: DESKTOP })
    await page.goto(`${workerUrl()}/sessions`)
    expect(await seriousViolations(page)).toEqual([])
    await page.setViewportSize(PHONE)
    expect(await overflowsHorizontally(page)).toBe(false)
    expect(await seriousViolations(page)).toEqual([])
    await page.close()
  })

  it("loads earlier turns in place, follows a permalink into one that is not loaded, and offers the latest", async () => {
    const sessionID = uniqueSessionID("long")
    // About 40 turns: more than one page holds, so the page opens on the latest ones.
    const items = richSessionItems(sessionID, { turns: 40 })
    const share = await createShare(sessionID, items.slice(0, 900))
    for (let start = 900; start < items.length; start += 900) await syncShare(share, items.slice(start, start + 900))
    const page = await browser.newPage({ viewport: DESKTOP })
    await page.goto(`${workerUrl()}/share/${share.id}`)
    await page.locator('#live-status[data-state="live"]').waitFor({ timeout: 5000 })
    const firstPrompt = "#msg-msg_00000001"
    expect(await page.locator(firstPrompt).count()).toBe(0)
    expect(await page.locator("#turns li").count()).toBe(40)
    const loaded = await page.locator("#messages > article").count()
    await page.locator("#load-earlier").click()
    await expect.poll(() => page.locator("#messages > article").count()).toBeGreaterThan(loaded)
    // Earlier turns went in front, in order.
    const ids = await page.locator("#messages > article").evaluateAll((articles) => articles.map((a) => a.id))
    expect([...ids].sort()).toEqual(ids)

    // A permalink to a tool call in the first turn: the page reloads at that turn and opens the call.
    const fresh = await browser.newPage({ viewport: DESKTOP })
    const readPart = items.find((item) => item.type === "part" && item.data.type === "tool")
    if (readPart?.type !== "part") throw new Error("no tool part")
    await fresh.goto(`${workerUrl()}/share/${share.id}#part-${readPart.data.id}`)
    await fresh.waitForURL(/\?at=/)
    const target = fresh.locator(`#part-${readPart.data.id} details.tool`)
    await expect.poll(() => target.getAttribute("open")).not.toBeNull()
    expect(await fresh.locator(firstPrompt).count()).toBe(1)
    await fresh.close()

    // Scrolled up while the agent works: "jump to latest" appears, and leads there.
    await page.evaluate(() => window.scrollTo(0, 0))
    const jump = page.locator("#jump-latest")
    expect(await jump.isVisible()).toBe(false)
    const lastMessage = items.filter((item) => item.type === "message").at(-1)
    if (lastMessage?.type !== "message") throw new Error("no message")
    await syncShare(share, [{ type: "part", data: makeTextPart(sessionID, lastMessage.data.id, 99_000, "All done.") }])
    await jump.waitFor({ state: "visible", timeout: 5000 })
    await jump.click()
    await expect.poll(() => jump.isVisible()).toBe(false)
    await page.close()
  })
})
