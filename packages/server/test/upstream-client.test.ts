import type { ShareInfo, ShareSnapshot } from "@cloudsession/protocol"
import { makeSessionItems } from "@cloudsession/protocol/fixtures"
import { describe, expect, it } from "vitest"
import { api, errorOf, getShare, uniqueSessionID } from "./helpers.ts"
import { bearer, CURRENT_TOKEN } from "./rpc-helpers.ts"

/** What upstream OpenCode's share client sends: `{ sessionID }` only, no token, no creation key. */
function upstreamCreate(sessionID: string, base = "", headers: Record<string, string> = {}) {
  return api(`${base}/api/share`, { method: "POST", json: { sessionID }, headers })
}

describe("upstream OpenCode's share client", () => {
  it("works with a base URL configured with a trailing slash (//api/share)", async () => {
    const sessionID = uniqueSessionID("slash")
    const created = await upstreamCreate(sessionID, "/")
    expect(created.status).toBe(201)
    const share = (await created.json()) as ShareInfo
    expect(share.url).not.toContain("//share")
    const synced = await api(`//api/share/${share.id}/sync`, {
      method: "POST",
      json: { secret: share.secret, data: makeSessionItems(sessionID, 3) },
    })
    expect(synced.status).toBe(200)
    expect((await getShare(share.id)).parts).toHaveLength(3)
    expect((await api(`//api/share/${share.id}//data`)).status).toBe(200)
  })

  it("gets one share per session: a second create is refused without revealing the first share's secret", async () => {
    const sessionID = uniqueSessionID("one_per_session")
    const first = (await (await upstreamCreate(sessionID)).json()) as ShareInfo
    const second = await upstreamCreate(sessionID)
    expect(second.status).toBe(409)
    const text = await second.text()
    expect(text).not.toContain(first.secret)
    expect(text).not.toContain(first.id)
    expect(JSON.parse(text)).toMatchObject({ error: { code: "conflict" } })

    // The first share is the one that syncs.
    const synced = await api(`/api/share/${first.id}/sync`, {
      method: "POST",
      json: { secret: first.secret, data: makeSessionItems(sessionID, 2) },
    })
    expect(synced.status).toBe(200)
    expect(((await getShare(first.id)) as ShareSnapshot).parts).toHaveLength(2)

    // Deleting it frees the session for a new share.
    const removed = await api(`/api/share/${first.id}`, { method: "DELETE", json: { secret: first.secret } })
    expect(removed.status).toBe(200)
    const again = await upstreamCreate(sessionID)
    expect(again.status).toBe(201)
    expect(((await again.json()) as ShareInfo).id).not.toBe(first.id)
  })

  it("concurrent creates for one session make exactly one share", async () => {
    const sessionID = uniqueSessionID("concurrent")
    const answers = await Promise.all([upstreamCreate(sessionID), upstreamCreate(sessionID), upstreamCreate(sessionID)])
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409, 409])
  })

  it("leaves token holders and creation keys free to make several shares of one session", async () => {
    const sessionID = uniqueSessionID("authenticated")
    expect((await upstreamCreate(sessionID)).status).toBe(201)
    expect((await upstreamCreate(sessionID, "", bearer(CURRENT_TOKEN))).status).toBe(201)
    expect((await upstreamCreate(sessionID, "", bearer(CURRENT_TOKEN))).status).toBe(201)
    const keyed = await api("/api/share", {
      method: "POST",
      json: { sessionID, creationKey: "k".repeat(43) },
    })
    expect(keyed.status).toBe(201)
    // A token that is not accepted is no token: the session is already claimed.
    const wrong = await upstreamCreate(sessionID, "", bearer("test-token-unknown"))
    expect(wrong.status).toBe(409)
    expect((await errorOf(wrong)).code).toBe("conflict")
  })
})
