import type { SessionIndex, SessionPage, ShareSnapshot } from "@cloudsession/protocol"
import { makeDiff, makeMessage, makeModel, makeSession, makeTextPart } from "@cloudsession/protocol/fixtures"
import { describe, expect, it, vi } from "vitest"
import { api, createShare, errorOf, getShare, ownerApi, syncShare, uniqueSessionID } from "./helpers.ts"

describe("share lifecycle over the JSON API", () => {
  it("creates, syncs, reads, lists and deletes a share", async () => {
    const sessionID = uniqueSessionID("life")
    const share = await createShare(sessionID)
    expect(share.id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(share.secret.length).toBeGreaterThanOrEqual(43)
    expect(share.url).toBe(`https://cloudsession.test/share/${share.id}`)
    expect(share.id).not.toContain(sessionID.slice(-8))

    const result = await syncShare(share, [
      { type: "session", data: makeSession(sessionID, { title: "Fix the flaky test" }) },
      { type: "message", data: makeMessage(sessionID, 1, "user") },
      { type: "part", data: makeTextPart(sessionID, "msg_00000001", 1, "hello **world**") },
      { type: "session_diff", data: [makeDiff("src/a.ts"), makeDiff("src/b.ts")] },
      { type: "model", data: [makeModel()] },
    ])
    expect(result).toMatchObject({ success: true, syncCount: 1, applied: 5, duplicate: false })

    const snapshot = await getShare(share.id)
    expect(snapshot.session.title).toBe("Fix the flaky test")
    expect(snapshot.messages.map((m) => m.id)).toEqual(["msg_00000001"])
    expect(snapshot.parts).toEqual([makeTextPart(sessionID, "msg_00000001", 1, "hello **world**")])
    expect(snapshot.diffs.map((d) => d.file)).toEqual(["src/a.ts", "src/b.ts"])
    expect(snapshot.models).toEqual([makeModel()])
    expect(snapshot.metadata).toMatchObject({ sessionID, syncCount: 1 })

    const metadata = (await (await api(`/api/share/${share.id}/metadata`)).json()) as SessionIndex
    expect(metadata).toMatchObject({
      id: share.id,
      sessionID,
      title: "Fix the flaky test",
      messageCount: 1,
      partCount: 1,
      diffCount: 2,
      modelCount: 1,
      syncCount: 1,
    })

    // The listing follows syncs through a Durable Object alarm, shortly after the sync answered.
    await vi.waitFor(
      async () => {
        const page = (await (await ownerApi("/api/sessions?limit=200")).json()) as SessionPage
        expect(page.sessions.find((entry) => entry.id === share.id)).toMatchObject({
          title: "Fix the flaky test",
          partCount: 1,
        })
      },
      { timeout: 5000, interval: 100 },
    )

    const removed = await api(`/api/share/${share.id}`, { method: "DELETE", json: { secret: share.secret } })
    expect(removed.status).toBe(200)
    expect(await removed.json()).toEqual({ success: true })

    const gone = await api(`/api/share/${share.id}`)
    expect(gone.status).toBe(410)
    expect((await errorOf(gone)).code).toBe("gone")
    expect((await api(`/api/share/${share.id}/metadata`)).status).toBe(410)
    const after = (await (await ownerApi("/api/sessions?limit=200")).json()) as SessionPage
    expect(after.sessions.some((entry) => entry.id === share.id)).toBe(false)
  })

  it("applies initial data given at creation (create + first sync in one request)", async () => {
    const sessionID = uniqueSessionID("initial")
    const share = await createShare(sessionID, [
      { type: "session", data: makeSession(sessionID, { title: "Pipelined" }) },
      { type: "message", data: makeMessage(sessionID, 0, "user") },
    ])
    const snapshot = await getShare(share.id)
    expect(snapshot.session.title).toBe("Pipelined")
    expect(snapshot.messages).toHaveLength(1)
    expect(snapshot.metadata.syncCount).toBe(1)
  })

  it("updates a part in place instead of duplicating it", async () => {
    const sessionID = uniqueSessionID("update")
    const share = await createShare(sessionID)
    await syncShare(share, [{ type: "part", data: makeTextPart(sessionID, "msg_1", 1, "draft") }])
    await syncShare(share, [{ type: "part", data: makeTextPart(sessionID, "msg_1", 1, "final") }])
    const snapshot = await getShare(share.id)
    expect(snapshot.parts).toHaveLength(1)
    expect(snapshot.parts[0]).toMatchObject({ text: "final" })
  })

  it("serves only what changed after a version when asked with ?since", async () => {
    const sessionID = uniqueSessionID("since")
    const share = await createShare(sessionID)
    const first = await syncShare(share, [{ type: "part", data: makeTextPart(sessionID, "msg_1", 1) }])
    await syncShare(share, [{ type: "part", data: makeTextPart(sessionID, "msg_1", 2) }])
    const response = await api(`/api/share/${share.id}?since=${first.version}`)
    const delta = (await response.json()) as { parts: { id: string }[] }
    expect(delta.parts.map((part) => part.id)).toEqual(["prt_00000002"])
  })

  it("tells a delta reader when the diff set was emptied", async () => {
    const sessionID = uniqueSessionID("empty-diff")
    const share = await createShare(sessionID)
    const withDiff = await syncShare(share, [{ type: "session_diff", data: [makeDiff("src/a.ts")] }])
    const untouched = await api(`/api/share/${share.id}?since=${withDiff.version}`)
    expect(((await untouched.json()) as ShareSnapshot).metadata.diffVersion).toBe(withDiff.version)
    await syncShare(share, [{ type: "session_diff", data: [] }])
    const delta = (await (await api(`/api/share/${share.id}?since=${withDiff.version}`)).json()) as ShareSnapshot
    expect(delta.diffs).toEqual([])
    expect(delta.metadata.diffVersion).toBeGreaterThan(withDiff.version)
    const fragments = await (await api(`/share/${share.id}/fragments?since=${withDiff.version}`)).text()
    expect(fragments).toContain('"id":"diffs"')
  })

  it("lists a new share at once and converges the listing after a burst of syncs", async () => {
    const sessionID = uniqueSessionID("burst")
    const share = await createShare(sessionID)
    const listed = (await (await ownerApi("/api/sessions?limit=200")).json()) as SessionPage
    expect(listed.sessions.some((entry) => entry.id === share.id)).toBe(true)
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        syncShare(share, [{ type: "part", data: makeTextPart(sessionID, "msg_1", index) }]),
      ),
    )
    await vi.waitFor(
      async () => {
        const page = (await (await ownerApi("/api/sessions?limit=200")).json()) as SessionPage
        expect(page.sessions.find((entry) => entry.id === share.id)).toMatchObject({ partCount: 20, syncCount: 20 })
      },
      { timeout: 5000, interval: 100 },
    )
  })

  it("filters the listing by title or directory across all shares with ?q", async () => {
    const sessionID = uniqueSessionID("findme")
    const share = await createShare(sessionID, [
      { type: "session", data: makeSession(sessionID, { title: "Quixotic refactor", directory: "/srv/zebra" }) },
    ])
    await createShare(uniqueSessionID("other"))
    for (const query of ["quixotic", "ZEBRA"]) {
      const page = (await (await ownerApi(`/api/sessions?q=${query}&limit=200`)).json()) as SessionPage
      expect(page.sessions.map((entry) => entry.id)).toEqual([share.id])
    }
    expect((await ownerApi(`/api/sessions?q=${"y".repeat(201)}`)).status).toBe(400)
  })

  it("pages the listing newest first", async () => {
    const shares = []
    for (const label of ["page-a", "page-b", "page-c"]) shares.push(await createShare(uniqueSessionID(label)))
    const all = (await (await ownerApi("/api/sessions?limit=200")).json()) as SessionPage
    const order = all.sessions.map((entry) => entry.lastUpdated)
    expect(order).toEqual([...order].sort((a, b) => b - a))
    const first = (await (await ownerApi("/api/sessions?limit=1")).json()) as SessionPage
    expect(first.sessions).toHaveLength(1)
    expect(first.cursor).toBe("1")
    const second = (await (await ownerApi(`/api/sessions?limit=1&cursor=${first.cursor}`)).json()) as SessionPage
    expect(second.sessions[0]?.id).not.toBe(first.sessions[0]?.id)
  })
})
