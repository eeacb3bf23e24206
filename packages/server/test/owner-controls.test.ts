import { env, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test"
import { LIMITS, type SessionIndex, type SessionPage, type ShareSnapshot, type SyncData } from "@cloudsession/protocol"
import { makeSessionItems, makeTextPart } from "@cloudsession/protocol/fixtures"
import { describe, expect, it } from "vitest"
import { api, BASE, createShare, errorOf, ownerApi, syncShare, uniqueSessionID } from "./helpers.ts"
import { bearer, CURRENT_TOKEN, openRpc, rpcFailure } from "./rpc-helpers.ts"

const stubOf = (id: string) => env.SHARES.get(env.SHARES.idFromName(id))

/** Every route a share is read on, as a stranger with the link reaches it. */
async function everyRoute(id: string): Promise<Record<string, number>> {
  const socket = await SELF.fetch(`${BASE}/ws/${id}`, { headers: { Upgrade: "websocket" } })
  return {
    json: (await api(`/api/share/${id}`)).status,
    delta: (await api(`/api/share/${id}?since=0`)).status,
    metadata: (await api(`/api/share/${id}/metadata`)).status,
    page: (await api(`/share/${id}`)).status,
    fragments: (await api(`/share/${id}/fragments?since=0`)).status,
    socket: socket.status,
    data: (await api(`/api/share/${id}/data`)).status,
    markdown: (await api(`/share/${id}.md`)).status,
    pageJson: (await api(`/share/${id}.json`)).status,
    turns: (await api(`/share/${id}/turns?before=msg_00000001`)).status,
    part: (await api(`/share/${id}?part=prt_00000000_00000000`)).status,
    version: (await api(`/share/${id}?v=1`)).status,
  }
}

/** A part over the 1 MiB a SQLite row holds: its JSON is put in R2, under the share's prefix. */
function bigPart(sessionID: string): SyncData {
  return {
    type: "part",
    data: makeTextPart(sessionID, "msg_00000000", 99, "r".repeat(LIMITS.maxInlineRowBytes + 1000)),
  }
}

async function blobCount(shareID: string): Promise<number> {
  return (await env.SESSIONS_STORE.list({ prefix: `blob/${shareID}/` })).objects.length
}

const ALL_GONE = {
  json: 410,
  delta: 410,
  metadata: 410,
  page: 410,
  fragments: 410,
  socket: 410,
  data: 410,
  markdown: 410,
  pageJson: 410,
  turns: 410,
  part: 410,
  version: 410,
}

async function inListing(id: string): Promise<boolean> {
  const page = (await (await ownerApi("/api/sessions?limit=200")).json()) as SessionPage
  return page.sessions.some((entry) => entry.id === id)
}

describe("owner controls", () => {
  it("the owner deletes any share without its secret; from then on every route answers 410 Gone", async () => {
    const sessionID = uniqueSessionID("owner-delete")
    const share = await createShare(sessionID, [...makeSessionItems(sessionID, 5), bigPart(sessionID)])
    expect((await everyRoute(share.id)).json).toBe(200)
    expect(await blobCount(share.id)).toBe(1)
    const viewer = await SELF.fetch(`${BASE}/ws/${share.id}`, { headers: { Upgrade: "websocket" } })
    const socket = viewer.webSocket
    if (socket === null) throw new Error("no viewer socket")
    socket.accept()
    const closed = new Promise<string>((resolve) => socket.addEventListener("close", (event) => resolve(event.reason)))

    const removed = await ownerApi(`/api/owner/shares/${share.id}`, { method: "DELETE" })
    expect(removed.status).toBe(200)
    expect(await closed).toBe("share deleted")
    expect(await everyRoute(share.id)).toEqual(ALL_GONE)
    const page = await (await api(`/share/${share.id}`)).text()
    expect(page).toContain("Share deleted")
    expect(page).toContain("deleted by the server&#39;s owner")
    expect(await inListing(share.id)).toBe(false)
    expect(await env.SESSIONS_STORE.get(`index/${share.id}`)).toBeNull()
    expect(await blobCount(share.id)).toBe(0)
    // The creator's client is told too, on its next sync or delete.
    const sync = await api(`/api/share/${share.id}/sync`, { method: "POST", json: { secret: share.secret, data: [] } })
    expect(sync.status).toBe(410)
    expect((await errorOf(sync)).code).toBe("gone")
    // The same id cannot come back (a creation key derives it again): still gone.
    expect((await ownerApi(`/api/owner/shares/${share.id}`, { method: "DELETE" })).status).toBe(410)
  })

  it("a share deleted with its own secret is gone the same way, over RPC too", async () => {
    const sessionID = uniqueSessionID("self-delete")
    const share = await createShare(sessionID, makeSessionItems(sessionID, 2))
    const removed = await api(`/api/share/${share.id}`, { method: "DELETE", json: { secret: share.secret } })
    expect(removed.status).toBe(200)
    expect(await everyRoute(share.id)).toEqual(ALL_GONE)
    const { rpc, end } = await openRpc(bearer(CURRENT_TOKEN))
    try {
      expect(await rpcFailure(rpc.syncShare(share.id, share.secret, []))).toMatchObject({ code: "gone" })
    } finally {
      end()
    }
  })

  it("rotates a share's secret: the old one is refused with a reason, the new one works", async () => {
    const sessionID = uniqueSessionID("rotate")
    const share = await createShare(sessionID, makeSessionItems(sessionID, 2))
    const rotated = await ownerApi(`/api/owner/shares/${share.id}/secret`, { method: "POST" })
    expect(rotated.status).toBe(200)
    const { secret } = (await rotated.json()) as { secret: string }
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(secret).not.toBe(share.secret)

    const part = makeTextPart(sessionID, "msg_00000000", 900)
    const old = await api(`/api/share/${share.id}/sync`, {
      method: "POST",
      json: { secret: share.secret, data: [{ type: "part", data: part }] },
    })
    expect(old.status).toBe(403)
    expect((await errorOf(old)).message).toContain("owner replaced this share's secret")
    const wrong = await api(`/api/share/${share.id}`, { method: "DELETE", json: { secret: "x".repeat(43) } })
    expect((await errorOf(wrong)).message).toBe("invalid secret for this share")
    await syncShare({ ...share, secret }, [{ type: "part", data: part }])
    const snapshot = (await (await api(`/api/share/${share.id}`)).json()) as ShareSnapshot
    expect(snapshot.parts.map((entry) => entry.id)).toContain(part.id)
    expect(JSON.stringify(snapshot)).not.toContain(secret)
  })

  it("sets and clears an expiry; the page says when it expires; bad values change nothing", async () => {
    const sessionID = uniqueSessionID("expiry")
    const share = await createShare(sessionID, makeSessionItems(sessionID, 2))
    const before = Date.now()
    const set = await ownerApi(`/api/owner/shares/${share.id}`, { method: "PATCH", json: { expiresIn: "7d" } })
    expect(set.status).toBe(200)
    const entry = (await set.json()) as SessionIndex
    expect(entry.expiresAt).toBeGreaterThanOrEqual(before + 7 * 86_400_000)
    expect(entry.expiresAt).toBeLessThan(Date.now() + 7 * 86_400_000 + 1000)
    expect(await (await api(`/share/${share.id}`)).text()).toContain("expires <time")
    const snapshot = (await (await api(`/api/share/${share.id}`)).json()) as ShareSnapshot
    expect(snapshot.metadata.expiresAt).toBe(entry.expiresAt)
    const alarm = await runInDurableObject(stubOf(share.id), (_, state) => state.storage.getAlarm())
    expect(alarm).toBe(entry.expiresAt)

    for (const json of [{ expiresIn: "forever" }, { expiresIn: "10s" }, { expiresIn: "999w" }, {}, { secret: "x" }]) {
      const refused = await ownerApi(`/api/owner/shares/${share.id}`, { method: "PATCH", json })
      expect(refused.status, JSON.stringify(json)).toBe(400)
    }
    const cleared = await ownerApi(`/api/owner/shares/${share.id}`, { method: "PATCH", json: { expiresIn: null } })
    expect(((await cleared.json()) as SessionIndex).expiresAt).toBeUndefined()
    expect(await (await api(`/share/${share.id}`)).text()).not.toContain("expires <time")
  })

  it("acts from the dashboard with the form token: delete, then the share is gone", async () => {
    const sessionID = uniqueSessionID("dashboard")
    const share = await createShare(sessionID, makeSessionItems(sessionID, 2))
    const signin = await SELF.fetch(`${BASE}/signin`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", Origin: BASE },
      body: new URLSearchParams({ token: CURRENT_TOKEN }).toString(),
    })
    const cookie = (signin.headers.get("Set-Cookie") ?? "").split(";")[0] ?? ""
    const html = await (await SELF.fetch(`${BASE}/sessions?limit=200`, { headers: { Cookie: cookie } })).text()
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? ""
    const post = (path: string, body: Record<string, string>, origin = BASE) =>
      SELF.fetch(`${BASE}${path}`, {
        method: "POST",
        redirect: "manual",
        headers: { Cookie: cookie, Origin: origin, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(body).toString(),
      })
    expect((await post(`/sessions/${share.id}/delete`, { csrf }, "https://evil.example")).status).toBe(403)
    expect((await post(`/sessions/${share.id}/delete`, { csrf: "" })).status).toBe(403)
    expect((await api(`/api/share/${share.id}`)).status).toBe(200)
    expect((await post(`/sessions/${share.id}/expiry`, { csrf, expiresIn: "2w" })).status).toBe(303)
    const meta = (await (await api(`/api/share/${share.id}/metadata`)).json()) as SessionIndex
    expect(meta.expiresAt).toBeGreaterThan(Date.now() + 13 * 86_400_000)
    const rotated = await post(`/sessions/${share.id}/secret`, { csrf })
    expect(rotated.status).toBe(200)
    expect(await rotated.text()).toMatch(/<p class="mono">[A-Za-z0-9_-]{43}<\/p>/)
    expect((await post(`/sessions/${share.id}/delete`, { csrf })).status).toBe(303)
    expect((await api(`/api/share/${share.id}`)).status).toBe(410)
  })
})

describe("expiry", () => {
  it("a share created to expire carries its deadline, over the JSON API and over RPC", async () => {
    const sessionID = uniqueSessionID("expires-create")
    const before = Date.now()
    const response = await api("/api/share", { method: "POST", json: { sessionID, expiresIn: "1h" } })
    expect(response.status).toBe(201)
    const created = (await response.json()) as { id: string }
    const meta = (await (await api(`/api/share/${created.id}/metadata`)).json()) as SessionIndex
    expect(meta.expiresAt).toBeGreaterThanOrEqual(before + 3_600_000)
    expect(meta.expiresAt).toBeLessThanOrEqual(Date.now() + 3_600_000)
    const bad = await api("/api/share", { method: "POST", json: { sessionID, expiresIn: "soon" } })
    expect(bad.status).toBe(400)
    expect((await errorOf(bad)).message).toContain("duration")

    const { rpc, end } = await openRpc(bearer(CURRENT_TOKEN))
    try {
      const overRpc = await rpc.createShare(uniqueSessionID("expires-rpc"), undefined, undefined, { expiresIn: "7d" })
      const rpcMeta = (await (await api(`/api/share/${overRpc.id}/metadata`)).json()) as SessionIndex
      expect(rpcMeta.expiresAt).toBeGreaterThan(Date.now() + 6 * 86_400_000)
      // A hostile client sends what the type does not allow: refused by the options schema, nothing created.
      const unknownOption = { ttl: 1 } as unknown as { expiresIn?: string }
      const refused = await rpcFailure(rpc.createShare(uniqueSessionID("x"), undefined, undefined, unknownOption))
      expect(refused.code).toBe("bad_request")
    } finally {
      end()
    }
  })

  it("at the deadline the alarm deletes the share and everything it stored: rows, R2 objects, listing entry", async () => {
    const sessionID = uniqueSessionID("expires-alarm")
    const share = await createShare(sessionID, [...makeSessionItems(sessionID, 4), bigPart(sessionID)])
    expect(await blobCount(share.id)).toBe(1)
    await ownerApi(`/api/owner/shares/${share.id}`, { method: "PATCH", json: { expiresIn: "1m" } })
    expect(await inListing(share.id)).toBe(true)
    expect(await env.SESSIONS_STORE.get(`index/${share.id}`)).not.toBeNull()
    // Not yet due: the alarm only writes the listing and keeps waiting for the deadline.
    expect(await runDurableObjectAlarm(stubOf(share.id))).toBe(true)
    expect((await api(`/api/share/${share.id}`)).status).toBe(200)
    // Bring the deadline to now, as time would, and let the alarm fire.
    await runInDurableObject(stubOf(share.id), async (_, state) => {
      state.storage.sql.exec("UPDATE share SET expires_at = ?", Date.now() - 1)
      await state.storage.setAlarm(Date.now())
    })
    // The runtime fires an alarm that is due on its own; the test only waits for it (at most 2 s).
    const deadline = Date.now() + 2000
    while ((await api(`/api/share/${share.id}/metadata`)).status === 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(await everyRoute(share.id)).toEqual(ALL_GONE)
    expect((await errorOf(await api(`/api/share/${share.id}`))).message).toContain("expired")
    expect(await inListing(share.id)).toBe(false)
    expect(await env.SESSIONS_STORE.get(`index/${share.id}`)).toBeNull()
    expect(await blobCount(share.id)).toBe(0)
    const tables = await runInDurableObject(stubOf(share.id), (_, state) =>
      state.storage.sql
        .exec<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
        )
        .toArray()
        .map((row) => row.name),
    )
    expect(tables).toEqual(["tombstone"])
  })
})
