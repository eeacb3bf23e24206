import { messageElementId, messageOfMessageElement, messageOfPartsElement, PAGE_IDS } from "../dom-ids.ts"
import type { Fragment, FragmentBatch } from "../fragment-batch.ts"
import { readingAids } from "./reader.ts"
import { createSanitizer, type Sanitize } from "./sanitize.ts"

/**
 * The share page's one inline script (it runs under a CSP nonce). It keeps the page current:
 *
 * - opens `/ws/<id>`; the socket only says "version N exists" (`hello` on connect, `sync` after each batch);
 * - when N is ahead of the page, it fetches `/share/<id>/fragments?since=<page version>`: HTML of what changed,
 *   rendered and sanitised by the server with the same components as the page, and sanitised again here with
 *   DOMPurify (sanitize.ts) before it touches the document, so the browser never turns untrusted text into HTML
 *   unchecked;
 * - replaces elements by id (an updated part is swapped, not duplicated) or inserts them in id order;
 * - reconnects with capped exponential backoff and catches up from its version, so nothing sent while it was
 *   away is lost; a failed catch-up retries on the same backoff;
 * - stops, and says so, once the share is deleted: the socket is closed with reason "share deleted", or a
 *   refused handshake turns out (fragments answer 404) to mean the share is gone.
 *
 * It never sends anything on the socket: viewer sockets are read-only and the server closes a socket that talks.
 * The reading aids (reader.ts: earlier turns, permalinks, jump to latest, replay) run alongside.
 */
function keepCurrent(sanitize: Sanitize): void {
  const root = document.getElementById(PAGE_IDS.session)
  const status = document.getElementById(PAGE_IDS.liveStatus)
  const messages = document.getElementById(PAGE_IDS.messages)
  const goneNotice = document.getElementById(PAGE_IDS.shareGone)
  if (root === null || status === null || messages === null) return
  const share = root.dataset.share ?? ""
  // A page of earlier turns, or of an older version, is a fixed view: nothing to keep current.
  if (root.dataset.live === "off") return
  let version = Number(root.dataset.version) || 0
  // The newest version a push announced. Sent along with the fetch: every viewer asks for the same (since, version)
  // right after a push, so the server can answer them all from one rendering.
  let announced = version
  let attempt = 0
  let failures = 0
  let retry: ReturnType<typeof setTimeout> | undefined
  let busy = false
  let again = false
  let stopped = false
  let current: WebSocket | undefined

  const setStatus = (state: string, text: string) => {
    status.dataset.state = state
    status.className = `badge ${state}`
    status.textContent = text
  }

  // 0.5 s, 1 s, 2 s ... up to 30 s, with jitter so many viewers do not retry in step.
  const backoff = (n: number) => Math.min(30000, 500 * 2 ** n) * (0.75 + Math.random() / 2)

  // The share was deleted: nothing will ever connect or load again, so stop trying and tell the reader.
  const gone = () => {
    stopped = true
    clearTimeout(retry)
    setStatus("gone", "share deleted")
    if (goneNotice !== null) goneNotice.hidden = false
    current?.close(1000, "share deleted")
  }

  // Sanitised again here (sanitize.ts); DOMPurify parses into an inert document, so nothing runs or loads first.
  const build = (html: string): HTMLElement | null => {
    const element = sanitize(html)?.firstElementChild
    return element instanceof HTMLElement ? element : null
  }

  // Children carry data-sort (the object id); OpenCode ids sort by creation time, as the server orders them.
  const insertSorted = (parent: HTMLElement, element: HTMLElement) => {
    const key = element.dataset.sort ?? ""
    for (const child of parent.children) {
      const other = child instanceof HTMLElement ? child.dataset.sort : undefined
      if (other !== undefined && other > key) {
        parent.insertBefore(element, child)
        return
      }
    }
    parent.appendChild(element)
  }

  // A part can arrive before its message: give it an empty message to live in until the message comes.
  const shellFor = (partsID: string, messageID: string): HTMLElement => {
    const article = document.createElement("article")
    article.className = "message"
    article.id = messageElementId(messageID)
    article.dataset.sort = messageID
    const parts = document.createElement("div")
    parts.className = "parts"
    parts.id = partsID
    article.appendChild(parts)
    insertSorted(messages, article)
    return parts
  }

  const parentOf = (id: string): HTMLElement | null => {
    const existing = document.getElementById(id)
    if (existing !== null) return existing
    const messageID = messageOfPartsElement(id)
    return messageID === undefined ? null : shellFor(id, messageID)
  }

  // Turns before the first one loaded are not on the page: their updates wait until they are loaded.
  const beforePage = (fragment: Fragment): boolean => {
    const first = document.getElementById(PAGE_IDS.loadEarlier)?.dataset.before ?? ""
    if (first === "") return false
    const message = messageOfMessageElement(fragment.id) ?? messageOfPartsElement(fragment.parent ?? "")
    return message !== undefined && message !== "" && message < first
  }

  // What the reader opened (a tool call, a thought) or chose (the split diff view) stays so after an update.
  const keepState = (existing: HTMLElement, element: HTMLElement) => {
    const open = Array.from(existing.querySelectorAll("details"), (details) => details.open)
    Array.from(element.querySelectorAll("details")).forEach((details, index) => {
      const wasOpen = open[index]
      if (wasOpen !== undefined) details.open = wasOpen
    })
    for (const input of existing.querySelectorAll("input[id]")) {
      if (!(input instanceof HTMLInputElement)) continue
      const twin = element.querySelector(`#${CSS.escape(input.id)}`)
      if (twin instanceof HTMLInputElement) twin.checked = input.checked
    }
  }

  const apply = (fragment: Fragment) => {
    if (beforePage(fragment)) return
    const element = build(fragment.html)
    if (element === null) return
    const existing = document.getElementById(fragment.id)
    if (existing !== null) {
      keepState(existing, element)
      // A message update carries only its header: keep the parts already on the page.
      const kept = existing.querySelector(":scope > .parts")
      const slot = element.querySelector(":scope > .parts")
      if (kept !== null && slot !== null) slot.replaceWith(kept)
      existing.replaceWith(element)
      return
    }
    if (fragment.parent === undefined || fragment.parent === "") return
    const parent = parentOf(fragment.parent)
    if (parent !== null) insertSorted(parent, element)
  }

  const catchUp = async () => {
    if (stopped) return
    if (busy) {
      again = true
      return
    }
    busy = true
    try {
      do {
        again = false
        const target = announced > version ? `&version=${announced}` : ""
        const url = `/share/${encodeURIComponent(share)}/fragments?since=${version}${target}`
        const response = await fetch(url, { cache: "no-store", headers: { accept: "application/json" } })
        // 410: deleted (by its creator, the owner or its expiry); 404: never existed.
        if (response.status === 404 || response.status === 410) {
          gone()
          return
        }
        if (!response.ok) throw new Error(`fragments: HTTP ${response.status}`)
        const body = (await response.json()) as FragmentBatch
        // More changed than one page holds (the server's page budget): the page itself shows what fits.
        if (body.reload === true) {
          location.reload()
          return
        }
        for (const fragment of body.fragments) apply(fragment)
        version = Math.max(version, body.version)
        root.dataset.version = String(version)
        if (body.fragments.length > 0) document.dispatchEvent(new CustomEvent("cloudsession:updated"))
      } while (again)
      failures = 0
      clearTimeout(retry)
      retry = undefined
    } catch (error) {
      // The version did not move, so the retry fetches the same changes again. One pending retry at a time, on
      // the socket's backoff, so an outage is not hit every few seconds by every open page.
      console.warn("cloudsession: catch-up failed", error)
      // Still behind what the server announced: say so, rather than look current.
      if (announced > version) setStatus("behind", `behind by ${announced - version} · retrying`)
      if (retry === undefined) {
        retry = setTimeout(() => {
          retry = undefined
          void catchUp()
        }, backoff(failures))
        failures += 1
      }
    } finally {
      busy = false
    }
  }

  const announcedVersion = (data: unknown): number | undefined => {
    if (typeof data !== "string") return undefined
    try {
      const message: unknown = JSON.parse(data)
      if (typeof message !== "object" || message === null || !("version" in message)) return undefined
      return typeof message.version === "number" ? message.version : undefined
    } catch {
      return undefined
    }
  }

  const connect = () => {
    if (stopped) return
    let opened = false
    const scheme = location.protocol === "https:" ? "wss://" : "ws://"
    const socket = new WebSocket(`${scheme}${location.host}/ws/${encodeURIComponent(share)}`)
    current = socket
    // The server closes a viewer socket that has not pinged for 5 minutes (it answers "pong" without waking up).
    let pinger: ReturnType<typeof setInterval> | undefined
    socket.addEventListener("open", () => {
      opened = true
      attempt = 0
      setStatus("live", "live")
      pinger = setInterval(() => socket.send("ping"), 60_000)
    })
    socket.addEventListener("message", (event) => {
      const pushed = announcedVersion(event.data)
      if (pushed === undefined) return
      announced = Math.max(announced, pushed)
      if (pushed <= version) return
      setStatus("behind", "updating")
      void catchUp().then(() => {
        if (!stopped && version >= announced) setStatus("live", "live")
      })
    })
    socket.addEventListener("close", async (event) => {
      clearInterval(pinger)
      if (stopped) return
      if (event.reason === "share deleted") {
        gone()
        return
      }
      setStatus("offline", "reconnecting")
      // A refused handshake (404 once the share is deleted, 429 when it is full) looks like any network failure:
      // browsers hide its status. The fragments endpoint tells a deleted share apart (404, and catchUp stops),
      // and otherwise brings the page up to date while the socket is away.
      if (!opened) await catchUp()
      if (stopped) return
      setTimeout(connect, backoff(attempt))
      attempt += 1
    })
  }

  connect()
}

const sanitize = createSanitizer()
keepCurrent(sanitize)
readingAids(sanitize)
