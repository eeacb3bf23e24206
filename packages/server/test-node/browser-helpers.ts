import { mkdirSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import type { ShareInfo, SyncData, SyncResult } from "@cloudsession/protocol"
import { type Browser, chromium, type Page } from "playwright-core"
import { expect, inject } from "vitest"

/** Where screenshots go (git-ignored; the README names it). */
export const SCREENSHOTS = resolve(dirname(fileURLToPath(import.meta.url)), "../../../artifacts/screenshots")

export const DESKTOP = { width: 1280, height: 900 }
export const PHONE = { width: 390, height: 844 }

/** Debian's Chromium, headless, with everything that would reach the internet turned off. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  })
}

export function workerUrl(): string {
  return inject("workerUrl")
}

export async function createShare(sessionID: string, initialData?: SyncData[]): Promise<ShareInfo> {
  const response = await fetch(`${workerUrl()}/api/share`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sessionID, initialData }),
  })
  expect(response.status, await response.clone().text()).toBe(201)
  return (await response.json()) as ShareInfo
}

/** A sync through the JSON API, as the CLI makes it. */
export async function syncShare(share: ShareInfo, data: SyncData[]): Promise<SyncResult> {
  const response = await fetch(`${workerUrl()}/api/share/${share.id}/sync`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ secret: share.secret, data }),
  })
  expect(response.status, await response.clone().text()).toBe(200)
  return (await response.json()) as SyncResult
}

/** Delete a share with its secret, as its owner would. */
export async function deleteShare(share: ShareInfo): Promise<void> {
  const response = await fetch(`${workerUrl()}/api/share/${share.id}`, {
    method: "DELETE",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ secret: share.secret }),
  })
  expect(response.status, await response.clone().text()).toBe(200)
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
}

/** True when the page is wider than its viewport (something would make a phone scroll sideways). */
export function overflowsHorizontally(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)
}

let counter = 0
export function uniqueSessionID(label: string): string {
  counter += 1
  return `ses_${label}_${Date.now().toString(36)}_${counter}`
}

/**
 * A page signed in as the server's owner, the way a person does it: the listing sends a stranger to the sign-in
 * page, where the token is pasted once; the answer is a session cookie (HttpOnly: no script on the page sees it).
 */
export async function ownerPage(browser: Browser, viewport = DESKTOP): Promise<Page> {
  const page = await browser.newPage({ viewport })
  await page.goto(`${workerUrl()}/sessions`)
  if (new URL(page.url()).pathname !== "/signin") throw new Error(`expected the sign-in page, got ${page.url()}`)
  await page.fill('input[name="token"]', inject("rpcToken"))
  // A refused sign-in (403 for a post whose Origin is not this site's, 401 for a wrong token) is said at once,
  // rather than as a 30 s wait for a navigation that never comes.
  const answer = page.waitForResponse(
    (response) => response.request().method() === "POST" && new URL(response.url()).pathname === "/signin",
  )
  await page.click('button[type="submit"]')
  const response = await answer
  if (response.status() >= 400) {
    const origin = await response.request().headerValue("origin")
    throw new Error(`sign-in refused: ${response.status()} (the form was posted with Origin: ${origin})`)
  }
  await page.waitForURL(/\/sessions/)
  return page
}
