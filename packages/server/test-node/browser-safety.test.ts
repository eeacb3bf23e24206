import { makeTextPart, makeToolPart } from "@cloudsession/protocol/fixtures"
import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { HOSTILE_MARKDOWN, viewFixture } from "../test/view-fixture.ts"
import { createShare, DESKTOP, launchBrowser, syncShare, uniqueSessionID, workerUrl } from "./browser-helpers.ts"

let browser: Browser

beforeAll(async () => {
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
})

/** Everything a hostile part could have done, read from inside the page. */
function damage(page: Page) {
  return page.evaluate(() => ({
    pwned: (window as unknown as { __pwned?: string }).__pwned ?? null,
    scripts: Array.from(document.scripts).map((script) => script.nonce !== "" && script.src === ""),
    handlers: document.querySelectorAll("[onerror], [onload], [onclick]").length,
    javascriptLinks: Array.from(document.querySelectorAll("a[href]")).filter((link) =>
      (link.getAttribute("href") ?? "").trim().toLowerCase().startsWith("javascript:"),
    ).length,
    frames: document.querySelectorAll("iframe, object, embed, svg").length,
  }))
}

describe("hostile content in headless Chromium", () => {
  it("renders script, handlers and javascript: links inert, on first render and when patched live", async () => {
    const sessionID = uniqueSessionID("hostile")
    const share = await createShare(sessionID, [
      ...viewFixture(sessionID),
      { type: "part", data: makeTextPart(sessionID, "msg_00000002", 10, HOSTILE_MARKDOWN) },
    ])
    const page = await browser.newPage({ viewport: DESKTOP })
    const dialogs: string[] = []
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message())
      void dialog.dismiss()
    })
    const response = await page.goto(`${workerUrl()}/share/${share.id}`)
    const csp = response?.headers()["content-security-policy"] ?? ""
    expect(csp).toContain("default-src 'none'")
    expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]+'/)
    expect(response?.headers()["x-robots-tag"]).toContain("noindex")
    expect(await page.locator('meta[name="robots"]').getAttribute("content")).toContain("noindex")
    await page.locator('#live-status[data-state="live"]').waitFor({ timeout: 5000 })

    // The hostile text is shown (escaped), not executed.
    expect(await page.locator("#part-prt_00000010").textContent()).toContain(
      "<script>window.__pwned = 'script'</script>",
    )
    expect(await damage(page)).toEqual({ pwned: null, scripts: [true], handlers: 0, javascriptLinks: 0, frames: 0 })

    // The same content, arriving live in a text part and as tool output.
    const tool = makeToolPart(sessionID, "msg_00000002", 11)
    await syncShare(share, [
      { type: "part", data: makeTextPart(sessionID, "msg_00000002", 12, HOSTILE_MARKDOWN) },
      { type: "part", data: { ...tool, state: { ...(tool.state as object), output: HOSTILE_MARKDOWN } } },
    ])
    await page.locator("#part-prt_00000012").waitFor({ timeout: 2000 })
    await page.locator("#part-prt_00000011").waitFor({ timeout: 2000 })
    // Give anything that would fire (image errors, handlers) time to do so.
    await page.waitForTimeout(300)
    expect(await damage(page)).toEqual({ pwned: null, scripts: [true], handlers: 0, javascriptLinks: 0, frames: 0 })
    expect(dialogs).toEqual([])
    await page.close()
  })

  it("enforces the CSP: an inline script without the nonce does not run", async () => {
    const sessionID = uniqueSessionID("csp")
    const share = await createShare(sessionID, viewFixture(sessionID))
    const page = await browser.newPage({ viewport: DESKTOP })
    await page.goto(`${workerUrl()}/share/${share.id}`)
    const ran = await page.evaluate(async () => {
      const script = document.createElement("script")
      script.textContent = "window.__injected = true"
      document.body.appendChild(script)
      await new Promise((resolve) => setTimeout(resolve, 50))
      return "__injected" in window
    })
    expect(ran).toBe(false)
    await page.close()
  })
})
