import { env } from "cloudflare:test"
import type { ShareInfo, SyncResult } from "@cloudsession/protocol"
import { makeMessage, makeTextPart } from "@cloudsession/protocol/fixtures"
import { marker } from "@cloudsession/protocol/redaction"
import { CORPUS_SECRETS } from "@cloudsession/protocol/redaction-corpus"
import { describe, expect, it } from "vitest"
import { api, chunkedBody, createShare, errorOf, getShare, uniqueSessionID } from "./helpers.ts"

const MIB = 1024 * 1024

async function syncText(share: ShareInfo, text: string): Promise<Response> {
  return api(`/api/share/${share.id}/sync`, {
    method: "POST",
    body: chunkedBody(text, 256 * 1024),
    headers: { "content-type": "application/json" },
    duplex: "half",
  } as RequestInit)
}

async function syncBody(share: ShareInfo, body: unknown): Promise<SyncResult> {
  const response = await syncText(share, JSON.stringify(body))
  expect(response.status, await response.clone().text()).toBe(200)
  return (await response.json()) as SyncResult
}

async function objectKeys(shareID: string): Promise<string[]> {
  return (await env.SESSIONS_STORE.list({ prefix: `blob/${shareID}/` })).objects.map((object) => object.key)
}

/** Text of `chars` characters that is not one repeated character (so a clipped copy cannot pass for it). */
function filler(seed: string, chars: number): string {
  const line = `${seed} ${"0123456789abcdefghijklmnopqrstuvwxyz".repeat(2)}\n`
  const whole = line.repeat(Math.ceil(chars / line.length))
  return whole.slice(0, chars)
}

describe("items of any size up to the body limit", () => {
  it("stores a 40 MiB part whole, between small items, and serves it back byte for byte", async () => {
    const sessionID = uniqueSessionID("huge_part")
    const share = await createShare(sessionID)
    const message = makeMessage(sessionID, 1)
    const huge = makeTextPart(sessionID, message.id, 2, `huge-start ${filler("é😀", 40 * MIB)} huge-end`)
    const data = [
      { type: "message", data: message },
      { type: "part", data: makeTextPart(sessionID, message.id, 1, "before the big one") },
      { type: "part", data: huge },
      { type: "part", data: makeTextPart(sessionID, message.id, 3, "after the big one") },
    ]
    const result = await syncBody(share, { secret: share.secret, data })
    expect(result.refused).toEqual([])
    expect(result.applied).toBe(4)

    const snapshot = await getShare(share.id)
    expect(snapshot.parts.map((part) => part.id)).toEqual(["prt_00000001", huge.id, "prt_00000003"])
    expect(JSON.stringify(snapshot.parts[1])).toBe(JSON.stringify(huge))
    const upstream = (await (await api(`/api/share/${share.id}/data`)).json()) as {
      type: string
      data: { id?: string }
    }[]
    expect(JSON.stringify(upstream.find((item) => item.type === "part" && item.data.id === huge.id)?.data)).toBe(
      JSON.stringify(huge),
    )
    const whole = await api(`/api/share/${share.id}/part/${huge.id}`)
    expect(whole.status).toBe(200)
    expect(await whole.text()).toBe(JSON.stringify(huge))
    // The part route refuses what it cannot name: an unknown part or share (404), an id no part can have (400).
    expect((await api(`/api/share/${share.id}/part/prt_nope`)).status).toBe(404)
    expect((await api(`/api/share/nope_nope/part/${huge.id}`)).status).toBe(404)
    const overlong = await api(`/api/share/${share.id}/part/${"p".repeat(300)}`)
    expect(overlong.status).toBe(400)
    expect((await errorOf(overlong)).code).toBe("bad_request")
    // The row and its preview, nothing else.
    expect((await objectKeys(share.id)).length).toBe(2)
  })

  it("shows a huge part on the page, its part page and the transcript clipped, with a link to all of it", async () => {
    const sessionID = uniqueSessionID("huge_view")
    const share = await createShare(sessionID)
    const message = makeMessage(sessionID, 1)
    const huge = makeTextPart(sessionID, message.id, 1, `view-start ${filler("view", 12 * MIB)} view-end`)
    await syncBody(share, {
      secret: share.secret,
      data: [
        { type: "message", data: message },
        { type: "part", data: huge },
      ],
    })
    const page = await api(`/share/${share.id}`)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain("view-start")
    expect(html.length).toBeLessThan(2 * MIB)
    const partPage = await (await api(`/share/${share.id}?part=${huge.id}`)).text()
    expect(partPage).toContain("view-start")
    expect(partPage).not.toContain("view-end")
    expect(partPage).toContain(`/api/share/${share.id}/part/${huge.id}`)
    expect(partPage.length).toBeLessThan(2 * MIB)
    const markdown = await (await api(`/share/${share.id}.md`)).text()
    expect(markdown).toContain("view-start")
    expect(markdown).not.toContain("view-end")
    expect(markdown).toContain(`/api/share/${share.id}/part/${huge.id}`)
    expect(markdown.length).toBeLessThan(2 * MIB)
  })

  it("takes a session diff of 45 MiB in files of 1.5 MiB and one 20 MiB file, and serves it back", async () => {
    const sessionID = uniqueSessionID("huge_diff")
    const share = await createShare(sessionID)
    const files = Array.from({ length: 30 }, (_, index) => ({
      file: `src/file-${index}.ts`,
      before: filler(`before ${index}`, 0.75 * MIB),
      after: filler(`after ${index}`, 0.75 * MIB),
      additions: index,
      deletions: 1,
    }))
    const big = { file: "package-lock.json", before: "", after: filler("lock", 20 * MIB), additions: 1, deletions: 0 }
    const diffs = [...files.slice(0, 15), big, ...files.slice(15)]
    const result = await syncBody(share, { secret: share.secret, data: [{ type: "session_diff", data: diffs }] })
    expect(result.refused).toEqual([])
    expect(result.applied).toBe(1)
    const snapshot = await getShare(share.id)
    expect(snapshot.diffs.map((diff) => diff.file)).toEqual(diffs.map((diff) => diff.file).sort())
    const byFile = new Map(snapshot.diffs.map((diff) => [diff.file, diff]))
    for (const diff of diffs) expect(JSON.stringify(byFile.get(diff.file)), diff.file).toBe(JSON.stringify(diff))
    const page = await api(`/share/${share.id}`)
    expect(page.status).toBe(200)

    // The next set replaces this one: the objects of files no longer in it go.
    await syncBody(share, { secret: share.secret, data: [{ type: "session_diff", data: [files[0]] }] })
    expect((await getShare(share.id)).diffs).toEqual([files[0]])
    // files[0] itself is over the inline limit: its new row is the one object left.
    expect(await objectKeys(share.id)).toHaveLength(1)
  })

  it("redacts secrets anywhere in a huge part, also across the places it is cut", async () => {
    const sessionID = uniqueSessionID("huge_secret")
    const share = await createShare(sessionID)
    const message = makeMessage(sessionID, 1)
    const secrets = CORPUS_SECRETS.slice(0, 6)
    const pieces = secrets.flatMap((entry, index) => [filler(`chunk ${index}`, 1.5 * MIB + index * 4099), entry.text])
    const huge = makeTextPart(sessionID, message.id, 1, pieces.join("\n"))
    await syncBody(share, {
      secret: share.secret,
      data: [
        { type: "message", data: message },
        { type: "part", data: huge },
      ],
    })
    const stored = await (await api(`/api/share/${share.id}/part/${huge.id}`)).text()
    const preview = await (await api(`/share/${share.id}?part=${huge.id}`)).text()
    for (const entry of secrets) {
      expect(stored, entry.name).not.toContain(JSON.stringify(entry.secret).slice(1, -1))
      expect(stored, entry.name).toContain(marker(entry.rule))
      expect(preview, entry.name).not.toContain(entry.secret)
    }
  })

  it("refuses a huge row before the secret, one of millions of small values, and a huge item of unknown type", async () => {
    const sessionID = uniqueSessionID("huge_refused")
    const share = await createShare(sessionID)
    const message = makeMessage(sessionID, 1)
    const late = await syncBody(share, {
      data: [{ type: "part", data: makeTextPart(sessionID, message.id, 1, filler("late", 6 * MIB)) }],
      secret: share.secret,
    })
    expect(late.refused).toEqual([expect.objectContaining({ index: 0, code: "payload_too_large" })])
    expect(late.refused[0]?.reason).toContain("secret")

    const many = { ...makeTextPart(sessionID, message.id, 2), numbers: Array.from({ length: 1_200_000 }, (_, i) => i) }
    const tooMany = await syncBody(share, { secret: share.secret, data: [{ type: "part", data: many }] })
    expect(tooMany.refused).toEqual([expect.objectContaining({ index: 0, code: "payload_too_large" })])

    const typeLast = await syncBody(share, {
      secret: share.secret,
      data: [
        { data: makeTextPart(sessionID, message.id, 3, filler("last", 17 * MIB)), type: "part" },
        { type: "part", data: makeTextPart(sessionID, message.id, 4, "kept") },
      ],
    })
    expect(typeLast.refused).toEqual([expect.objectContaining({ index: 0, code: "payload_too_large" })])
    expect(typeLast.refused[0]?.reason).toContain("type before its data")
    expect((await getShare(share.id)).parts.map((part) => part.id)).toEqual(["prt_00000004"])
    expect(await objectKeys(share.id)).toEqual([])
  })

  it("leaves nothing behind when the body breaks off in the middle of a huge row, or replays a batch", async () => {
    const sessionID = uniqueSessionID("huge_broken")
    const share = await createShare(sessionID)
    const message = makeMessage(sessionID, 1)
    const part = makeTextPart(sessionID, message.id, 1, filler("broken", 12 * MIB))
    const text = JSON.stringify({ secret: share.secret, data: [{ type: "part", data: part }] })
    const broken = await syncText(share, text.slice(0, 11 * MIB))
    expect(broken.status).toBe(400)
    expect(await objectKeys(share.id)).toEqual([])
    // A row of 2 MiB (put in R2 whole, for a piece not sent yet) before the break goes too.
    const mid = makeTextPart(sessionID, message.id, 5, filler("mid", 2 * MIB))
    const withMid = JSON.stringify({
      secret: share.secret,
      data: [
        { type: "part", data: mid },
        { type: "part", data: part },
      ],
    })
    expect((await syncText(share, withMid.slice(0, 8 * MIB))).status).toBe(400)
    expect(await objectKeys(share.id)).toEqual([])
    // So do a session diff's files when the item turns out to name its data twice.
    const file = { file: "big.txt", before: "", after: filler("file", 2 * MIB) }
    const twice = `{"secret":${JSON.stringify(share.secret)},"data":[{"type":"session_diff","data":[${JSON.stringify(file)}],"data":[]}]}`
    const refused = (await (await syncText(share, twice)).json()) as SyncResult
    expect(refused.refused).toEqual([expect.objectContaining({ index: 0, code: "bad_request" })])
    expect(await objectKeys(share.id)).toEqual([])

    const body = { secret: share.secret, batchID: "b_huge_once", data: [{ type: "part", data: part }] }
    const first = await syncBody(share, body)
    expect(first.refused).toEqual([])
    expect(first.applied).toBe(1)
    const keys = await objectKeys(share.id)
    expect(keys).toHaveLength(2)
    const replay = await syncBody(share, body)
    expect(replay.duplicate).toBe(true)
    expect(await objectKeys(share.id)).toEqual(keys)

    // Replaced by a small copy: the big row's object and preview go.
    await syncBody(share, { secret: share.secret, data: [{ type: "part", data: { ...part, text: "small" } }] })
    expect(await objectKeys(share.id)).toEqual([])
  })
})
