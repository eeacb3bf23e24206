import { env, runInDurableObject } from "cloudflare:test"
import type { SyncData } from "@cloudsession/protocol"
import { makeDiff, makeMessage, makeSession, makeTextPart } from "@cloudsession/protocol/fixtures"
import { describe, expect, it } from "vitest"
import { api, createShare, syncShare, uniqueSessionID } from "./helpers.ts"

type Stored = { id: string; in_r2: number; html: string | null; renderer: number | null }

function shareStub(shareID: string) {
  return env.SHARES.get(env.SHARES.idFromName(shareID))
}

function storedParts(shareID: string): Promise<Stored[]> {
  return runInDurableObject(shareStub(shareID), (_, state) =>
    state.storage.sql
      .exec<Stored>("SELECT id, blob IS NOT NULL AS in_r2, html, renderer FROM part ORDER BY id")
      .toArray(),
  )
}

function storedDiffs(shareID: string): Promise<(Stored & { file: string })[]> {
  return runInDurableObject(shareStub(shareID), (_, state) =>
    state.storage.sql
      .exec<Stored & { file: string }>(
        "SELECT file, file AS id, blob IS NOT NULL AS in_r2, html, renderer FROM diff ORDER BY file",
      )
      .toArray(),
  )
}

/** Over the 1 MiB a SQLite row holds: the row's JSON goes to R2. */
const BIG = 1_200_000

describe("HTML is rendered once, when an item is written", () => {
  it("stores each part's HTML with it, a part whose JSON lives in R2 included, and pages show the stored HTML", async () => {
    const sessionID = uniqueSessionID("render-write")
    const message = makeMessage(sessionID, 0)
    const items: SyncData[] = [
      { type: "session", data: makeSession(sessionID) },
      { type: "message", data: message },
      { type: "part", data: makeTextPart(sessionID, message.id, 0, "Some *emphasis*.") },
      { type: "part", data: makeTextPart(sessionID, message.id, 1, `big ${"word ".repeat(BIG / 5)}`) },
    ]
    const share = await createShare(sessionID, items)
    const parts = await storedParts(share.id)
    expect(parts.map((part) => [part.id, part.in_r2])).toEqual([
      ["prt_00000000", 0],
      ["prt_00000001", 1],
    ])
    expect(parts[0]?.html).toContain("<em>emphasis</em>")
    // Its head only, with a link to the whole part: bounded whatever the part's size.
    expect(parts[1]?.html).toContain("<p>big word word")
    expect(parts[1]?.html).toContain("show all")
    expect(parts[1]?.html?.length ?? 0).toBeLessThan(200_000)
    expect(parts.every((part) => part.renderer !== null)).toBe(true)

    // What a page shows is what was stored: change the stored HTML and the page follows it. (A page holds a turn's
    // first part whatever its size, and no more once past its budget: the part in R2 is shown from its own share.)
    await runInDurableObject(shareStub(share.id), (_, state) => {
      state.storage.sql.exec("UPDATE part SET html = '<p>stored-html-inline</p>' WHERE id = 'prt_00000000'")
    })
    expect(await (await api(`/share/${share.id}`)).text()).toContain("stored-html-inline")

    const bigSession = uniqueSessionID("render-write-r2")
    const bigMessage = makeMessage(bigSession, 0)
    const big = await createShare(bigSession, [
      { type: "session", data: makeSession(bigSession) },
      { type: "message", data: bigMessage },
      { type: "part", data: makeTextPart(bigSession, bigMessage.id, 0, `big ${"word ".repeat(BIG / 5)}`) },
    ])
    expect((await storedParts(big.id)).map((part) => part.in_r2)).toEqual([1])
    await runInDurableObject(shareStub(big.id), (_, state) => {
      state.storage.sql.exec("UPDATE part SET html = '<p>stored-html-in-r2</p>'")
    })
    expect(await (await api(`/share/${big.id}`)).text()).toContain("stored-html-in-r2")
  })

  it("renders a part that has no current HTML when it is first read, and keeps it", async () => {
    const sessionID = uniqueSessionID("render-late")
    const message = makeMessage(sessionID, 0)
    const share = await createShare(sessionID, [
      { type: "session", data: makeSession(sessionID) },
      { type: "message", data: message },
      { type: "part", data: makeTextPart(sessionID, message.id, 0, "Late **strong** text.") },
    ])
    // As a row written before step 4, or by an older renderer.
    await runInDurableObject(shareStub(share.id), (_, state) => {
      state.storage.sql.exec("UPDATE part SET html = NULL, renderer = NULL")
    })
    expect(await (await api(`/share/${share.id}`)).text()).toContain("<strong>strong</strong>")
    expect((await storedParts(share.id))[0]?.html).toContain("<strong>strong</strong>")
  })

  it("stores each diff file's HTML, keeps it for a file resent unchanged, and renders one kept in R2", async () => {
    const sessionID = uniqueSessionID("render-diff")
    const big = { ...makeDiff("src/big.ts"), after: `${"const x = 1\n".repeat(BIG / 12)}` }
    const share = await createShare(sessionID, [
      { type: "session", data: makeSession(sessionID) },
      { type: "session_diff", data: [makeDiff("src/a.ts"), big] },
    ])
    const first = await storedDiffs(share.id)
    expect(first.map((diff) => [diff.file, diff.in_r2])).toEqual([
      ["src/a.ts", 0],
      ["src/big.ts", 1],
    ])
    expect(first.every((diff) => (diff.html ?? "").includes("diff"))).toBe(true)

    // A marker in the stored HTML survives a resend of the same file, and goes when the file changes.
    await runInDurableObject(shareStub(share.id), (_, state) => {
      state.storage.sql.exec("UPDATE diff SET html = html || '<!--kept-->' WHERE file = 'src/a.ts'")
    })
    await syncShare(share, [{ type: "session_diff", data: [makeDiff("src/a.ts"), makeDiff("src/b.ts")] }])
    const resent = await storedDiffs(share.id)
    expect(resent.map((diff) => diff.file)).toEqual(["src/a.ts", "src/b.ts"])
    expect(resent[0]?.html).toContain("<!--kept-->")
    expect(resent[1]?.html).toContain("src/b.ts")
    await syncShare(share, [{ type: "session_diff", data: [{ ...makeDiff("src/a.ts"), after: "changed\n" }] }])
    expect((await storedDiffs(share.id))[0]?.html).not.toContain("<!--kept-->")
  })
})
