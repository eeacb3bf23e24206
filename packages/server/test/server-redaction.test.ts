import { createExecutionContext, env } from "cloudflare:test"
import type { ShareInfo, ShareSnapshot } from "@cloudsession/protocol"
import { marker } from "@cloudsession/protocol/redaction"
import { CORPUS_LOOKALIKES, CORPUS_SECRETS, corpusSessionItems } from "@cloudsession/protocol/redaction-corpus"
import { describe, expect, it } from "vitest"
import { app } from "../src/app.ts"
import type { Env } from "../src/env.ts"
import { api, BASE, getShare, uniqueSessionID } from "./helpers.ts"
import { bearer, CURRENT_TOKEN, openRpc } from "./rpc-helpers.ts"

/** JSON text of `value` as it appears inside a JSON document (escapes included, quotes off). */
const inJson = (value: string) => JSON.stringify(value).slice(1, -1)

async function createOverHttp(sessionID: string, bindings: Env = env): Promise<ShareInfo> {
  const items = corpusSessionItems(sessionID)
  const request = new Request(`${BASE}/api/share`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sessionID, initialData: items.slice(0, 10) }),
  })
  const response = await app.fetch(request, bindings, createExecutionContext())
  expect(response.status).toBe(201)
  const share = (await response.json()) as ShareInfo
  const sync = new Request(`${BASE}/api/share/${share.id}/sync`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ secret: share.secret, data: items.slice(10) }),
  })
  expect((await app.fetch(sync, bindings, createExecutionContext())).status).toBe(200)
  return share
}

describe("the server redacts items from clients that do not (the JSON API), with the client's rules, in workerd", () => {
  it("a stranger with the link sees markers where the corpus's secrets were, and every look-alike intact", async () => {
    const share = await createOverHttp(uniqueSessionID("http-redact"))
    const text = JSON.stringify(await getShare(share.id))
    for (const entry of CORPUS_SECRETS) {
      expect(text, entry.name).not.toContain(inJson(entry.secret))
      expect(text, entry.name).toContain(marker(entry.rule))
    }
    for (const entry of CORPUS_LOOKALIKES) expect(text, entry.name).toContain(inJson(entry.text))
    const page = await (await api(`/share/${share.id}`)).text()
    expect(page).toContain("[redacted:github]")
  })

  it("leaves items over /rpc as the client sent them (it redacted, or its owner opted out), and REDACT_HTTP_ITEMS=false", async () => {
    const { rpc, end } = await openRpc(bearer(CURRENT_TOKEN))
    try {
      const sessionID = uniqueSessionID("rpc-as-sent")
      const share = await rpc.createShare(sessionID, corpusSessionItems(sessionID))
      const snapshot: ShareSnapshot = await getShare(share.id)
      for (const entry of CORPUS_SECRETS) expect(JSON.stringify(snapshot)).toContain(inJson(entry.secret))
    } finally {
      end()
    }
    const optedOut = await createOverHttp(uniqueSessionID("http-optout"), { ...env, REDACT_HTTP_ITEMS: "false" })
    const text = JSON.stringify(await getShare(optedOut.id))
    for (const entry of CORPUS_SECRETS) expect(text).toContain(inJson(entry.secret))
  })
})

describe('a sync that says `"redaction": "client"` is stored as sent, as over /rpc', () => {
  const sync = (share: ShareInfo, body: string) =>
    api(`/api/share/${share.id}/sync`, { method: "POST", body, headers: { "content-type": "application/json" } })

  it("keeps secrets in small and huge items alike, and refuses the field after the secret or with another value", async () => {
    const sessionID = uniqueSessionID("client-redacted")
    const created = await api("/api/share", { method: "POST", json: { sessionID } })
    const share = (await created.json()) as ShareInfo
    const [entry] = CORPUS_SECRETS
    if (entry === undefined) throw new Error("the corpus has no secret")
    const part = (id: string, text: string) => ({
      type: "part",
      data: { id, sessionID, messageID: "msg_1", type: "text", text },
    })
    const huge = part("prt_huge", `${"line of text\n".repeat(500_000)}${entry.text}`)
    const items = [part("prt_small", entry.text), huge]
    const late = await sync(share, JSON.stringify({ secret: share.secret, redaction: "client", data: [] }))
    expect(late.status).toBe(400)
    const other = await sync(share, JSON.stringify({ redaction: "none", secret: share.secret, data: [] }))
    expect(other.status).toBe(400)
    expect((await getShare(share.id)).parts).toEqual([])

    const stored = await sync(share, JSON.stringify({ redaction: "client", secret: share.secret, data: items }))
    expect(stored.status, await stored.clone().text()).toBe(200)
    const text = JSON.stringify(await getShare(share.id))
    expect(text).toContain(inJson(entry.text))
    expect(text).not.toContain(marker(entry.rule))

    // The same items without the field: the server redacts them, the huge one included.
    const redacted = await sync(share, JSON.stringify({ secret: share.secret, data: items }))
    expect(redacted.status).toBe(200)
    const after = JSON.stringify(await getShare(share.id))
    expect(after).not.toContain(inJson(entry.secret))
    expect(after.split(marker(entry.rule)).length - 1).toBe(2)
  })
})
