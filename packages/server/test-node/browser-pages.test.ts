import type { Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { viewFixture } from "../test/view-fixture.ts"
import {
  createShare,
  DESKTOP,
  launchBrowser,
  overflowsHorizontally,
  PHONE,
  screenshot,
  uniqueSessionID,
  workerUrl,
} from "./browser-helpers.ts"

let browser: Browser

beforeAll(async () => {
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
})

describe("pages in headless Chromium", () => {
  it("lists shares and filters them by title and directory", async () => {
    const tag = Date.now().toString(36)
    const alpha = uniqueSessionID("alpha")
    const beta = uniqueSessionID("beta")
    await createShare(alpha, viewFixture(alpha, `Alpha ${tag} tokenizer`))
    await createShare(beta, [
      ...viewFixture(beta, `Beta ${tag} renderer`),
      { type: "session", data: { id: beta, title: `Beta ${tag} renderer`, directory: `/srv/beta-${tag}` } },
    ])
    const page = await browser.newPage({ viewport: DESKTOP })
    const response = await page.goto(`${workerUrl()}/sessions`)
    expect(response?.status()).toBe(200)
    const rows = page.locator("#sessions > li")
    const visible = () => rows.filter({ visible: true }).allInnerTexts()

    expect((await visible()).join("\n")).toContain(`Alpha ${tag} tokenizer`)
    expect((await visible()).join("\n")).toContain(`Beta ${tag} renderer`)
    await screenshot(page, "list-desktop")

    await page.fill("#search", `alpha ${tag}`)
    const afterTitle = await visible()
    expect(afterTitle).toHaveLength(1)
    expect(afterTitle[0]).toContain(`Alpha ${tag} tokenizer`)

    // By directory: only the beta share lives under /srv/beta-<tag>.
    await page.fill("#search", `/srv/beta-${tag}`)
    const afterDirectory = await visible()
    expect(afterDirectory).toHaveLength(1)
    expect(afterDirectory[0]).toContain(`Beta ${tag} renderer`)

    await page.fill("#search", `no-such-session-${tag}`)
    expect(await visible()).toHaveLength(0)
    expect(await page.locator("#no-match").isVisible()).toBe(true)

    await page.fill("#search", "")
    expect((await visible()).length).toBeGreaterThanOrEqual(2)

    await page.setViewportSize(PHONE)
    expect(await overflowsHorizontally(page)).toBe(false)
    await screenshot(page, "list-phone")
    await page.close()
  })

  it("searches every share on the server when Enter is pressed (?q=)", async () => {
    const tag = Date.now().toString(36)
    const needle = uniqueSessionID("needle")
    await createShare(needle, viewFixture(needle, `Needle ${tag} lexer`))
    // Listed by last update in ms: let the clock move so the needle is strictly older and off a one-row page.
    await new Promise((resolve) => setTimeout(resolve, 20))
    const newer = uniqueSessionID("newer")
    await createShare(newer, viewFixture(newer, `Newer ${tag} printer`))
    const page = await browser.newPage({ viewport: DESKTOP })
    await page.goto(`${workerUrl()}/sessions?limit=1`)
    // Every row in the page, hidden or not: the client-side filter only hides rows, the server search drops them.
    const rows = () => page.locator("#sessions > li").allTextContents()
    expect((await rows()).join("\n")).toContain(`Newer ${tag} printer`)
    expect((await rows()).join("\n")).not.toContain(`Needle ${tag}`)

    await page.fill("#search", `needle ${tag}`)
    await Promise.all([page.waitForURL(/[?&]q=/, { timeout: 5000 }), page.press("#search", "Enter")])
    expect(new URL(page.url()).pathname).toBe("/sessions")
    expect(new URL(page.url()).searchParams.get("q")).toBe(`needle ${tag}`)
    const found = await rows()
    expect(found).toHaveLength(1)
    expect(found[0]).toContain(`Needle ${tag} lexer`)
    expect(await page.inputValue("#search")).toBe(`needle ${tag}`)
    await page.close()
  })

  it("renders a fixture session: markdown, reasoning, tool call, diff, model", async () => {
    const sessionID = uniqueSessionID("detail")
    const share = await createShare(sessionID, viewFixture(sessionID))
    const page = await browser.newPage({ viewport: DESKTOP })
    const response = await page.goto(`${workerUrl()}/share/${share.id}`)
    expect(response?.status()).toBe(200)

    await expect.poll(() => page.title()).toContain("Refactor the parser")
    expect(await page.locator("#part-prt_00000001 strong").textContent()).toBe("refactor")
    expect(await page.locator("#part-prt_00000001 li").allInnerTexts()).toEqual(["keep the API", "add tests"])

    // Reasoning is collapsed until asked for.
    const reasoning = page.locator("#part-prt_00000002 details")
    expect(await reasoning.getAttribute("open")).toBeNull()
    expect(await page.locator("#part-prt_00000002 .md").isVisible()).toBe(false)

    // A tool call is one line until opened; without script, a click on its summary opens it.
    const tool = page.locator("#part-prt_00000003 details.tool")
    expect(await tool.locator(".tool-name").textContent()).toBe("bash")
    expect(await tool.locator(".badge").textContent()).toBe("completed")
    expect(await tool.locator(".tool-body").isVisible()).toBe(false)
    await tool.locator("summary").click()
    expect(await tool.locator(".tool-body").isVisible()).toBe(true)
    expect(await tool.textContent()).toContain("ls -la src/3")
    expect(await tool.textContent()).toContain("-rw-r--r-- 1 dev dev 120 index.ts")

    expect(await page.locator("#part-prt_00000004").textContent()).toContain("notes.txt")

    const diff = page.locator('#diffs .file-diff[data-file="src/parser.ts"] .diff-lines.unified')
    expect(await diff.locator("tr.del .src").allInnerTexts()).toEqual(["old()"])
    expect(await diff.locator("tr.add .src").allInnerTexts()).toEqual(["fresh()", "more()"])
    // The split view is one click away, no script needed.
    const split = page.locator('#diffs .file-diff[data-file="src/parser.ts"] .diff-lines.split')
    expect(await split.isVisible()).toBe(false)
    await page.locator('label[for="view-split"]').click()
    expect(await split.isVisible()).toBe(true)
    expect(await diff.isVisible()).toBe(false)
    expect(await split.locator("td.del").allInnerTexts()).toEqual(["old()"])
    expect(await page.locator("#models").textContent()).toContain("claude-sonnet")
    expect(await page.locator("#msg-msg_00000002 > .head").textContent()).toContain("anthropic/claude-sonnet")

    // Parts in order within their messages.
    const ids = await page.locator("#messages .part").evaluateAll((parts) => parts.map((part) => part.id))
    expect(ids).toEqual([
      "part-prt_00000001",
      "part-prt_00000002",
      "part-prt_00000003",
      "part-prt_00000004",
      "part-prt_00000005",
    ])

    // The socket connects under the page's CSP.
    await page.locator('#live-status[data-state="live"]').waitFor({ timeout: 5000 })
    await screenshot(page, "detail-desktop")

    await page.setViewportSize(PHONE)
    expect(await overflowsHorizontally(page)).toBe(false)
    await screenshot(page, "detail-phone")
    await page.close()
  })

  it("shows a 404 page for unknown and malformed ids", async () => {
    const page = await browser.newPage({ viewport: PHONE })
    for (const id of ["AAAAAAAAAAAAAAAAAAAAAA", "not%20an%20id"]) {
      const response = await page.goto(`${workerUrl()}/share/${id}`)
      expect(response?.status()).toBe(404)
      expect(await page.locator("h1").textContent()).toBe("Share not found")
    }
    await page.close()
  })
})
