import { execFile } from "node:child_process"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
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

const SCRIPT_BUILDER = resolve(dirname(fileURLToPath(import.meta.url)), "../scripts/build-browser.mjs")

const PIXEL = "data:image/png;base64,iVBORw0KGgo="

const INJECTED_FRAGMENT = [
  '<div class="part kind-text" id="part-prt_00000099" data-sort="prt_00000099" onmouseover="window.__pwned=\'part\'">',
  '<div class="md" style="position:fixed;inset:0">',
  "<p>Injected text stays readable.</p>",
  "<img src=x onerror=\"window.__pwned='img'\">",
  "<a href=\"javascript:window.__pwned='link'\" onclick=\"window.__pwned='click'\">click me</a>",
  '<img src="/api/sessions?q=leak" alt="same-origin">',
  `<img src="${PIXEL}" alt="inline">`,
  "<script>window.__pwned='script'</script>",
  "<iframe src=\"javascript:window.__pwned='iframe'\"></iframe>",
  "<svg><image href=x onerror=\"window.__pwned='svg'\"></image></svg>",
  "</div></div>",
].join("")

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

  it("sanitises live fragments again in the browser: injected handlers and URLs are inserted inert", async () => {
    const sessionID = uniqueSessionID("injected")
    const share = await createShare(sessionID, viewFixture(sessionID))
    const page = await browser.newPage({ viewport: DESKTOP })
    const requests: string[] = []
    page.on("request", (request) => requests.push(new URL(request.url()).pathname))
    // A fragment the server should never send, as if its sanitiser had a hole: the browser must still strip it.
    await page.route(`**/share/${share.id}/fragments?*`, async (route) => {
      const response = await route.fetch()
      const body = (await response.json()) as { version: number; fragments: unknown[] }
      body.fragments.push({ id: "part-prt_00000099", parent: "parts-msg_00000002", html: INJECTED_FRAGMENT })
      await route.fulfill({ response, json: body })
    })
    await page.goto(`${workerUrl()}/share/${share.id}`)
    await page.locator('#live-status[data-state="live"]').waitFor({ timeout: 5000 })
    await syncShare(share, [{ type: "part", data: makeTextPart(sessionID, "msg_00000002", 12, "Trigger.") }])
    const injected = page.locator("#part-prt_00000099")
    await injected.waitFor({ timeout: 2000 })
    await page.locator("#part-prt_00000099 a").click()
    await page.waitForTimeout(300)

    expect(await injected.textContent()).toContain("Injected text stays readable.")
    expect(await damage(page)).toEqual({ pwned: null, scripts: [true], handlers: 0, javascriptLinks: 0, frames: 0 })
    const attributes = await injected.evaluate((root) =>
      [root, ...Array.from(root.querySelectorAll("*"))].flatMap((element) => element.getAttributeNames()),
    )
    expect(attributes.filter((name) => name.startsWith("on") || name === "style")).toEqual([])
    expect(await page.locator("#part-prt_00000099 a").getAttribute("href")).toBeNull()
    expect(
      await page
        .locator("#part-prt_00000099 img")
        .evaluateAll((images) => images.map((image) => image.getAttribute("src"))),
    ).toEqual([null, null, PIXEL])
    expect(requests.filter((path) => path.startsWith("/api/"))).toEqual([])
    await page.close()
  })

  it("the inlined scripts and DOMPurify are the current sources and the installed version, freshly bundled", async () => {
    // build-browser.mjs --check rebuilds the bundles and compares them with the committed page-scripts.generated.ts.
    await promisify(execFile)(process.execPath, [SCRIPT_BUILDER, "--check"])
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
    // Images load only from inline data: one pointing back at our own API is refused before any request.
    const violated = await page.evaluate(async () => {
      const blocked = new Promise<string>((resolve) => {
        document.addEventListener("securitypolicyviolation", (event) => resolve(event.effectiveDirective))
      })
      const image = document.createElement("img")
      image.src = "/api/sessions?q=from-an-image"
      document.body.appendChild(image)
      return Promise.race([blocked, new Promise<string>((resolve) => setTimeout(() => resolve("loaded"), 1000))])
    })
    expect(violated).toBe("img-src")
    await page.close()
  })
})
