/**
 * The share page's one inline script (it runs under a CSP nonce). It keeps the page current:
 *
 * - opens `/ws/<id>`; the socket only says "version N exists" (`hello` on connect, `sync` after each batch);
 * - when N is ahead of the page, it fetches `/share/<id>/fragments?since=<page version>`: HTML of what changed,
 *   rendered and sanitised by the server with the same components as the page, so the browser never turns
 *   untrusted text into HTML itself;
 * - replaces elements by id (an updated part is swapped, not duplicated) or inserts them in id order;
 * - reconnects with capped exponential backoff and catches up from its version, so nothing sent while it was
 *   away is lost.
 *
 * It never sends anything on the socket: viewer sockets are read-only and the server closes a socket that talks.
 */
export const LIVE_SCRIPT = `(() => {
  "use strict";
  const root = document.getElementById("session");
  const status = document.getElementById("live-status");
  const messages = document.getElementById("messages");
  if (!root || !status || !messages) return;
  const share = root.dataset.share || "";
  let version = Number(root.dataset.version) || 0;
  let attempt = 0;
  let busy = false;
  let again = false;
  let stopped = false;

  const setStatus = (state, text) => {
    status.dataset.state = state;
    status.className = "badge " + state;
    status.textContent = text;
  };

  // Server-sanitised HTML becomes an element; a template never runs scripts or loads anything while parsing.
  const build = (html) => {
    const template = document.createElement("template");
    template.innerHTML = html;
    return template.content.firstElementChild;
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
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      do {
        again = false;
        const url = "/share/" + encodeURIComponent(share) + "/fragments?since=" + version;
        const response = await fetch(url, { cache: "no-store", headers: { accept: "application/json" } });
        if (response.status === 404) {
          stopped = true;
          setStatus("offline", "share deleted");
          return;
        }
        if (!response.ok) throw new Error("fragments: HTTP " + response.status);
        const body = await response.json();
        for (const fragment of body.fragments) apply(fragment);
        version = Math.max(version, body.version);
        root.dataset.version = String(version);
      } while (again);
    } catch (error) {
      // The version did not move, so the next push or reconnect fetches the same changes again.
      console.warn("cloudsession: catch-up failed", error);
      setTimeout(catchUp, 2000);
    } finally {
      busy = false;
    }
  };

  const connect = () => {
    if (stopped) return;
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/ws/" + encodeURIComponent(share));
    socket.addEventListener("open", () => {
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
      if (typeof message.version === "number" && message.version > version) catchUp();
    });
    socket.addEventListener("close", (event) => {
      if (event.reason === "share deleted") {
        stopped = true;
        setStatus("offline", "share deleted");
        return;
      }
      // 0.5 s, 1 s, 2 s ... up to 30 s, with jitter so many viewers do not reconnect in step.
      const delay = Math.min(30000, 500 * 2 ** attempt) * (0.75 + Math.random() / 2);
      attempt += 1;
      setStatus("offline", "reconnecting");
      setTimeout(connect, delay);
    });
  };

  connect();
})();
`
