import { PAGE_IDS } from "../dom-ids.ts"
import type { Sanitize } from "./sanitize.ts"

/** What `/share/<id>/turns?before=` answers: rendered messages, and where the next step back starts. */
type EarlierTurns = { html: string; earlierThan?: string }

function isEarlierTurns(value: unknown): value is EarlierTurns {
  return typeof value === "object" && value !== null && "html" in value && typeof value.html === "string"
}

/**
 * Opens every collapsed `<details>` around an element, and the one it is (a part's tool call or thought), so a link
 * to it shows it.
 */
function reveal(element: HTMLElement): void {
  const own = element.querySelector(":scope > details")
  if (own instanceof HTMLDetailsElement) own.open = true
  for (let node: HTMLElement | null = element; node !== null; node = node.parentElement) {
    if (node instanceof HTMLDetailsElement) node.open = true
  }
}

/**
 * Permalinks: `#msg-…` / `#part-…` naming something on the page opens and shows it; naming something that is not
 * (an earlier turn) reloads the page at that turn (`?at=`), where the server finds it.
 */
function followHash(): void {
  const hash = decodeURIComponent(location.hash.slice(1))
  if (!/^(msg|part)-/.test(hash)) return
  const target = document.getElementById(hash)
  if (target !== null) {
    reveal(target)
    target.scrollIntoView()
    return
  }
  const id = hash.replace(/^(msg|part)-/, "")
  const url = new URL(location.href)
  if (url.searchParams.get("at") === id) return
  url.searchParams.delete("before")
  url.searchParams.set("at", id)
  location.replace(url.toString())
}

/** "Load earlier turns" in place, by click or when the link nears the viewport, keeping the reader's position. */
function loadEarlierInPlace(share: string, messages: HTMLElement, sanitize: Sanitize): void {
  const link = document.getElementById(PAGE_IDS.loadEarlier)
  if (!(link instanceof HTMLAnchorElement)) return
  let loading = false
  const load = async () => {
    if (loading || !link.isConnected) return
    loading = true
    try {
      const before = link.dataset.before ?? ""
      const url = `/share/${encodeURIComponent(share)}/turns?before=${encodeURIComponent(before)}`
      const response = await fetch(url, { cache: "no-store", headers: { accept: "application/json" } })
      if (!response.ok) throw new Error(`turns: HTTP ${response.status}`)
      const body: unknown = await response.json()
      if (!isEarlierTurns(body)) throw new Error("turns: unexpected answer")
      const fragment = sanitize(body.html)
      if (fragment === null) return
      for (const article of Array.from(fragment.children)) {
        if (document.getElementById(article.id) !== null) article.remove()
      }
      // Measured from the first message, which stays where it is in the document.
      const anchor = messages.firstElementChild
      const top = anchor?.getBoundingClientRect().top ?? 0
      messages.insertBefore(fragment, anchor)
      if (anchor !== null) window.scrollBy(0, anchor.getBoundingClientRect().top - top)
      // The index now links to the loaded turns in the page.
      for (const entry of document.querySelectorAll(`#${PAGE_IDS.turns} a[href^="?at="]`)) {
        const target = entry.getAttribute("href")?.split("#")[1]
        if (target !== undefined && document.getElementById(target) !== null) entry.setAttribute("href", `#${target}`)
      }
      if (body.earlierThan === undefined) {
        link.parentElement?.remove()
        return
      }
      link.dataset.before = body.earlierThan
      link.href = `?before=${encodeURIComponent(body.earlierThan)}`
    } catch (error) {
      console.warn("cloudsession: loading earlier turns failed", error)
    } finally {
      loading = false
    }
  }
  link.addEventListener("click", (event) => {
    event.preventDefault()
    void load()
  })
  const container = link.parentElement
  if (container === null || !("IntersectionObserver" in window)) return
  const observer = new IntersectionObserver(
    (entries) => {
      if (entries.some((entry) => entry.isIntersecting)) void load()
    },
    { rootMargin: "400px 0px 0px 0px" },
  )
  // Only once the reader scrolls: a page just opened loads nothing more than its own turns (what it sends before
  // any scroll stays what the server chose).
  const openedAt = window.scrollY
  const arm = () => {
    if (window.scrollY === openedAt) return
    window.removeEventListener("scroll", arm)
    observer.observe(container)
  }
  window.addEventListener("scroll", arm, { passive: true })
}

/** "Jump to latest": shown when live updates land while the end of the page is out of sight. */
function jumpToLatest(): void {
  const jump = document.getElementById(PAGE_IDS.jumpLatest)
  const latest = document.getElementById(PAGE_IDS.latest)
  if (jump === null || latest === null || !("IntersectionObserver" in window)) return
  let atEnd = true
  new IntersectionObserver(
    (entries) => {
      atEnd = entries.some((entry) => entry.isIntersecting)
      if (atEnd) jump.hidden = true
    },
    { rootMargin: "0px 0px 200px 0px" },
  ).observe(latest)
  document.addEventListener("cloudsession:updated", () => {
    if (!atEnd) jump.hidden = false
  })
  jump.addEventListener("click", () => {
    jump.hidden = true
  })
}

/**
 * The share page's reading aids. Each is an enhancement: without script the page still reaches every turn through
 * links (`?before=`, `?at=`), and the replay is a form.
 */
export function readingAids(sanitize: Sanitize): void {
  const root = document.getElementById(PAGE_IDS.session)
  const messages = document.getElementById(PAGE_IDS.messages)
  if (root === null || messages === null) return
  window.addEventListener("hashchange", followHash)
  followHash()
  loadEarlierInPlace(root.dataset.share ?? "", messages, sanitize)
  jumpToLatest()
  // Replay: moving the slider shows that version.
  const slider = document.getElementById("replay-version")
  if (slider instanceof HTMLInputElement && slider.form !== null) {
    const form = slider.form
    slider.addEventListener("change", () => form.submit())
  }
}
