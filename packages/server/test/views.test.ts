import { createExecutionContext, env, runInDurableObject } from "cloudflare:test"
import type { ShareInfo } from "@cloudsession/protocol"
import { makeSessionItems, makeTextPart } from "@cloudsession/protocol/fixtures"
import { describe, expect, it } from "vitest"
import { app } from "../src/app.ts"
import type { Env } from "../src/env.ts"
import type { ShareObject } from "../src/share-object/share-object.ts"
import { VIEWER_IDLE_MS } from "../src/share-object/viewers.ts"
import { api, BASE, createShare, errorOf, getShare, ownerApi, syncShare, uniqueSessionID } from "./helpers.ts"
import { HOSTILE_MARKDOWN, viewFixture } from "./view-fixture.ts"

type Fragment = { id: string; parent?: string; html: string }

/** A page as a viewer gets it; the listing pages (the owner's) as the owner gets them, with the token. */
async function page(path: string): Promise<{ response: Response; html: string }> {
  const response = path.startsWith("/sessions") ? await ownerApi(path) : await api(path)
  return { response, html: await response.text() }
}

function nonceOf(csp: string | null): string {
  const match = /script-src 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp ?? "")
  expect(match, `CSP was ${csp}`).not.toBeNull()
  return match?.[1] ?? ""
}

async function fixtureShare(label: string): Promise<{ share: ShareInfo; sessionID: string }> {
  const sessionID = uniqueSessionID(label)
  const share = await createShare(sessionID, viewFixture(sessionID, `View test ${label}`))
  return { share, sessionID }
}

describe("viewer pages", () => {
  it("redirects / to the list", async () => {
    const response = await api("/", { redirect: "manual" })
    expect(response.status).toBe(302)
    expect(response.headers.get("location")).toBe("/sessions")
  })

  it("lists shares with their title and directory, newest first, unindexed", async () => {
    const older = await fixtureShare("list-older")
    // The list orders by lastUpdated (ms), ties by random id: make sure the clock has moved before the second one.
    const olderUpdated = (await getShare(older.share.id)).metadata.lastUpdated
    while (Date.now() <= olderUpdated) await new Promise((resolve) => setTimeout(resolve, 2))
    const newer = await fixtureShare("list-newer")
    expect((await getShare(newer.share.id)).metadata.lastUpdated).toBeGreaterThan(olderUpdated)
    const { response, html } = await page("/sessions")
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toContain("text/html")
    expect(response.headers.get("x-robots-tag")).toContain("noindex")
    expect(html).toContain('<meta name="robots" content="noindex, nofollow"')
    expect(html).toContain("View test list-newer")
    expect(html).toContain("/home/dev/parser")
    expect(html.indexOf(`/share/${newer.share.id}`)).toBeGreaterThan(-1)
    expect(html.indexOf(`/share/${newer.share.id}`)).toBeLessThan(html.indexOf(`/share/${older.share.id}`))
  })

  it("pages the list and answers a bad cursor with a 400 page", async () => {
    await fixtureShare("page-a")
    await fixtureShare("page-b")
    const first = await page("/sessions?limit=1")
    expect(first.html).toContain('href="/sessions?cursor=1&amp;limit=1"')
    const second = await page("/sessions?limit=1&cursor=1")
    expect(second.html).toContain('href="/sessions?cursor=0&amp;limit=1"')
    const bad = await page("/sessions?cursor=-5")
    expect(bad.response.status).toBe(400)
    expect(bad.html).toContain("Bad page")
  })

  it("searches every share on the server with ?q, keeps the query in paging links and escapes it", async () => {
    const needle = uniqueSessionID("needle")
    const match = await fixtureShare(needle)
    const other = await fixtureShare("haystack")
    const found = await page(`/sessions?q=${encodeURIComponent(needle.toUpperCase())}`)
    expect(found.response.status).toBe(200)
    expect(found.html).toContain(`/share/${match.share.id}`)
    expect(found.html).not.toContain(`/share/${other.share.id}`)
    expect(found.html).toContain(`value="${needle.toUpperCase()}"`)
    const paged = await page(`/sessions?q=view&limit=1`)
    expect(paged.html).toContain("q=view")
    const hostile = await page(`/sessions?q=${encodeURIComponent('"><script>alert(1)</script>')}`)
    expect(hostile.response.status).toBe(200)
    expect(hostile.html).not.toContain("<script>alert(1)</script>")
    const tooLong = await page(`/sessions?q=${"x".repeat(201)}`)
    expect(tooLong.response.status).toBe(400)
  })

  it("renders a share: markdown, reasoning collapsed, tool call, file, diff, model, times", async () => {
    const { share } = await fixtureShare("detail")
    const { response, html } = await page(`/share/${share.id}`)
    expect(response.status).toBe(200)
    expect(html).toContain("<strong>refactor</strong>")
    expect(html).toContain("<code>parse()</code>")
    expect(html).toContain("<li>keep the API</li>")
    expect(html).toMatch(/<details class="reasoning"><summary>Thinking<\/summary>/)
    // A tool call is one collapsed line: tool, subject, status, duration; its input and output inside.
    expect(html).toMatch(/<details class="tool status-ok"><summary><span class="tool-name">bash<\/span>/)
    expect(html).toContain('<span class="tool-subject">ls src/3</span>')
    expect(html).toContain('<span class="badge ok">completed</span><span class="tool-time">500 ms</span>')
    expect(html).toContain('<span class="h-built_in">ls</span> -la src/3')
    expect(html).toContain("-rw-r--r-- 1 dev dev 120 index.ts")
    expect(html).toContain("notes.txt")
    // The diff review: the file listed with its counts, both views, highlighted lines.
    expect(html).toContain('<a href="#diff-src_parser.ts">src/parser.ts</a>')
    expect(html).toContain('<tr class="del"><td class="ln">2</td><td class="ln"></td><td class="sign">-</td>')
    expect(html).toContain('<td class="src add"><span><span class="h-title function_">fresh</span>()</span></td>')
    expect(html).toContain('<table class="dt split">')
    expect(html).toContain("claude-sonnet")
    expect(html).toContain("2023-11-14 22:13:21 UTC")
    expect(html).toContain('<a href="https://example.com/docs">the docs</a>')
    // Links to the share for agents and scripts.
    expect(html).toContain(`<link rel="alternate" type="text/markdown" href="/share/${share.id}.md"/>`)
    expect(html).toContain(`<a href="/share/${share.id}.json">JSON</a>`)
    // Messages and parts in order.
    expect(html.indexOf('id="part-prt_00000001"')).toBeLessThan(html.indexOf('id="part-prt_00000002"'))
    expect(html.indexOf('id="part-prt_00000003"')).toBeLessThan(html.indexOf('id="part-prt_00000005"'))
  })

  it("never puts the secret in a page or a fragment", async () => {
    const { share } = await fixtureShare("secret")
    const detail = await page(`/share/${share.id}`)
    const fragments = await page(`/share/${share.id}/fragments?since=0`)
    const list = await page("/sessions?limit=200")
    for (const body of [detail.html, fragments.html, list.html]) expect(body).not.toContain(share.secret)
  })

  it("sends a CSP whose nonce matches the one inline script and style, fresh per response", async () => {
    const { share } = await fixtureShare("csp")
    const first = await page(`/share/${share.id}`)
    const csp = first.response.headers.get("content-security-policy")
    const nonce = nonceOf(csp)
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("frame-ancestors 'none'")
    // The list page's search box submits to /sessions; nothing may post elsewhere.
    expect(csp).toContain("form-action 'self'")
    // Images only as inline data: an image URL, even our own, would be a request from every viewer.
    expect(csp).toMatch(/img-src data:(;|$)/)
    expect(first.response.headers.get("x-robots-tag")).toContain("noindex")
    const scripts = first.html.match(/<script[^>]*>/g) ?? []
    expect(scripts).toEqual([`<script nonce="${nonce}">`])
    expect(first.html).toContain(`<style nonce="${nonce}">`)
    const second = await page(`/share/${share.id}`)
    expect(nonceOf(second.response.headers.get("content-security-policy"))).not.toBe(nonce)
  })

  it("renders hostile markdown inert: no script tag, handler or javascript: URL survives", async () => {
    const { share, sessionID } = await fixtureShare("hostile")
    await syncShare(share, [{ type: "part", data: makeTextPart(sessionID, "msg_00000002", 9, HOSTILE_MARKDOWN) }])
    const { html } = await page(`/share/${share.id}`)
    const body = html.slice(html.indexOf('id="part-prt_00000009"'))
    expect(body).toContain("Hostile content below.")
    expect(body).not.toMatch(/<script>window/)
    expect(body).not.toMatch(/<img[^>]*onerror/i)
    expect(body).not.toMatch(/<svg/i)
    expect(body).not.toMatch(/<iframe/i)
    expect(body).not.toMatch(/href="javascript:/i)
    // Escaped, not silently dropped: a reader still sees what the model wrote.
    expect(body).toContain("&lt;script&gt;")
    // The same holds for what the live script receives.
    const fragments = (await (await api(`/share/${share.id}/fragments?since=0`)).json()) as { fragments: Fragment[] }
    const hostile = fragments.fragments.find((fragment) => fragment.id === "part-prt_00000009")
    expect(hostile?.html).toContain("Hostile content below.")
    expect(hostile?.html).not.toMatch(/<script>|<img[^>]*onerror|<svg|<iframe|href="javascript:/i)
  })

  it("keeps only data: image sources, so a share cannot make its viewers request anything", async () => {
    const { share, sessionID } = await fixtureShare("images")
    const pixel = "data:image/png;base64,iVBORw0KGgo="
    const text = [
      "![ours](/api/sessions?q=leak)",
      "![relative](leak.png)",
      "![remote](https://tracker.example/p.gif)",
      '<img src="//tracker.example/q.gif" alt="protocol-relative">',
      '<img src="&#x2F;api&#x2F;sessions" alt="encoded">',
      `![inline](${pixel})`,
    ].join("\n\n")
    await syncShare(share, [{ type: "part", data: makeTextPart(sessionID, "msg_00000002", 9, text) }])
    const { html } = await page(`/share/${share.id}`)
    const body = html.slice(html.indexOf('id="part-prt_00000009"'))
    const shown = body.slice(0, body.indexOf("</div>"))
    const images = shown.match(/<img[^>]*>/g) ?? []
    expect(images).toHaveLength(4)
    const sources = images.map((image) => /src="([^"]*)"/.exec(image)?.[1])
    expect(sources).toEqual([undefined, undefined, undefined, pixel])
    // Raw HTML is text, never markup: the two <img> tags are shown, escaped.
    expect(shown.match(/&lt;img src=&quot;/g)).toHaveLength(2)
  })

  it("answers unknown and malformed share ids with a 404 page", async () => {
    for (const id of ["AAAAAAAAAAAAAAAAAAAAAA", "bad%20id", "%3Cscript%3E", "x".repeat(65)]) {
      const { response, html } = await page(`/share/${id}`)
      expect(response.status, id).toBe(404)
      expect(html).toContain("Share not found")
      expect(html).not.toContain("<script>")
    }
  })
})

describe("fragments for live updates", () => {
  it("returns only what changed after a version, rendered like the page", async () => {
    const { share, sessionID } = await fixtureShare("fragments")
    const all = (await (await api(`/share/${share.id}/fragments?since=0`)).json()) as {
      version: number
      fragments: Fragment[]
    }
    const before = all.version
    const result = await syncShare(share, [
      { type: "part", data: makeTextPart(sessionID, "msg_00000002", 5, "Now **updated**.") },
      { type: "part", data: makeTextPart(sessionID, "msg_00000007", 20, "A part for a new message") },
    ])
    const response = await api(`/share/${share.id}/fragments?since=${before}`)
    expect(response.status).toBe(200)
    const delta = (await response.json()) as { version: number; fragments: Fragment[] }
    expect(delta.version).toBe(result.version)
    expect(delta.fragments.map((fragment) => fragment.id)).toEqual([
      "session-head",
      "part-prt_00000005",
      "part-prt_00000020",
    ])
    expect(delta.fragments[1]).toMatchObject({ parent: "parts-msg_00000002" })
    expect(delta.fragments[1]?.html).toContain("<strong>updated</strong>")
    expect(delta.fragments[2]).toMatchObject({ parent: "parts-msg_00000007" })
  })

  it("caches nothing, so a deleted share's fragments are gone at once", async () => {
    const { share } = await fixtureShare("fragments-no-cache")
    const url = `/share/${share.id}/fragments?since=0`
    const first = await api(url)
    expect(first.status).toBe(200)
    expect(first.headers.get("Cache-Control")).toBe("no-store")
    const deleted = await api(`/api/share/${share.id}`, { method: "DELETE", json: { secret: share.secret } })
    expect(deleted.status).toBe(200)
    // Asked again at once, the way every open page asks right after the push that announced the delete: gone.
    expect((await api(url)).status).toBe(410)
    expect((await api(`${url}&version=1`)).status).toBe(410)
  })

  it("refuses a bad since and an unknown share", async () => {
    const { share } = await fixtureShare("fragments-bad")
    expect((await api(`/share/${share.id}/fragments?since=abc`)).status).toBe(400)
    expect((await api("/share/AAAAAAAAAAAAAAAAAAAAAA/fragments")).status).toBe(404)
    expect((await api("/share/bad%20id/fragments")).status).toBe(404)
  })
})

function upgrade(id: string, ip?: string): Promise<Response> {
  const headers: Record<string, string> = { Upgrade: "websocket" }
  if (ip !== undefined) headers["CF-Connecting-IP"] = ip
  return api(`/ws/${id}`, { headers })
}

async function openViewer(id: string, ip?: string): Promise<{ socket: WebSocket; messages: unknown[] }> {
  const response = await upgrade(id, ip)
  expect(response.status).toBe(101)
  const socket = response.webSocket
  if (socket === null) throw new Error("no socket in the upgrade response")
  const messages: unknown[] = []
  socket.addEventListener("message", (event) => {
    // "pong" (the answer to a ping) is the one message that is not JSON.
    if (event.data !== "pong") messages.push(JSON.parse(String(event.data)))
  })
  socket.accept()
  return { socket, messages }
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out")
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe("viewer sockets", () => {
  it("says hello with the version, then pushes only the new version after a sync", async () => {
    const { share, sessionID } = await fixtureShare("socket")
    const viewer = await openViewer(share.id)
    await until(() => viewer.messages.length >= 1)
    const hello = viewer.messages[0] as { type: string; version: number }
    expect(hello.type).toBe("hello")
    const result = await syncShare(share, [{ type: "part", data: makeTextPart(sessionID, "msg_00000002", 30) }])
    await until(() => viewer.messages.length >= 2)
    expect(viewer.messages[1]).toEqual({ type: "sync", version: result.version })
    viewer.socket.close(1000, "done")
  })

  it("closes a viewer socket that sends anything", async () => {
    const { share } = await fixtureShare("socket-talk")
    const viewer = await openViewer(share.id)
    const closed = new Promise<number>((resolve) =>
      viewer.socket.addEventListener("close", (event) => resolve(event.code)),
    )
    viewer.socket.send("please write")
    expect(await closed).toBe(1008)
  })

  it("refuses a viewer socket opened from another site's page, like /rpc does", async () => {
    const { share } = await fixtureShare("ws-origin")
    const foreign = await api(`/ws/${share.id}`, {
      headers: { Upgrade: "websocket", Origin: "https://attacker.example" },
    })
    expect(foreign.status).toBe(403)
    const opaque = await api(`/ws/${share.id}`, { headers: { Upgrade: "websocket", Origin: "null" } })
    expect(opaque.status).toBe(403)
    const own = await api(`/ws/${share.id}`, { headers: { Upgrade: "websocket", Origin: BASE } })
    expect(own.status).toBe(101)
    own.webSocket?.accept()
    own.webSocket?.close(1000, "done")
  })

  it("refuses malformed and unknown share ids and plain GETs", async () => {
    expect((await api("/ws/bad%20id", { headers: { Upgrade: "websocket" } })).status).toBe(404)
    expect((await api("/ws/AAAAAAAAAAAAAAAAAAAAAA", { headers: { Upgrade: "websocket" } })).status).toBe(404)
    const { share } = await fixtureShare("socket-plain")
    expect((await api(`/ws/${share.id}`)).status).toBe(426)
  })

  it("caps viewers per share, and a full share makes room for a client holding fewer than the heaviest", async () => {
    const { share } = await fixtureShare("socket-cap")
    // 200 sockets from 10 clients of 20 each: the share is full.
    const viewers = await Promise.all(
      Array.from({ length: 200 }, (_, index) => openViewer(share.id, `198.51.100.${index % 10}`)),
    )
    // A client that holds as many as any other gets nothing more.
    const refused = await upgrade(share.id, "198.51.100.0")
    expect(refused.status).toBe(429)
    expect(await errorOf(refused)).toMatchObject({ code: "too_many_requests" })
    // A newcomer gets in: the oldest socket of a client holding most is closed for it (10 addresses no longer lock
    // everyone else out).
    const closedForRoom = viewers.map(
      (viewer) =>
        new Promise<number>((resolve) => viewer.socket.addEventListener("close", (event) => resolve(event.code))),
    )
    const newcomer = await upgrade(share.id, "198.51.100.99")
    expect(newcomer.status).toBe(101)
    newcomer.webSocket?.accept()
    expect(await Promise.race(closedForRoom)).toBe(1013)
    newcomer.webSocket?.close(1000, "done")
    for (const viewer of viewers) viewer.socket.close(1000, "done")
  })

  it("closes a viewer socket that stops pinging, and keeps one that pings", async () => {
    const { share } = await fixtureShare("socket-idle")
    const quiet = await openViewer(share.id, "192.0.2.10")
    const pinging = await openViewer(share.id, "192.0.2.11")
    const pong = new Promise<string>((resolve) =>
      pinging.socket.addEventListener("message", (event) => {
        if (event.data === "pong") resolve(String(event.data))
      }),
    )
    pinging.socket.send("ping")
    expect(await pong).toBe("pong")
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      quiet.socket.addEventListener("close", (event) => resolve({ code: event.code, reason: event.reason })),
    )
    // The quiet one connected longer ago than the idle period (its connect time moved back), the other just pinged;
    // then the sweep runs as the object's alarm runs it.
    const stub = env.SHARES.get(env.SHARES.idFromName(share.id))
    await runInDurableObject(stub, (object: ShareObject, state) => {
      for (const socket of state.getWebSockets("client:192.0.2.10")) {
        socket.serializeAttachment({ since: Date.now() - VIEWER_IDLE_MS - 60_000 })
      }
      const viewers = (object as unknown as { viewers: { sweep: () => boolean } }).viewers
      expect(viewers.sweep()).toBe(true)
    })
    expect(await closed).toEqual({ code: 1000, reason: "idle: no ping for 5 minutes" })
  })

  it("caps viewers per client, so one client cannot fill a share", async () => {
    const { share } = await fixtureShare("socket-client-cap")
    const mine = await Promise.all(Array.from({ length: 20 }, () => openViewer(share.id, "203.0.113.7")))
    const refused = await upgrade(share.id, "203.0.113.7")
    expect(refused.status).toBe(429)
    expect((await errorOf(refused)).message).toContain("this client")
    // Someone else still gets in.
    const other = await openViewer(share.id, "203.0.113.8")
    // Closing one of its sockets gives the client its slot back.
    const first = mine[0]
    if (first === undefined) throw new Error("no socket")
    const closed = new Promise((resolve) => first.socket.addEventListener("close", resolve))
    first.socket.close(1000, "done")
    await closed
    let again = await upgrade(share.id, "203.0.113.7")
    for (let tries = 0; again.status !== 101 && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      again = await upgrade(share.id, "203.0.113.7")
    }
    expect(again.status).toBe(101)
    again.webSocket?.accept()
    again.webSocket?.close(1000, "done")
    for (const viewer of [...mine.slice(1), other]) viewer.socket.close(1000, "done")
  })

  it("counts an IPv6 client by its /64", async () => {
    const { share } = await fixtureShare("socket-ipv6")
    const mine = await Promise.all(
      Array.from({ length: 20 }, (_, index) => openViewer(share.id, `2001:db8:7:1::${(index + 1).toString(16)}`)),
    )
    expect((await upgrade(share.id, "2001:0db8:0007:0001:ffff:ffff:ffff:1")).status).toBe(429)
    const neighbour = await openViewer(share.id, "2001:db8:7:2::1")
    for (const viewer of [...mine, neighbour]) viewer.socket.close(1000, "done")
  })
})

describe("a session too large for one page", () => {
  const render = async (path: string, bindings: Env = env) => {
    const response = await app.fetch(new Request(`${BASE}${path}`), bindings, createExecutionContext())
    return { status: response.status, html: await response.text() }
  }

  it("shows the latest turns first, links every turn, and loads earlier ones a page at a time", async () => {
    const sessionID = uniqueSessionID("too-large")
    // 10 messages of 8 parts, user and assistant in turn: 5 turns.
    const share = await createShare(sessionID, makeSessionItems(sessionID, 80, 8))
    const whole = await render(`/share/${share.id}`)
    expect(whole.html).not.toContain('id="load-earlier"')
    expect(whole.html).toContain('id="part-prt_00000000"')
    expect(whole.html).toContain('id="part-prt_00000079"')

    // A budget of a few parts' worth of JSON: the last turn (and maybe one more), whole, and a way to the rest.
    const small = { ...env, MAX_PAGE_BYTES: "3000" }
    const latest = await render(`/share/${share.id}`, small)
    expect(latest.status).toBe(200)
    expect(latest.html).toContain('id="part-prt_00000079"')
    expect(latest.html).toContain('id="msg-msg_00000008"')
    expect(latest.html).not.toContain('id="part-prt_00000000"')
    const before = /<a href="\?before=(msg_\d+)" data-before="msg_\d+" id="load-earlier">/.exec(latest.html)?.[1]
    expect(before).toBeDefined()
    // The index lists all five turns; those off the page link through ?at=.
    expect(latest.html.match(/<li data-sort="msg_\d+" id="turn-msg_\d+">/g)).toHaveLength(5)
    expect(latest.html).toContain('<a href="?at=msg_00000000#msg-msg_00000000">')
    expect(latest.html).toContain('<a href="#msg-msg_00000008">')

    const earlier = await render(`/share/${share.id}?before=${before}`, small)
    expect(earlier.html).not.toContain(`id="msg-${before}"`)
    expect(earlier.html).toContain('data-live="off"')
    expect(earlier.html).toContain("Later turns are not on this page")

    // Straight to the first turn, from a permalink to one of its parts.
    const first = await render(`/share/${share.id}?at=prt_00000003`, small)
    expect(first.html).toContain('id="part-prt_00000003"')
    expect(first.html).toContain('id="msg-msg_00000000"')
    expect(first.html).not.toContain('id="load-earlier"')

    // What the live script fetches for "load earlier": rendered messages and where to go next.
    const turns = (await (await api(`/share/${share.id}/turns?before=${before}`)).json()) as {
      html: string
      earlierThan?: string
    }
    expect(turns.html).toContain('<article class="message role-')
    expect(turns.html).not.toContain(`id="msg-${before}"`)
    // The JSON API still has all of it.
    expect((await getShare(share.id)).parts).toHaveLength(80)
  })

  it("refuses a page query it cannot answer", async () => {
    const { share } = await fixtureShare("bad-window")
    expect((await render(`/share/${share.id}?before=msg_1&at=msg_2`)).status).toBe(400)
    expect((await render(`/share/${share.id}?v=-1`)).status).toBe(400)
    expect((await render(`/share/${share.id}?v=abc`)).status).toBe(400)
    expect((await render(`/share/${share.id}?part=prt_nope`)).status).toBe(404)
    expect((await render(`/share/${share.id}.pdf`)).status).toBe(404)
    expect((await api(`/share/${share.id}/turns`)).status).toBe(400)
  })
})

describe("time travel", () => {
  it("shows the share as it was at a version, with a replay of its turns", async () => {
    const { share, sessionID } = await fixtureShare("travel")
    const early = (await getShare(share.id)).metadata.version
    await syncShare(share, [
      { type: "message", data: { id: "msg_00000009", sessionID, role: "user", time: { created: 1_700_000_009_000 } } },
      { type: "part", data: makeTextPart(sessionID, "msg_00000009", 9, "A second prompt, later") },
    ])
    const now = await render2(`/share/${share.id}`)
    expect(now).toContain("A second prompt, later")
    expect(now).toContain(`<a href="/share/${share.id}?v=0" id="replay-start">`)
    const then = await render2(`/share/${share.id}?v=${early}`)
    expect(then).not.toContain("A second prompt, later")
    expect(then).toContain('id="time-travel"')
    expect(then).toContain('data-live="off"')
    expect(then).toContain("Please <strong>refactor</strong>")
    // The replay steps through the turns: from the start to after turn 1, to the share as it is.
    expect(then).toContain('<form class="replay" method="get"')
    expect(then).toContain(`<a class="replay-step" href="/share/${share.id}" aria-label="Next turn">`)
    const start = await render2(`/share/${share.id}?v=0`)
    expect(start).not.toContain("Please <strong>refactor</strong>")
    expect(start).toContain(`href="/share/${share.id}?v=${early}" aria-label="Next turn"`)
  })
})

async function render2(path: string): Promise<string> {
  const response = await api(path)
  expect(response.status).toBe(200)
  return response.text()
}

describe("the share for agents and scripts", () => {
  it("answers Markdown at .md and for Accept: text/markdown, JSON at .json", async () => {
    const { share } = await fixtureShare("formats")
    const markdown = await api(`/share/${share.id}.md`)
    expect(markdown.status).toBe(200)
    expect(markdown.headers.get("content-type")).toContain("text/markdown")
    const text = await markdown.text()
    expect(text).toContain("# View test formats")
    expect(text).toContain("## user\n\nPlease **refactor** `parse()`")
    expect(text).toContain("**tool `bash`** ls src/3 _(completed)_")
    expect(text).toContain("- `src/parser.ts` +2 -1")
    const negotiated = await api(`/share/${share.id}`, { headers: { accept: "text/markdown" } })
    expect(negotiated.headers.get("content-type")).toContain("text/markdown")
    expect(negotiated.headers.get("vary")).toContain("Accept")
    expect(await negotiated.text()).toBe(text)
    // A browser's Accept gets the page.
    const browser = await api(`/share/${share.id}`, {
      headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" },
    })
    expect(browser.headers.get("content-type")).toContain("text/html")
    const json = await api(`/share/${share.id}.json`)
    expect(json.headers.get("content-type")).toContain("application/json")
    expect(((await json.json()) as { parts: unknown[] }).parts).toHaveLength(5)
    for (const body of [text]) expect(body).not.toContain(share.secret)
  })

  it("shows one part whole at ?part=", async () => {
    const { share, sessionID } = await fixtureShare("whole-part")
    const long = `${"word ".repeat(20_000)}THE END`
    await syncShare(share, [{ type: "part", data: makeTextPart(sessionID, "msg_00000002", 9, long) }])
    const page = await render2(`/share/${share.id}`)
    expect(page).not.toContain("THE END")
    expect(page).toContain('<a href="?part=prt_00000009">show all</a>')
    const whole = await render2(`/share/${share.id}?part=prt_00000009`)
    expect(whole).toContain("THE END")
    expect(whole).toContain("Back to the conversation")
  })
})
