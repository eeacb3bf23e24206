import { createExecutionContext, env } from "cloudflare:test"
import { LIMITS, type ShareInfo, type SyncData } from "@cloudsession/protocol"
import { makeSessionItems, makeTextPart } from "@cloudsession/protocol/fixtures"
import { describe, expect, it } from "vitest"
import { app } from "../src/app.ts"
import type { Env } from "../src/env.ts"
import { BASE, errorOf, OWNER_TOKEN, uniqueSessionID } from "./helpers.ts"
import { bearer, CURRENT_TOKEN, openRpc, rpcFailure } from "./rpc-helpers.ts"

/** The deployment's defaults: what vitest.config.ts raises for the other tests is taken back out here. */
const defaults: Env = {
  ...env,
  ANONYMOUS_CREATES_PER_MINUTE: undefined,
  ANONYMOUS_CREATES_GLOBAL_PER_MINUTE: undefined,
  ANONYMOUS_SYNCS_PER_MINUTE: undefined,
  ANONYMOUS_SYNCS_GLOBAL_PER_MINUTE: undefined,
}

let address = 0
/** A client address no other test uses, so per-client counters start at zero. */
function freshAddress(v6 = false): string {
  address += 1
  const salt = Date.now() % 250
  return v6 ? `2001:db8:${salt.toString(16)}:${address.toString(16)}::1` : `198.51.${salt}.${address % 250}`
}

function post(path: string, json: unknown, ip: string, bindings: Env, headers: Record<string, string> = {}) {
  const request = new Request(`${BASE}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "CF-Connecting-IP": ip, ...headers },
    body: JSON.stringify(json),
  })
  return app.fetch(request, bindings, createExecutionContext())
}

async function created(response: Response): Promise<ShareInfo> {
  expect(response.status, await response.clone().text()).toBe(201)
  return (await response.json()) as ShareInfo
}

describe("anonymous creation is bounded", () => {
  it("per client (IPv4 address, IPv6 /64): a 429 with Retry-After past the rate; a token holder is not counted", async () => {
    const bindings: Env = { ...env, ANONYMOUS_CREATES_PER_MINUTE: "2" }
    for (const ip of [freshAddress(), freshAddress(true)]) {
      await created(await post("/api/share", { sessionID: uniqueSessionID("rate") }, ip, bindings))
      // Another host in the same /64 is the same client.
      const sibling = ip.includes(":") ? ip.replace(/::1$/, "::2") : ip
      await created(await post("/api/share", { sessionID: uniqueSessionID("rate") }, sibling, bindings))
      const refused = await post("/api/share", { sessionID: uniqueSessionID("rate") }, ip, bindings)
      expect(refused.status).toBe(429)
      const retry = Number(refused.headers.get("Retry-After"))
      expect(retry).toBeGreaterThanOrEqual(1)
      expect(retry).toBeLessThanOrEqual(60)
      expect((await errorOf(refused)).message).toContain("without a token")
      const withToken = await post(
        "/api/share",
        { sessionID: uniqueSessionID("rate") },
        ip,
        bindings,
        bearer(OWNER_TOKEN),
      )
      await created(withToken)
    }
    // Another client is not held back by the first.
    await created(await post("/api/share", { sessionID: uniqueSessionID("rate") }, freshAddress(), bindings))
  })

  it("globally: past everyone's rate, any client is refused", async () => {
    const bindings: Env = { ...env, ANONYMOUS_CREATES_GLOBAL_PER_MINUTE: "3" }
    const statuses: number[] = []
    // The global counter may already hold this minute's creates of other tests: it refuses within 4 tries.
    for (let attempt = 0; attempt < 4; attempt++) {
      const response = await post("/api/share", { sessionID: uniqueSessionID("global") }, freshAddress(), bindings)
      statuses.push(response.status)
      if (response.status === 429) expect(response.headers.get("Retry-After")).toMatch(/^\d+$/)
    }
    expect(statuses).toContain(429)
    expect(statuses.filter((status) => status === 201).length).toBeLessThanOrEqual(3)
  })

  it("syncs of an anonymous share are rate limited per client; over /rpc a token holder's are not", async () => {
    const bindings: Env = { ...env, ANONYMOUS_SYNCS_PER_MINUTE: "2" }
    const ip = freshAddress()
    const sessionID = uniqueSessionID("sync-rate")
    const share = await created(await post("/api/share", { sessionID }, ip, bindings))
    const sync = (index: number) =>
      post(
        `/api/share/${share.id}/sync`,
        { secret: share.secret, data: [{ type: "part", data: makeTextPart(sessionID, "msg_00000000", index) }] },
        ip,
        bindings,
      )
    expect((await sync(1)).status).toBe(200)
    expect((await sync(2)).status).toBe(200)
    const refused = await sync(3)
    expect(refused.status).toBe(429)
    expect(refused.headers.get("Retry-After")).toMatch(/^\d+$/)
    const snapshot = (await (await app.fetch(new Request(`${BASE}/api/share/${share.id}`), bindings)).json()) as {
      parts: unknown[]
    }
    expect(snapshot.parts).toHaveLength(2)
  })

  it("an anonymous share has a byte quota and an item count: 413, and the batch changes nothing", async () => {
    const bindings: Env = { ...env, ANONYMOUS_MAX_SHARE_ITEMS: "8", ANONYMOUS_MAX_SHARE_BYTES: "20000" }
    const ip = freshAddress()
    const sessionID = uniqueSessionID("quota")
    const share = await created(
      await post("/api/share", { sessionID, initialData: makeSessionItems(sessionID, 4) }, ip, bindings),
    )
    const parts = (from: number, count: number, size = 10): SyncData[] =>
      Array.from({ length: count }, (_, index) => ({
        type: "part",
        data: makeTextPart(sessionID, "msg_00000000", from + index, "x".repeat(size)),
      }))
    const tooMany = await post(
      `/api/share/${share.id}/sync`,
      { secret: share.secret, data: parts(100, 5) },
      ip,
      bindings,
    )
    expect(tooMany.status).toBe(413)
    expect((await errorOf(tooMany)).message).toContain("at most 8 items")
    const tooBig = await post(
      `/api/share/${share.id}/sync`,
      { secret: share.secret, data: parts(200, 1, 30_000) },
      ip,
      bindings,
    )
    expect(tooBig.status).toBe(413)
    expect((await errorOf(tooBig)).message).toContain("at most 20000 bytes")
    const meta = (await (await app.fetch(new Request(`${BASE}/api/share/${share.id}/metadata`), bindings)).json()) as {
      partCount: number
      syncCount: number
    }
    expect(meta).toMatchObject({ partCount: 4, syncCount: 1 })
    const fits = await post(`/api/share/${share.id}/sync`, { secret: share.secret, data: parts(300, 2) }, ip, bindings)
    expect(fits.status).toBe(200)
    // With the quota lowered below what the share holds, it can still be updated in place, not grown.
    const lowered: Env = { ...bindings, ANONYMOUS_MAX_SHARE_ITEMS: "3" }
    const again = (data: SyncData[]) => post(`/api/share/${share.id}/sync`, { secret: share.secret, data }, ip, lowered)
    expect((await again(parts(300, 2, 5))).status).toBe(200)
    expect((await again(parts(400, 1))).status).toBe(413)
    // A create over the quota leaves nothing behind.
    const big = uniqueSessionID("quota-create")
    const refused = await post("/api/share", { sessionID: big, initialData: makeSessionItems(big, 20) }, ip, bindings)
    expect(refused.status).toBe(413)
    // No share was left holding the session (one share per session without a token): it can be shared again.
    await created(await post("/api/share", { sessionID: big }, ip, bindings))
  })

  it("rows put in R2 count toward the byte quota; a refused piece's R2 objects are deleted", async () => {
    const bindings: Env = { ...env, ANONYMOUS_MAX_SHARE_BYTES: "2000000" }
    const ip = freshAddress()
    const sessionID = uniqueSessionID("quota-r2")
    const share = await created(await post("/api/share", { sessionID }, ip, bindings))
    const blobs = async () => (await env.SESSIONS_STORE.list({ prefix: `blob/${share.id}/` })).objects.length
    // Over the 1 MiB a SQLite row holds: each of these parts is put in R2.
    const big = (index: number): SyncData => ({
      type: "part",
      data: makeTextPart(sessionID, "msg_00000000", index, "b".repeat(LIMITS.maxInlineRowBytes + 200_000)),
    })
    const sync = (data: SyncData[]) => post(`/api/share/${share.id}/sync`, { secret: share.secret, data }, ip, bindings)
    expect((await sync([big(1)])).status).toBe(200)
    expect(await blobs()).toBe(1)
    const over = await sync([big(2)])
    expect(over.status).toBe(413)
    expect((await errorOf(over)).message).toContain("at most 2000000 bytes")
    expect(await blobs()).toBe(1)
    // Replaced by a small row, the first part's size is given back (its R2 object goes), and a big part fits again.
    const small = { type: "part", data: makeTextPart(sessionID, "msg_00000000", 1, "small") } as SyncData
    expect((await sync([small])).status).toBe(200)
    expect(await blobs()).toBe(0)
    expect((await sync([big(2)])).status).toBe(200)
    expect(await blobs()).toBe(1)
  })

  it("a share created with a token has no such quota (a token holder's large sessions go through)", async () => {
    const bindings: Env = { ...env, ANONYMOUS_MAX_SHARE_ITEMS: "3" }
    const { rpc, end } = await openRpc(bearer(CURRENT_TOKEN))
    try {
      const sessionID = uniqueSessionID("token-quota")
      const share = await rpc.createShare(sessionID, makeSessionItems(sessionID, 50))
      expect(share.id.length).toBeGreaterThan(0)
      const httpSession = uniqueSessionID("token-http")
      const withToken = { sessionID: httpSession, initialData: makeSessionItems(httpSession, 50) }
      const overHttp = await post("/api/share", withToken, freshAddress(), bindings, bearer(OWNER_TOKEN))
      expect(overHttp.status).toBe(201)
      expect(await rpcFailure(rpc.syncShare(share.id, "wrong", []))).toMatchObject({ code: "forbidden" })
    } finally {
      end()
    }
  })

  it("gives anonymous shares the default expiry (30 days), or less if asked, never more", async () => {
    const ip = freshAddress()
    const before = Date.now()
    const plain = await created(await post("/api/share", { sessionID: uniqueSessionID("anon-expiry") }, ip, defaults))
    const meta = (await (await app.fetch(new Request(`${BASE}/api/share/${plain.id}/metadata`), defaults)).json()) as {
      expiresAt: number
    }
    expect(meta.expiresAt).toBeGreaterThanOrEqual(before + 30 * 86_400_000)
    expect(meta.expiresAt).toBeLessThanOrEqual(Date.now() + 30 * 86_400_000)
    const longer = await created(
      await post("/api/share", { sessionID: uniqueSessionID("anon-long"), expiresIn: "52w" }, ip, defaults),
    )
    const longerMeta = (await (
      await app.fetch(new Request(`${BASE}/api/share/${longer.id}/metadata`), defaults)
    ).json()) as {
      expiresAt: number
    }
    expect(longerMeta.expiresAt).toBeLessThanOrEqual(Date.now() + 30 * 86_400_000)
    const configured: Env = { ...defaults, ANONYMOUS_EXPIRY: "2h" }
    const short = await created(
      await post("/api/share", { sessionID: uniqueSessionID("anon-2h") }, freshAddress(), configured),
    )
    const shortMeta = (await (
      await app.fetch(new Request(`${BASE}/api/share/${short.id}/metadata`), configured)
    ).json()) as {
      expiresAt: number
    }
    expect(shortMeta.expiresAt).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000)
  })

  it("with the defaults, upstream's tokenless client shares a normal session: one create, hundreds of syncs", async () => {
    const ip = freshAddress()
    const sessionID = uniqueSessionID("normal")
    const items = makeSessionItems(sessionID, 2000, 20)
    const share = await created(await post("/api/share", { sessionID, initialData: items.slice(0, 100) }, ip, defaults))
    // The rest as a streaming agent sends it: a small batch at a time, 200 syncs in quick succession.
    const rest = items.slice(100)
    const batch = Math.ceil(rest.length / 200)
    for (let start = 0; start < rest.length; start += batch) {
      const response = await post(
        `/api/share/${share.id}/sync`,
        { secret: share.secret, data: rest.slice(start, start + batch) },
        ip,
        defaults,
      )
      expect(response.status, await response.clone().text()).toBe(200)
    }
    const meta = (await (await app.fetch(new Request(`${BASE}/api/share/${share.id}/metadata`), defaults)).json()) as {
      partCount: number
    }
    expect(meta.partCount).toBe(2000)
    expect(LIMITS.maxBatchItems).toBeGreaterThanOrEqual(batch)
  })
})
