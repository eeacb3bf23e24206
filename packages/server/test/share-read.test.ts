import { env, runInDurableObject } from "cloudflare:test"
import type { Part, SyncData } from "@cloudsession/protocol"
import { messageMarkdown, transcriptHeading } from "@cloudsession/protocol"
import { makeMessage, makeSessionItems, makeTextPart, makeToolPart } from "@cloudsession/protocol/fixtures"
import { describe, expect, it } from "vitest"
import { unwrap } from "../src/share-object/outcome.ts"
import type { PageKey } from "../src/share-object/store.ts"
import { api, createShare, getShare, syncShare, uniqueSessionID } from "./helpers.ts"

describe("reading a share in pages", () => {
  it("pages messages and parts by key: every row once, in display order", async () => {
    const sessionID = uniqueSessionID("pages")
    const share = await createShare(sessionID, makeSessionItems(sessionID, 95, 7))
    const stub = env.SHARES.get(env.SHARES.idFromName(share.id))
    const pages = await runInDurableObject(stub, async (instance) => {
      const seen: { rows: number; next?: PageKey }[] = []
      const ids: string[] = []
      let after: PageKey = []
      for (;;) {
        // ~3 rows a page: the budget is in characters of JSON, and each part is about 100 of them.
        const page = unwrap(await instance.readRows({ shareID: share.id, table: "part", after, maxBytes: 250 }))
        seen.push({ rows: page.rows.length, next: page.next })
        ids.push(...page.rows.map((row) => (JSON.parse(String(row)) as Part).id))
        if (page.next === undefined) return { seen, ids }
        after = page.next
      }
    })
    expect(pages.seen.length).toBeGreaterThan(20)
    expect(pages.ids).toHaveLength(95)
    expect(new Set(pages.ids).size).toBe(95)
    const snapshot = await getShare(share.id)
    expect(pages.ids).toEqual(snapshot.parts.map((part) => part.id))
  })

  it("streams a share larger than one page as one valid JSON document", async () => {
    const sessionID = uniqueSessionID("large")
    const share = await createShare(sessionID)
    const big = (index: number): SyncData => ({
      type: "part",
      data: makeTextPart(sessionID, `msg_${index % 2}`, index, `${index}:`.padEnd(900 * 1024, "x")),
    })
    // 6 parts of 0.9 MiB: over the 4 MiB page, in batches under the 4 MiB body limit.
    for (const from of [0, 3]) await syncShare(share, [big(from), big(from + 1), big(from + 2)])
    const response = await api(`/api/share/${share.id}`)
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toContain("application/json")
    const snapshot = (await response.json()) as { parts: Part[]; metadata: { version: number } }
    expect(snapshot.parts.map((part) => part.id)).toEqual(
      [0, 2, 4, 1, 3, 5].map((index) => makeTextPart(sessionID, "m", index).id),
    )
    expect(snapshot.metadata.version).toBe(2)
    // The same pages in upstream's flat shape: every entry typed, in the same order.
    const data = (await (await api(`/api/share/${share.id}/data`)).json()) as { type: string; data: { id: string } }[]
    expect(data.filter((item) => item.type === "part").map((item) => item.data.id)).toEqual(
      snapshot.parts.map((part) => part.id),
    )
    expect(data.map((item) => item.type).slice(-2)).toEqual(["session_diff", "model"])
  })

  it("ends a stream with an error when the share is deleted while it is read, on every streamed route", async () => {
    for (const route of ["", "/data", ".md"]) {
      const sessionID = uniqueSessionID("deleted-midway")
      const share = await createShare(sessionID)
      // 8 parts of 0.3 MiB: each its own page of the streamed read, so most pages are asked for after the delete.
      const parts: SyncData[] = Array.from({ length: 8 }, (_, index) => ({
        type: "part",
        data: makeTextPart(sessionID, "msg_0", index, `${index}:`.padEnd(300 * 1024, "y")),
      }))
      await syncShare(share, parts)
      const path = route === ".md" ? `/share/${share.id}.md` : `/api/share/${share.id}${route}`
      const response = await api(path)
      expect(response.status).toBe(200)
      const reader = response.body?.getReader()
      if (reader === undefined) throw new Error(`${path}: no body`)
      expect((await reader.read()).done).toBe(false)
      const removed = await api(`/api/share/${share.id}`, { method: "DELETE", json: { secret: share.secret } })
      expect(removed.status).toBe(200)
      const drain = async () => {
        // Read to the end: the stream must fail, not end as if the share were whole.
        for (let chunk = await reader.read(); chunk.done !== true; chunk = await reader.read());
      }
      await expect(drain(), path).rejects.toThrow()
    }
  })

  it("streams the transcript page by page, each message with its parts and orphans where their message would be", async () => {
    const sessionID = uniqueSessionID("transcript")
    const share = await createShare(sessionID)
    const [first, missing, last] = [0, 1, 2].map((index) =>
      makeMessage(sessionID, index, index === 0 ? "user" : "assistant"),
    )
    if (first === undefined || missing === undefined || last === undefined) throw new Error("no messages")
    const text = (index: number, messageID: string, chars: number) =>
      makeTextPart(sessionID, messageID, index, `${index}:`.padEnd(chars, "t"))
    // Pages end every ~256 KiB, so sections are cut across calls; `missing` never arrives, so its parts are orphans
    // between the two sections; parts of a message after the last one are orphans at the end.
    await syncShare(share, [
      { type: "message", data: first },
      { type: "message", data: last },
      ...[0, 1, 2].map((index): SyncData => ({ type: "part", data: text(index, first.id, 200 * 1024) })),
      { type: "part", data: { ...makeTextPart(sessionID, first.id, 3, "hidden"), synthetic: true } },
      ...[4, 5].map((index): SyncData => ({ type: "part", data: text(index, missing.id, 200 * 1024) })),
      { type: "part", data: makeToolPart(sessionID, last.id, 6) },
      { type: "part", data: makeTextPart(sessionID, `${last.id}9`, 7, "last words") },
    ])
    // One part over a SQLite row (kept in R2), inside the last message's section.
    await syncShare(share, [{ type: "part", data: text(8, last.id, 1200 * 1024) }])
    const streamed = await (await api(`/share/${share.id}.md`)).text()
    const snapshot = await getShare(share.id)
    const of = (messageID: string) => snapshot.parts.filter((part) => part.messageID === messageID)
    const sections = [
      messageMarkdown(first, of(first.id)),
      messageMarkdown(undefined, of(missing.id)),
      messageMarkdown(last, of(last.id)),
      messageMarkdown(undefined, of(`${last.id}9`)),
    ]
    const heading = transcriptHeading(snapshot.session, { messages: 2, parts: 9 })
    const expected = `${heading}\n\n${sections.map((section) => `${section}\n\n`).join("")}`
    expect(streamed.length).toBeGreaterThan(2_000_000)
    // Long runs squeezed, so a failure prints where the documents differ rather than megabytes of "t".
    const squeeze = (markdown: string) => markdown.replace(/(.)\1{40,}/g, (run) => `${run[0]}×${run.length}`)
    expect(squeeze(streamed)).toBe(squeeze(expected))
  })

  it("answers 404 for an unknown share before any of the stream is sent", async () => {
    const response = await api("/api/share/NoSuchShare0000000000a")
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ error: { code: "not_found" } })
  })
})
