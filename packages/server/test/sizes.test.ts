import { env } from "cloudflare:test"
import type { ShareInfo, ShareSnapshot, SyncResult } from "@cloudsession/protocol"
import { makeMessage, makeSessionItems, makeTextPart } from "@cloudsession/protocol/fixtures"
import { describe, expect, it } from "vitest"
import { MAX_HELD_ITEM_CHARS } from "../src/service/item-reader.ts"
import { readSyncBody } from "../src/service/sync-body.ts"
import { api, chunkedBody, createShare, errorOf, getShare, uniqueSessionID } from "./helpers.ts"
import { openRpc } from "./rpc-helpers.ts"

const MIB = 1024 * 1024

async function syncHttp(share: ShareInfo, body: unknown): Promise<Response> {
  return api(`/api/share/${share.id}/sync`, { method: "POST", json: body })
}

async function blobCount(shareID: string): Promise<number> {
  return (await env.SESSIONS_STORE.list({ prefix: `blob/${shareID}/` })).objects.length
}

describe("a refused item never takes the others with it", () => {
  it("over HTTP: applies the rest and says which items were refused, and why", async () => {
    const sessionID = uniqueSessionID("refused_http")
    const share = await createShare(sessionID)
    const good = makeSessionItems(sessionID, 4)
    const response = await syncHttp(share, {
      secret: share.secret,
      data: [
        { type: "bogus", data: {} },
        ...good,
        { type: "part", data: { type: "text", text: "no ids" } },
        { type: "part", data: makeTextPart("ses_someone_else", "msg_1", 1) },
      ],
    })
    expect(response.status).toBe(200)
    const result = (await response.json()) as SyncResult
    expect(result.applied).toBe(good.length)
    expect(result.refused.map((item) => [item.index, item.type, item.code])).toEqual([
      [0, "bogus", "bad_request"],
      [good.length + 1, "part", "bad_request"],
      [good.length + 2, "part", "bad_request"],
    ])
    expect(result.refused[2]?.reason).toContain("ses_someone_else")
    expect((await getShare(share.id)).parts).toHaveLength(4)
  })

  it("over RPC: the same answer", async () => {
    const { rpc, end } = await openRpc()
    const sessionID = uniqueSessionID("refused_rpc")
    const share = await rpc.createShare(sessionID)
    const items = makeSessionItems(sessionID, 3)
    const bad = { type: "part", data: { id: "p", sessionID, messageID: "m" } } as never
    const result = await rpc.syncShare(share.id, share.secret, [...items, bad])
    expect(result.applied).toBe(items.length)
    expect(result.refused).toEqual([
      expect.objectContaining({ index: items.length, type: "part", code: "bad_request" }),
    ])
    end()
  })

  it("refuses only an item too big to hold, not its neighbours (413 for it alone)", async () => {
    const sessionID = uniqueSessionID("refused_big")
    const share = await createShare(sessionID)
    const huge = "z".repeat(MAX_HELD_ITEM_CHARS + 10)
    // Named data before type: it cannot stream, so it is held, and it is over what is held.
    const response = await syncHttp(share, {
      secret: share.secret,
      data: [
        { type: "part", data: makeTextPart(sessionID, "msg_1", 1, "before") },
        { data: makeTextPart(sessionID, "msg_1", 2, huge), type: "part" },
        { type: "part", data: makeTextPart(sessionID, "msg_1", 3, "after") },
      ],
    })
    expect(response.status).toBe(200)
    const result = (await response.json()) as SyncResult
    expect(result.refused).toEqual([expect.objectContaining({ index: 1, code: "payload_too_large" })])
    expect((await getShare(share.id)).parts.map((part) => part.id)).toEqual(["prt_00000001", "prt_00000003"])
  })
})

describe("sizes a real session has", () => {
  it("takes upstream's whole history in one POST (1 500 items, a 1.4 MiB file part) and stores every byte", async () => {
    const sessionID = uniqueSessionID("full_sync")
    const share = await createShare(sessionID)
    const items = makeSessionItems(sessionID, 1500)
    const screenshot = `data:image/png;base64,${"iVBORw0KGgo".repeat(Math.ceil((1.4 * MIB) / 11))}`
    const file = {
      id: "prt_screenshot",
      sessionID,
      messageID: "msg_00000000",
      type: "file",
      mime: "image/png",
      url: screenshot,
    }
    const diff = {
      file: "package-lock.json",
      before: "",
      after: `{"lock":"${"a".repeat(1.4 * MIB)}"}`,
      additions: 1,
      deletions: 0,
    }
    const data = [...items, { type: "part", data: file }, { type: "session_diff", data: [diff] }]
    const response = await syncHttp(share, { secret: share.secret, data })
    expect(response.status, await response.clone().text()).toBe(200)
    expect(((await response.json()) as SyncResult).refused).toEqual([])
    expect(await blobCount(share.id)).toBe(2)

    const snapshot = (await getShare(share.id)) as ShareSnapshot
    expect(snapshot.parts).toHaveLength(1501)
    expect(JSON.stringify(snapshot.parts.find((part) => part.id === "prt_screenshot"))).toBe(JSON.stringify(file))
    expect(JSON.stringify(snapshot.diffs)).toBe(JSON.stringify([diff]))
    const upstream = (await (await api(`/api/share/${share.id}/data`)).json()) as { type: string; data: unknown }[]
    expect(upstream.filter((item) => item.type === "part")).toHaveLength(1501)

    // A replaced big row drops its old R2 object; deleting the share drops them all.
    const smaller = { ...file, url: "data:image/png;base64,AAAA" }
    expect((await syncHttp(share, { secret: share.secret, data: [{ type: "part", data: smaller }] })).status).toBe(200)
    expect(await blobCount(share.id)).toBe(1)
    expect((await api(`/api/share/${share.id}`, { method: "DELETE", json: { secret: share.secret } })).status).toBe(200)
    expect(await blobCount(share.id)).toBe(0)
  })

  it("shows rows kept in R2 on the page, the part page and the Markdown transcript", async () => {
    const sessionID = uniqueSessionID("r2_page")
    const share = await createShare(sessionID)
    const prompt = makeMessage(sessionID, 0, "user")
    const answer = makeMessage(sessionID, 1)
    const big = makeTextPart(sessionID, answer.id, 2, `big-start ${"word ".repeat((1.2 * MIB) / 5)} big-end`)
    const data = [
      { type: "message", data: prompt },
      { type: "part", data: makeTextPart(sessionID, prompt.id, 1, "the small prompt") },
      { type: "message", data: answer },
      { type: "part", data: big },
    ]
    expect((await syncHttp(share, { secret: share.secret, data })).status).toBe(200)
    expect(await blobCount(share.id)).toBe(1)

    const page = await api(`/share/${share.id}`)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain("the small prompt")
    expect(html).toContain("big-start")
    const whole = await api(`/share/${share.id}?part=${big.id}`)
    expect(whole.status).toBe(200)
    expect(await whole.text()).toContain("big-end")
    const markdown = await (await api(`/share/${share.id}.md`)).text()
    expect(markdown).toContain("the small prompt")
    expect(markdown).toContain("big-end")
  })

  it("writes about two rows per synced part, not four", async () => {
    const sessionID = uniqueSessionID("rows")
    const share = await createShare(sessionID, makeSessionItems(sessionID, 20))
    const parts = Array.from({ length: 10 }, (_, index) => ({
      type: "part" as const,
      data: makeTextPart(sessionID, "msg_00000001", 900 + index),
    }))
    const result = (await (await syncHttp(share, { secret: share.secret, data: parts })).json()) as SyncResult
    expect(result.cost.rowsWritten).toBeLessThanOrEqual(2 * parts.length + 1)
  })
})

describe("the streamed body reader", () => {
  const spill = { spill: () => undefined, redact: false }
  const options = { listKey: "data", fields: ["secret", "batchID"], spill, maxItems: 5, maxBodyBytes: 4096 }
  const events = async (text: string, size?: number) => {
    const out = []
    for await (const event of readSyncBody(chunkedBody(text, size), options)) out.push(event)
    return out
  }

  it("yields fields and items as they come, split anywhere, keeping only an item's type and data", async () => {
    const part = { id: "p", text: "é😀\n\u0000", n: [1, -2.5e3, true, null] }
    const body = JSON.stringify({
      secret: "s3cret",
      skip: { deep: [1, "x"] },
      data: [
        { type: "part", extra: { deep: ["dropped"] }, data: part },
        7,
        { data: [1, "two"], type: "model" },
        { type: "session_diff", data: [{ file: "a" }, { file: "b", after: "x" }] },
        null,
      ],
    })
    for (const size of [1, 3, 7, 4096]) {
      expect(await events(body, size)).toEqual([
        { kind: "field", name: "secret", value: "s3cret" },
        { kind: "item", index: 0, text: JSON.stringify({ type: "part", data: part }) },
        { kind: "item", index: 1, text: "7" },
        { kind: "item", index: 2, text: JSON.stringify({ type: "model", data: [1, "two"] }) },
        { kind: "diff-entry", index: 3, entry: { kind: "held", text: '{"file":"a"}' } },
        { kind: "diff-entry", index: 3, entry: { kind: "held", text: '{"file":"b","after":"x"}' } },
        { kind: "diff-end", index: 3 },
        { kind: "item", index: 4, text: "null" },
      ])
    }
  })

  it("refuses an item that names its type or data twice", async () => {
    const body = '{"secret":"s","data":[{"type":"part","type":"message","data":{}},{"type":"part","data":1,"data":2}]}'
    expect(await events(body)).toEqual([
      { kind: "field", name: "secret", value: "s" },
      { kind: "refused", index: 0, code: "bad_request", reason: "type twice" },
      { kind: "refused", index: 1, code: "bad_request", reason: "data twice" },
    ])
  })

  it("refuses malformed JSON, a body over its limit, too many items and a missing list", async () => {
    const failure = async (text: string) => {
      try {
        await events(text)
      } catch (error) {
        return String(error)
      }
      return "no error"
    }
    expect(await failure('{"data":[1,')).toContain("not valid JSON")
    expect(await failure(`{"data":[],"pad":"${"p".repeat(5000)}"}`)).toContain("exceeds 4096 bytes")
    expect(await failure('{"data":[1,2,3,4,5,6]}')).toContain("at most 5 items")
    expect(await failure('{"secret":"s"}')).toContain("required")
    expect(await failure('[{"data":[]}]')).toContain("JSON object")
  })

  it("answers a sync with a wrong secret 403 before reading further", async () => {
    const sessionID = uniqueSessionID("wrong_secret_stream")
    const share = await createShare(sessionID)
    const response = await syncHttp(share, { secret: "nope-nope", data: makeSessionItems(sessionID, 3) })
    expect(response.status).toBe(403)
    expect((await errorOf(response)).code).toBe("forbidden")
  })
})
