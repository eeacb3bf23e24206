import { SANITIZE_SCRIPT } from "./sanitize.ts"

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
 */
export const LIVE_SCRIPT = `(() => {
  "use strict";
  ${SANITIZE_SCRIPT}
  const root = document.getElementById("session");
  const status = document.getElementById("live-status");
  const messages = document.getElementById("messages");
  const goneNotice = document.getElementById("share-gone");
  if (!root || !status || !messages) return;
  const share = root.dataset.share || "";
  let version = Number(root.dataset.version) || 0;
  // The newest version a push announced. Sent along with the fetch: every viewer asks for the same (since, version)
  // right after a push, so the server can answer them all from one rendering.
  let announced = version;
  let attempt = 0;
  let failures = 0;
  let retry = undefined;
  let busy = false;
  let again = false;
  let stopped = false;
  let current = undefined;

  const setStatus = (state, text) => {
    status.dataset.state = state;
    status.className = "badge " + state;
    status.textContent = text;
  };

  // 0.5 s, 1 s, 2 s ... up to 30 s, with jitter so many viewers do not retry in step.
  const backoff = (n) => Math.min(30000, 500 * 2 ** n) * (0.75 + Math.random() / 2);

  // The share was deleted: nothing will ever connect or load again, so stop trying and tell the reader.
  const gone = () => {
    stopped = true;
    clearTimeout(retry);
    setStatus("gone", "share deleted");
    if (goneNotice) goneNotice.hidden = false;
    if (current) current.close(1000, "share deleted");
  };

  // Sanitised again here (sanitize.ts); DOMPurify parses into an inert document, so nothing runs or loads first.
  const build = (html) => {
    const fragment = sanitize(html);
    return fragment ? fragment.firstElementChild : null;
  };

  // Children carry data-sort (the object id); OpenCode ids sort by creation time, as the server orders them.
  const insertSorted = (parent, element) => {
    const key = element.dataset.sort || "";
    for (const child of parent.children) {
      const other = child.dataset.sort;
      if (other !== undefined && other > key) {
        parent.insertBefore(element, child);
        return;
      }
    }
    parent.appendChild(element);
  };

  // A part can arrive before its message: give it an empty message to live in until the message comes.
  const shellFor = (partsId) => {
    const messageId = partsId.slice("parts-".length);
    const article = document.createElement("article");
    article.className = "message";
    article.id = "msg-" + messageId;
    article.dataset.sort = messageId;
    const parts = document.createElement("div");
    parts.className = "parts";
    parts.id = partsId;
    article.appendChild(parts);
    insertSorted(messages, article);
    return parts;
  };

  const apply = (fragment) => {
    const element = build(fragment.html);
    if (!element) return;
    const existing = document.getElementById(fragment.id);
    if (existing) {
      // A message update carries only its header: keep the parts already on the page.
      const kept = existing.querySelector(":scope > .parts");
      const slot = element.querySelector(":scope > .parts");
      if (kept && slot) slot.replaceWith(kept);
      existing.replaceWith(element);
      return;
    }
    if (!fragment.parent) return;
    const parent =
      document.getElementById(fragment.parent) ||
      (fragment.parent.startsWith("parts-") ? shellFor(fragment.parent) : null);
    if (parent) insertSorted(parent, element);
  };

  const catchUp = async () => {
    if (stopped) return;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      do {
        again = false;
        const target = announced > version ? "&version=" + announced : "";
        const url = "/share/" + encodeURIComponent(share) + "/fragments?since=" + version + target;
        const response = await fetch(url, { cache: "no-store", headers: { accept: "application/json" } });
        if (response.status === 404) {
          gone();
          return;
        }
        if (!response.ok) throw new Error("fragments: HTTP " + response.status);
        const body = await response.json();
        for (const fragment of body.fragments) apply(fragment);
        version = Math.max(version, body.version);
        root.dataset.version = String(version);
      } while (again);
      failures = 0;
      clearTimeout(retry);
      retry = undefined;
    } catch (error) {
      // The version did not move, so the retry fetches the same changes again. One pending retry at a time, on
      // the socket's backoff, so an outage is not hit every few seconds by every open page.
      console.warn("cloudsession: catch-up failed", error);
      if (retry === undefined) {
        retry = setTimeout(() => {
          retry = undefined;
          catchUp();
        }, backoff(failures));
        failures += 1;
      }
    } finally {
      busy = false;
    }
  };

  const connect = () => {
    if (stopped) return;
    let opened = false;
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/ws/" + encodeURIComponent(share));
    current = socket;
    socket.addEventListener("open", () => {
      opened = true;
      attempt = 0;
      setStatus("live", "live");
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (typeof message.version !== "number") return;
      announced = Math.max(announced, message.version);
      if (message.version > version) catchUp();
    });
    socket.addEventListener("close", async (event) => {
      if (stopped) return;
      if (event.reason === "share deleted") {
        gone();
        return;
      }
      setStatus("offline", "reconnecting");
      // A refused handshake (404 once the share is deleted, 429 when it is full) looks like any network failure:
      // browsers hide its status. The fragments endpoint tells a deleted share apart (404, and catchUp stops),
      // and otherwise brings the page up to date while the socket is away.
      if (!opened) await catchUp();
      if (stopped) return;
      setTimeout(connect, backoff(attempt));
      attempt += 1;
    });
  };

  connect();
})();
`
