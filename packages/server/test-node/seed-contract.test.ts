import type { SeedShareRpc, ShareRpc, ShareSnapshot } from "@cloudsession/protocol"
import { makeSessionItems } from "@cloudsession/protocol/fixtures"
import { newHttpBatchRpcSession, newWebSocketRpcSession } from "capnweb"
import { describe, expect, inject, it } from "vitest"
import WebSocket from "ws"

globalThis.WebSocket ??= WebSocket as unknown as typeof globalThis.WebSocket

const workerUrl = inject("workerUrl")
const key = inject("rpcToken")

/** Exactly how the fork's share-next.ts opens its session (OPENCODE_SHARE_TRANSPORT=rpc, OPENCODE_SHARE_RPC_KEY). */
function forkSession(shareKey: string, base = workerUrl) {
  return newHttpBatchRpcSession<SeedShareRpc>(
    new Request(`${base}/rpc/share`, { headers: { "x-opencode-share-key": shareKey } }),
  )
}

async function snapshot(id: string): Promise<ShareSnapshot> {
  const response = await fetch(`${workerUrl}/api/share/${id}`)
  expect(response.status).toBe(200)
  return (await response.json()) as ShareSnapshot
}

async function failure(call: Promise<unknown>): Promise<unknown> {
  try {
    await call
  } catch (error) {
    return error
  }
  throw new Error("expected the call to fail")
}

describe("the seed contract at /rpc/share, driven like the fork's client", () => {
  it("creates with the whole session, syncs and deletes, answering as the seed's rpc.ts", async () => {
    const items = makeSessionItems("ses_fork_client", 6)
    const share = await forkSession(key).createShare("ses_fork_client", items)
    expect(Object.keys(share).sort()).toEqual(["id", "secret", "url"])
    expect(share.url).toBe(`${workerUrl}/share/${share.id}`)
    expect((await snapshot(share.id)).parts).toHaveLength(6)

    const synced = await forkSession(key).syncShare(share.id, share.secret, makeSessionItems("ses_fork_client", 9))
    expect(synced).toEqual({ success: true, syncCount: 2 })
    expect((await snapshot(share.id)).parts).toHaveLength(9)

    expect(await forkSession(key).deleteShare(share.id, share.secret)).toEqual({ success: true })
    expect((await fetch(`${workerUrl}/api/share/${share.id}`)).status).toBe(410)
  })

  it("probeValue answers with the seed's types: when as an ISO string, bytes as numbers", async () => {
    const when = new Date("2026-01-02T03:04:05.678Z")
    const answer = await forkSession(key).probeValue({ when, bytes: new Uint8Array([1, 2, 250]), nested: { x: 42 } })
    expect(answer).toEqual({ when: "2026-01-02T03:04:05.678Z", bytes: [1, 2, 250], size: 3, nested: { x: 42 } })
    expect(typeof answer.when).toBe("string")
    expect(Array.isArray(answer.bytes)).toBe(true)
  })

  it("probeCallback calls back over a WebSocket, with the key in the same header", async () => {
    const socket = new WebSocket(`${workerUrl.replace(/^http/, "ws")}/rpc/share`, {
      headers: { "x-opencode-share-key": key },
    })
    await new Promise((resolve, reject) => {
      socket.on("open", resolve)
      socket.on("error", reject)
    })
    const rpc = newWebSocketRpcSession<SeedShareRpc>(socket as unknown as globalThis.WebSocket)
    expect(await rpc.probeCallback((message) => `client got ${message}`)).toBe("client got server-called")
    socket.close()
  })

  it("passes the same gate as Authorization: Bearer (no key, a wrong key, two tokens, a foreign Origin)", async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${workerUrl}/rpc/share`, { method: "POST", headers, body: '["pull",1]' })
    expect((await post({})).status).toBe(401)
    expect((await post({ "x-opencode-share-key": "not-a-configured-token" })).status).toBe(401)
    expect((await post({ "x-opencode-share-key": key, Authorization: `Bearer ${key}` })).status).toBe(400)
    expect((await post({ "x-opencode-share-key": key, Origin: "https://evil.example" })).status).toBe(403)
    // A refused session fails its calls; the same key also opens our own contract at /rpc.
    const refused = await failure(forkSession("not-a-configured-token").deleteShare("x", "y"))
    expect(String(refused)).toMatch(/401|token/)
    const own = newHttpBatchRpcSession<ShareRpc>(
      new Request(`${workerUrl}/rpc`, { headers: { "x-opencode-share-key": key } }),
    )
    const probed = await own.probeValue({
      when: new Date(0),
      bytes: new Uint8Array([7]),
      nested: { label: "a", values: [] },
    })
    expect(probed.size).toBe(1)
  })
})
