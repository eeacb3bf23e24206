import { makeMessage, makeTextPart } from "@cloudsession/protocol/fixtures"
import type { Browser, Page, WebSocketRoute } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { viewFixture } from "../test/view-fixture.ts"
import {
  createShare,
  DESKTOP,
  deleteShare,
  launchBrowser,
  syncShare,
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

const partIds = (page: Page) => page.locator("#messages .part").evaluateAll((parts) => parts.map((part) => part.id))

/** The share's markup with attributes sorted: what a first render and a live-patched page should agree on. */
const canonicalSession = (page: Page) =>
  page.locator("#session").evaluate((root) => {
    const walk = (node: Node): string => {
      if (node.nodeType === Node.TEXT_NODE) return node.textContent ?? ""
      if (!(node instanceof Element)) return ""
      const attributes = node
        .getAttributeNames()
        .sort()
        .map((name) => `${name}="${node.getAttribute(name)}"`)
      const children = Array.from(node.childNodes).map(walk).join("")
      return `<${node.localName} ${attributes.join(" ")}>${children}</${node.localName}>`
    }
    return walk(root)
  })

/** Every WebSocket the page opens (refused handshakes included). */
function countSockets(page: Page): () => number {
  let opened = 0
  page.on("websocket", () => {
    opened += 1
  })
  return () => opened
}

describe("live updates in headless Chromium", () => {
  it("shows a sync within 2 s without a reload; an updated part is replaced, not duplicated", async () => {
    const sessionID = uniqueSessionID("live")
    const share = await createShare(sessionID, viewFixture(sessionID))
    const page = await browser.newPage({ viewport: DESKTOP })
    const errors: string[] = []
    page.on("pageerror", (error) => errors.push(error.message))
    await page.goto(`${workerUrl()}/share/${share.id}`)
    await page.locator('#live-status[data-state="live"]').waitFor({ timeout: 5000 })
    // Survives only if the page is patched in place, not reloaded.
    await page.evaluate(() => {
      Object.assign(window, { __sameDocument: true })
    })

    const started = Date.now()
    await syncShare(share, [
      { type: "part", data: makeTextPart(sessionID, "msg_00000002", 5, "Done, **now with tests**.") },
      { type: "part", data: makeTextPart(sessionID, "msg_00000002", 6, "One more thing.") },
      { type: "message", data: makeMessage(sessionID, 3, "user") },
      { type: "part", data: makeTextPart(sessionID, "msg_00000003", 7, "Thanks!") },
    ])
    await page.waitForFunction(
      () =>
        document.getElementById("part-prt_00000007") !== null &&
        document.getElementById("part-prt_00000005")?.textContent?.includes("now with tests"),
      undefined,
      { timeout: 2000 },
    )
    expect(Date.now() - started).toBeLessThan(2000)

    expect(await page.evaluate(() => "__sameDocument" in window)).toBe(true)
    expect(await page.locator('[id="part-prt_00000005"]').count()).toBe(1)
    expect(await page.locator("#part-prt_00000005 strong").textContent()).toBe("now with tests")
    expect(await page.locator("#msg-msg_00000003").getAttribute("class")).toContain("role-user")
    expect(await partIds(page)).toEqual([
      "part-prt_00000001",
      "part-prt_00000002",
      "part-prt_00000003",
      "part-prt_00000004",
      "part-prt_00000005",
      "part-prt_00000006",
      "part-prt_00000007",
    ])
    expect(await page.locator("#session-head").textContent()).toContain("2 syncs")
    expect(errors).toEqual([])

    // Patched live (and through the browser-side sanitiser) the page is the same as a fresh render: the sanitiser
    // drops nothing the server renders.
    const fresh = await browser.newPage({ viewport: DESKTOP })
    await fresh.goto(`${workerUrl()}/share/${share.id}`)
    await fresh.locator('#live-status[data-state="live"]').waitFor({ timeout: 5000 })
    expect(await canonicalSession(page)).toBe(await canonicalSession(fresh))
    await fresh.close()
    await page.close()
  })

  it("reconnects after the socket drops and fetches what it missed", async () => {
    const sessionID = uniqueSessionID("reconnect")
    const share = await createShare(sessionID, viewFixture(sessionID))
    const page = await browser.newPage({ viewport: DESKTOP })
    // Route the page's socket through Playwright so the test can cut it, and hold the reconnect until a sync has
    // happened while the page was away.
    const connections: { page: WebSocketRoute; server: WebSocketRoute }[] = []
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    await page.routeWebSocket(/\/ws\//, async (route) => {
      const index = connections.length
      if (index > 0) await held
      connections.push({ page: route, server: route.connectToServer() })
    })
    await page.goto(`${workerUrl()}/share/${share.id}`)
    await page.locator('#live-status[data-state="live"]').waitFor({ timeout: 5000 })
    await expect.poll(() => connections.length).toBe(1)
    // Record every status the page shows, so a short "reconnecting" is not missed.
    await page.evaluate(() => {
      const status = document.getElementById("live-status")
      const seen: string[] = []
      Object.assign(window, { __states: seen })
      if (status === null) return
      new MutationObserver(() => seen.push(status.dataset.state ?? "")).observe(status, { attributes: true })
    })

    // The connection drops, as when the Worker restarts: the page sees its socket close.
    connections[0]?.page.close({ code: 1012, reason: "service restart" })
    connections[0]?.server.close({ code: 1000, reason: "test" })
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { __states: string[] }).__states), { timeout: 5000 })
      .toContain("offline")

    await syncShare(share, [
      { type: "part", data: makeTextPart(sessionID, "msg_00000002", 5, "Edited while you were away.") },
      { type: "part", data: makeTextPart(sessionID, "msg_00000002", 8, "Missed part.") },
    ])
    // Nothing can have arrived yet: the page has no connection.
    expect(await page.locator("#part-prt_00000008").count()).toBe(0)

    release()
    await page.locator("#part-prt_00000008").waitFor({ timeout: 10_000 })
    await page.locator('#live-status[data-state="live"]').waitFor({ timeout: 5000 })
    expect(connections.length).toBe(2)
    expect(await page.locator("#part-prt_00000005").textContent()).toContain("Edited while you were away.")
    expect(await page.locator('[id="part-prt_00000005"]').count()).toBe(1)

    // And the new socket keeps delivering.
    await syncShare(share, [{ type: "part", data: makeTextPart(sessionID, "msg_00000002", 9, "After the reconnect.") }])
    await page.locator("#part-prt_00000009").waitFor({ timeout: 2000 })
    await page.close()
  })

  it("stops and says so when the share is deleted while the page is open", async () => {
    const sessionID = uniqueSessionID("deleted")
    const share = await createShare(sessionID, viewFixture(sessionID))
    const page = await browser.newPage({ viewport: DESKTOP })
    const sockets = countSockets(page)
    await page.goto(`${workerUrl()}/share/${share.id}`)
    await page.locator('#live-status[data-state="live"]').waitFor({ timeout: 5000 })

    await deleteShare(share)
    await page.locator('#live-status[data-state="gone"]').waitFor({ timeout: 5000 })
    expect(await page.locator("#share-gone").isVisible()).toBe(true)
    // What was shown stays readable.
    expect(await page.locator("#part-prt_00000001").textContent()).toContain("refactor")
    // Long enough for several reconnects on the 0.5 s-doubling schedule, had the page kept trying.
    await page.waitForTimeout(2500)
    expect(sockets()).toBeLessThanOrEqual(2)
    await page.close()
  })

  it("stops when its socket is refused because the share is gone (a 404 handshake)", async () => {
    const sessionID = uniqueSessionID("refused")
    const share = await createShare(sessionID, viewFixture(sessionID))
    const page = await browser.newPage({ viewport: DESKTOP })
    const sockets = countSockets(page)
    // The page is served, then the share is deleted before its socket connects: the handshake is answered 404,
    // which a browser reports as a plain failed connection with no reason.
    await page.route(`**/share/${share.id}`, async (route) => {
      const response = await route.fetch()
      await deleteShare(share)
      await route.fulfill({ response })
    })
    await page.goto(`${workerUrl()}/share/${share.id}`)
    await page.locator('#live-status[data-state="gone"]').waitFor({ timeout: 5000 })
    expect(await page.locator("#share-gone").isVisible()).toBe(true)
    await page.waitForTimeout(2500)
    expect(sockets()).toBe(1)
    await page.close()
  })

  it("backs off a failing catch-up like the socket, and recovers", async () => {
    const sessionID = uniqueSessionID("backoff")
    const share = await createShare(sessionID, viewFixture(sessionID))
    const page = await browser.newPage({ viewport: DESKTOP })
    const attempts: number[] = []
    let failing = true
    await page.route(`**/share/${share.id}/fragments?*`, async (route) => {
      attempts.push(Date.now())
      if (failing) await route.fulfill({ status: 503, body: "unavailable" })
      else await route.continue()
    })
    await page.goto(`${workerUrl()}/share/${share.id}`)
    await page.locator('#live-status[data-state="live"]').waitFor({ timeout: 5000 })

    await syncShare(share, [{ type: "part", data: makeTextPart(sessionID, "msg_00000002", 8, "Arrives late.") }])
    // First try and three retries: 0.5 s, 1 s, 2 s apart (±25 %), each gap clearly longer than the one before.
    await expect.poll(() => attempts.length, { timeout: 8000 }).toBeGreaterThanOrEqual(4)
    const gaps = attempts.slice(1, 4).map((time, index) => time - (attempts[index] ?? time))
    expect(gaps[0]).toBeGreaterThan(300)
    expect(gaps[1]).toBeGreaterThan((gaps[0] ?? 0) * 1.1)
    expect(gaps[2]).toBeGreaterThan((gaps[1] ?? 0) * 1.1)

    failing = false
    await page.locator("#part-prt_00000008").waitFor({ timeout: 8000 })
    expect(await page.locator('[id="part-prt_00000008"]').count()).toBe(1)
    await page.close()
  })
})
