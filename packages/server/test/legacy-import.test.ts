import { env } from "cloudflare:test"
import { LIMITS, type SessionIndex } from "@cloudsession/protocol"
import { makeDiff, makeMessage, makeModel, makeSession, makeTextPart } from "@cloudsession/protocol/fixtures"
import { describe, expect, it } from "vitest"
import { directory, finishBackfill, restartBackfill, watchedService } from "./directory-helpers.ts"
import { api, errorOf, getShare, ownerApi, syncShare } from "./helpers.ts"

/**
 * Listing pages, first as this Worker serves them on its first deploy onto a bucket that already holds seed entries
 * (from R2, while the directory imports them), then once the import is done (from the directory, no R2 listing).
 */
async function listedBeforeAndAfterImport(query: string): Promise<{ before: SessionIndex[]; after: SessionIndex[] }> {
  await restartBackfill(directory())
  const fromR2 = watchedService()
  const before = (await fromR2.service.list({ q: query, limit: 200 })).sessions
  expect(fromR2.calls.list).toBeGreaterThan(0)
  await finishBackfill(directory())
  const fromDirectory = watchedService()
  const after = (await fromDirectory.service.list({ q: query, limit: 200 })).sessions
  expect(fromDirectory.calls).toEqual({ list: 0, get: 0 })
  return { before, after }
}

/** A share exactly as the seed Worker stored it: one blob with everything, secret included, plus its index entry. */
async function putSeedShare(
  shareID: string,
  sessionID: string,
  secret: string,
  overrides: { session?: unknown; parts?: unknown[] } = {},
) {
  const now = 1_690_000_000_000
  const blob = {
    session: overrides.session ?? makeSession(sessionID, { title: "Seed-era session" }),
    messages: [makeMessage(sessionID, 1, "user"), makeMessage(sessionID, 2)],
    parts: overrides.parts ?? [makeTextPart(sessionID, "msg_00000001", 1, "legacy text"), { broken: true }],
    diffs: [makeDiff("README.md"), makeDiff("README.md")],
    models: [makeModel()],
    metadata: { createdAt: now, lastUpdated: now + 5, syncCount: 7, secret, sessionID },
  }
  const index: SessionIndex = {
    id: shareID,
    sessionID,
    title: "Seed-era session",
    directory: "/home/dev/project",
    messageCount: 2,
    // Stale on purpose: the import must rewrite the entry from what it actually stored.
    partCount: 99,
    diffCount: 2,
    modelCount: 1,
    lastUpdated: now + 5,
    syncCount: 7,
    createdAt: now,
  }
  await env.SESSIONS_STORE.put(`share/${shareID}`, JSON.stringify(blob))
  await env.SESSIONS_STORE.put(`index/${shareID}`, JSON.stringify(index))
}

describe("shares stored in the seed's layout", () => {
  it("are imported on first access, keep their secret, and never serve it", async () => {
    const secret = "6f1c1f0e-5b7a-5d1e-9c0e-2f4b8a1d3c5e"
    await putSeedShare("ab12cd34", "ses_legacy_0001ab12cd34", secret)

    // Listed before anyone opened it: the seed's entry has no metadata copy and is read whole, by the R2 listing
    // and by the directory's import alike.
    const { before, after } = await listedBeforeAndAfterImport("Seed-era")
    expect(before.find((entry) => entry.id === "ab12cd34")).toMatchObject({ partCount: 99 })
    expect(after.find((entry) => entry.id === "ab12cd34")).toMatchObject({ partCount: 99 })

    const snapshot = await getShare("ab12cd34")
    expect(snapshot.session.title).toBe("Seed-era session")
    expect(snapshot.messages).toHaveLength(2)
    // The malformed part is dropped, the rest imported; duplicated seed diffs collapse to one per file.
    expect(snapshot.parts).toEqual([makeTextPart("ses_legacy_0001ab12cd34", "msg_00000001", 1, "legacy text")])
    expect(snapshot.diffs).toHaveLength(1)
    expect(snapshot.metadata).toMatchObject({ syncCount: 7, createdAt: 1_690_000_000_000 })
    expect(JSON.stringify(snapshot)).not.toContain(secret)

    // The import published what it stored; it replaces the seed's entry although both carry the same clock.
    const listed = (await (await ownerApi("/api/sessions?q=Seed-era")).json()) as { sessions: SessionIndex[] }
    expect(listed.sessions.find((entry) => entry.id === "ab12cd34")).toMatchObject({ partCount: 1, messageCount: 2 })
    const rewritten = await env.SESSIONS_STORE.head("index/ab12cd34")
    expect(rewritten?.customMetadata?.entry).toContain('"partCount":1')

    const wrong = await api("/api/share/ab12cd34/sync", {
      method: "POST",
      json: { secret: "nope-nope-nope-nope", data: [] },
    })
    expect(wrong.status).toBe(403)
    expect((await errorOf(wrong)).code).toBe("forbidden")

    const synced = await syncShare({ id: "ab12cd34", secret, url: "" }, [
      { type: "part", data: makeTextPart("ses_legacy_0001ab12cd34", "msg_00000002", 2, "new over RPC-era API") },
    ])
    expect(synced.syncCount).toBe(8)
    expect((await getShare("ab12cd34")).parts).toHaveLength(2)
  })

  it("are deleted for good: the old blob does not come back on the next access", async () => {
    const secret = "0a0b0c0d-1111-5222-8333-444455556666"
    await putSeedShare("zz98yy76", "ses_legacy_0002zz98yy76", secret)
    const removed = await api("/api/share/zz98yy76", { method: "DELETE", json: { secret } })
    expect(removed.status).toBe(200)
    expect(await env.SESSIONS_STORE.get("share/zz98yy76")).toBeNull()
    expect(await env.SESSIONS_STORE.get("index/zz98yy76")).toBeNull()
    expect((await api("/api/share/zz98yy76")).status).toBe(410)
  })

  it("keep what is usable when parts of the blob are not: a bad session object, an oversized part", async () => {
    const secret = "1a2b3c4d-aaaa-5bbb-8ccc-ddddeeeeffff"
    const sessionID = "ses_legacy_0003qq11ww22"
    await putSeedShare("qq11ww22", sessionID, secret, {
      session: { id: sessionID, title: 42 },
      parts: [
        makeTextPart(sessionID, "msg_00000001", 1, "kept"),
        makeTextPart(sessionID, "msg_00000001", 2, "z".repeat(LIMITS.maxItemBytes + 1)),
      ],
    })
    const snapshot = await getShare("qq11ww22")
    expect(snapshot.session).toEqual({ id: sessionID })
    expect(snapshot.parts).toEqual([makeTextPart(sessionID, "msg_00000001", 1, "kept")])
    expect(snapshot.messages).toHaveLength(2)
  })

  it("list seed entries that lack fields without failing the listing or search", async () => {
    await env.SESSIONS_STORE.put("index/partial1", JSON.stringify({ id: "partial1", lastUpdated: 5 }))
    await restartBackfill(directory())
    const response = await ownerApi("/api/sessions?q=anything-at-all")
    expect(response.status).toBe(200)
    const { before, after } = await listedBeforeAndAfterImport("")
    expect(before.find((entry) => entry.id === "partial1")).toMatchObject({ title: "", partCount: 0 })
    expect(after.find((entry) => entry.id === "partial1")).toMatchObject({ title: "", partCount: 0 })
    expect((await ownerApi("/api/sessions?q=anything-at-all")).status).toBe(200)
    // No share stands behind this entry to unlist it: remove it the way a deleted share would.
    await env.SESSIONS_STORE.delete("index/partial1")
    await directory().remove("partial1")
  })

  it("answers 404 for an id with neither a Durable Object nor a seed blob", async () => {
    const response = await api("/api/share/nothing1")
    expect(response.status).toBe(404)
    expect((await errorOf(response)).code).toBe("not_found")
  })
})
