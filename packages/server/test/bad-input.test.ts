import { env, runInDurableObject } from "cloudflare:test"
import { LIMITS, type ShareInfo } from "@cloudsession/protocol"
import { makeSessionItems, makeTextPart } from "@cloudsession/protocol/fixtures"
import { beforeAll, describe, expect, it } from "vitest"
import { api, createShare, errorOf, ownerApi, uniqueSessionID } from "./helpers.ts"

/** Over the limit of a create or delete body (a sync body streams, up to `LIMITS.maxSyncBodyBytes`). */
const oversized = "x".repeat(LIMITS.maxBodyBytes + 10)

/** Our tables in a share id's Durable Object (workerd's own `_cf_*` tables aside): none means no share data. */
async function tablesOf(shareID: string): Promise<number> {
  const stub = env.SHARES.get(env.SHARES.idFromName(shareID))
  return runInDurableObject(
    stub,
    (_, state) =>
      state.storage.sql
        .exec<{ n: number }>(
          "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
        )
        .one().n,
  )
}

type Misuse = {
  name: string
  request: (share: ShareInfo) => Promise<Response>
  status: number
  code: string
}

const sync = (share: ShareInfo, body: unknown) => api(`/api/share/${share.id}/sync`, { method: "POST", json: body })

const misuses: Misuse[] = [
  {
    name: "malformed JSON on sync",
    request: (share) =>
      api(`/api/share/${share.id}/sync`, {
        method: "POST",
        body: "{not json",
        headers: { "content-type": "application/json" },
      }),
    status: 400,
    code: "bad_request",
  },
  {
    name: "data that is not a list",
    request: (share) => sync(share, { secret: share.secret, data: "parts" }),
    status: 400,
    code: "bad_request",
  },
  { name: "a missing secret", request: (share) => sync(share, { data: [] }), status: 400, code: "bad_request" },
  {
    name: "a batch id with unsafe characters",
    request: (share) => sync(share, { secret: share.secret, data: [], batchID: "../../etc/passwd" }),
    status: 400,
    code: "bad_request",
  },
  {
    name: "the wrong secret",
    request: (share) =>
      sync(share, {
        secret: `${share.secret.slice(0, -2)}xx`,
        data: [{ type: "part", data: makeTextPart("ses_x", "m", 1) }],
      }),
    status: 403,
    code: "forbidden",
  },
  {
    name: "the wrong secret on delete",
    request: (share) => api(`/api/share/${share.id}`, { method: "DELETE", json: { secret: "not-the-secret-at-all" } }),
    status: 403,
    code: "forbidden",
  },
  {
    name: "a delete without a body",
    request: (share) => api(`/api/share/${share.id}`, { method: "DELETE" }),
    status: 400,
    code: "bad_request",
  },
  {
    name: "malformed JSON on delete",
    request: (share) =>
      api(`/api/share/${share.id}`, {
        method: "DELETE",
        body: "{secret:",
        headers: { "content-type": "application/json" },
      }),
    status: 400,
    code: "bad_request",
  },
  {
    name: "an oversized delete body",
    request: (share) => api(`/api/share/${share.id}`, { method: "DELETE", json: { secret: share.secret, oversized } }),
    status: 413,
    code: "payload_too_large",
  },
  {
    name: "a negative ?since",
    request: (share) => api(`/api/share/${share.id}?since=-4`),
    status: 400,
    code: "bad_request",
  },
]

describe("bad input on the JSON API gets a clear error and changes nothing", () => {
  let share: ShareInfo
  let before: string
  let sessionID: string

  beforeAll(async () => {
    sessionID = uniqueSessionID("misuse")
    share = await createShare(sessionID, makeSessionItems(sessionID, 20))
    before = await (await api(`/api/share/${share.id}`)).text()
  })

  for (const misuse of misuses) {
    it(`refuses ${misuse.name}`, async () => {
      const response = await misuse.request(share)
      expect(response.status).toBe(misuse.status)
      const error = await errorOf(response)
      expect(error.code).toBe(misuse.code)
      expect(error.message.length).toBeGreaterThan(5)
      expect(await (await api(`/api/share/${share.id}`)).text()).toBe(before)
    })
  }

  it("answers 404 for an unknown share on every share route and leaves no storage behind", async () => {
    const unknown = "AAAAAAAAAAAAAAAAAAAAAA"
    const responses = await Promise.all([
      api(`/api/share/${unknown}`),
      api(`/api/share/${unknown}/metadata`),
      api(`/api/share/${unknown}/sync`, { method: "POST", json: { secret: "whatever-secret", data: [] } }),
      api(`/api/share/${unknown}`, { method: "DELETE", json: { secret: "whatever-secret" } }),
    ])
    for (const response of responses) {
      expect(response.status).toBe(404)
      expect((await errorOf(response)).code).toBe("not_found")
    }
    expect(await tablesOf(unknown)).toBe(0)
  })

  it("refuses a create body over the limit whole, and creates nothing", async () => {
    const sessionID = uniqueSessionID("big-create")
    const response = await api("/api/share", {
      method: "POST",
      json: { sessionID, initialData: [{ type: "part", data: makeTextPart(sessionID, "m", 1, oversized) }] },
    })
    expect(response.status).toBe(413)
    const listed = (await (await ownerApi(`/api/sessions?q=${sessionID}`)).json()) as { sessions: unknown[] }
    expect(listed.sessions).toHaveLength(0)
  })

  it("keeps nothing of a deleted share but its tombstone (one row: when, and why)", async () => {
    const sessionID = uniqueSessionID("gone")
    const share = await createShare(sessionID, makeSessionItems(sessionID, 3))
    expect(await tablesOf(share.id)).toBeGreaterThan(0)
    const removed = await api(`/api/share/${share.id}`, { method: "DELETE", json: { secret: share.secret } })
    expect(removed.status).toBe(200)
    expect(await tablesOf(share.id)).toBe(1)
    expect((await api(`/api/share/${share.id}`)).status).toBe(410)
  })

  it("refuses a malformed share id before touching storage", async () => {
    const response = await api("/api/share/has%20space")
    expect(response.status).toBe(400)
    expect((await errorOf(response)).message).toContain("shareID")
  })

  it("refuses bad create requests and creates nothing", async () => {
    const listBefore = await (await ownerApi("/api/sessions?limit=200")).text()
    const attempts = [
      api("/api/share", { method: "POST", body: "][", headers: { "content-type": "application/json" } }),
      api("/api/share", { method: "POST", json: {} }),
      api("/api/share", { method: "POST", json: { sessionID: 42 } }),
      api("/api/share", { method: "POST", json: { sessionID: "ses_1", pad: oversized } }),
    ]
    const statuses = await Promise.all(attempts.map(async (attempt) => (await attempt).status))
    expect(statuses).toEqual([400, 400, 400, 413])
    expect(await (await ownerApi("/api/sessions?limit=200")).text()).toBe(listBefore)
  })

  it("refuses out-of-range paging", async () => {
    for (const query of ["limit=0", "limit=201", "limit=abc", "cursor=-1"]) {
      const response = await ownerApi(`/api/sessions?${query}`)
      expect(response.status, query).toBe(400)
    }
  })

  it("answers unknown routes with a JSON 404", async () => {
    const response = await api("/api/nope")
    expect(response.status).toBe(404)
    expect((await errorOf(response)).code).toBe("not_found")
  })
})
