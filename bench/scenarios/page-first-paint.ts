import type { SyncData } from "@cloudsession/protocol"
import { richSessionItems } from "@cloudsession/protocol/fixtures"
import { chromium } from "playwright-core"
import type { HttpApi } from "../http.ts"
import { median, percentile, round } from "../stats.ts"

const TARGET_PARTS = 10_000
const LOADS = 7
/** Sync bodies of about this much JSON (the server takes far more; smaller bodies keep the set-up quick to retry). */
const BATCH_BYTES = 2 * 1024 * 1024

function partCount(items: SyncData[]): number {
  return items.filter((item) => item.type === "part").length
}

/** A real-shaped session (every part type, tools, diffs) with at least TARGET_PARTS parts. */
function sessionItems(sessionID: string): SyncData[] {
  // Turns differ in size (the last one holds extra part types): grow the estimate until the target is reached.
  let turns = Math.ceil(TARGET_PARTS / partCount(richSessionItems(sessionID, { turns: 1 })))
  for (;;) {
    const items = richSessionItems(sessionID, { turns })
    if (partCount(items) >= TARGET_PARTS) return items
    turns = Math.ceil(turns * 1.1)
  }
}

function batches(items: SyncData[]): SyncData[][] {
  const out: SyncData[][] = []
  let current: SyncData[] = []
  let bytes = 0
  for (const item of items) {
    const size = JSON.stringify(item).length
    if (current.length > 0 && bytes + size > BATCH_BYTES) {
      out.push(current)
      current = []
      bytes = 0
    }
    current.push(item)
    bytes += size
  }
  if (current.length > 0) out.push(current)
  return out
}

type Load = { firstPaintMs: number; transferredBytes: number; latestTurnShown: boolean }

/** First paint and bytes before scrolling of a share page, over `loads` fresh browser profiles after a warm-up. */
export async function measurePage(base: string, shareID: string, lastMessageID: string, loads = LOADS) {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-quic"],
  })
  const measured: Load[] = []
  try {
    // Round 0 warms the Worker's and the browser's code paths; it is not counted.
    for (let round = 0; round <= loads; round++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
      const page = await context.newPage()
      const cdp = await context.newCDPSession(page)
      await cdp.send("Network.enable")
      let transferredBytes = 0
      cdp.on("Network.loadingFinished", (event) => {
        transferredBytes += event.encodedDataLength
      })
      await page.goto(`${base}/share/${shareID}`, { waitUntil: "load" })
      await page.waitForLoadState("networkidle")
      const firstPaintMs = await page.evaluate(
        () => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN,
      )
      const latestTurnShown = (await page.locator(`[id="msg-${lastMessageID}"]`).count()) === 1
      if (round > 0) measured.push({ firstPaintMs, transferredBytes, latestTurnShown })
      await context.close()
    }
  } finally {
    await browser.close()
  }
  const paints = measured.map((load) => load.firstPaintMs)
  const bytes = measured.map((load) => load.transferredBytes)
  return {
    loads,
    firstPaintMedianMs: round(median(paints)),
    firstPaintP99Ms: round(percentile(paints, 0.99)),
    transferredMedianKiB: round(median(bytes) / 1024),
    transferredMaxKiB: round(Math.max(...bytes) / 1024),
    medianBytes: median(bytes),
    latestTurnInFirstDocument: measured.every((load) => load.latestTurnShown),
  }
}

/** The id of the last message among sync items (the latest turn's answer). */
export function lastMessageID(items: SyncData[]): string {
  const last = items.filter((item) => item.type === "message").at(-1)
  return (last?.data as { id?: string } | undefined)?.id ?? ""
}

/**
 * Scenario 8: the share page of a 10 000-part session in headless Chromium (see `measurePage`): first contentful
 * paint, bytes on the wire until the page is loaded and the network idle (nobody scrolls), and whether the
 * session's last message is in that first document.
 */
export async function pageFirstPaint(api: HttpApi) {
  const sessionID = `ses_bench_page_${Date.now()}`
  const items = sessionItems(sessionID)
  const share = await api.create(sessionID)
  for (const batch of batches(items)) await api.sync(share, batch)
  const wholeJsonBytes = Buffer.byteLength(await (await fetch(`${api.base}/api/share/${share.id}`)).text())
  const { medianBytes, ...page } = await measurePage(api.base, share.id, lastMessageID(items))
  return {
    parts: partCount(items),
    messages: items.filter((item) => item.type === "message").length,
    wholeShareJsonMiB: round(wholeJsonBytes / 1024 / 1024),
    ...page,
    transferredVsWholeJson: round(medianBytes / wholeJsonBytes, 4),
    targets: "first paint < 1000 ms, < 2048 KiB before scrolling",
  }
}
