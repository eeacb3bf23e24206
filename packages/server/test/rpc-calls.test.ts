import { makeSessionItems, makeTextPart } from "@cloudsession/protocol/fixtures"
import { describe, expect, it } from "vitest"
import { api, BASE, getShare, uniqueSessionID } from "./helpers.ts"
import { batchRpc, openRpc, rpcFailure } from "./rpc-helpers.ts"

describe("/rpc over WebSocket", () => {
  it("creates a share with its first batch, syncs and deletes it", async () => {
    const { rpc, end } = await openRpc()
    const sessionID = uniqueSessionID("ws_lifecycle")
    const items = makeSessionItems(sessionID, 4, 2)
    const share = await rpc.createShare(sessionID, items)
    expect(share.url).toBe(`${BASE}/share/${share.id}`)
    expect(share.secret.length).toBeGreaterThanOrEqual(32)
    const created = await getShare(share.id)
    expect(created.parts).toHaveLength(4)
    expect(created.metadata.syncCount).toBe(1)

    const part = makeTextPart(sessionID, "msg_00000000", 99, "added over RPC")
    const synced = await rpc.syncShare(share.id, share.secret, [{ type: "part", data: part }], "batch-rpc-0001")
    expect(synced).toMatchObject({ success: true, applied: 1, duplicate: false, syncCount: 2 })
    const replayed = await rpc.syncShare(share.id, share.secret, [{ type: "part", data: part }], "batch-rpc-0001")
    expect(replayed).toMatchObject({ applied: 0, duplicate: true })
    expect((await getShare(share.id)).parts.map((p) => p.id)).toContain(part.id)

    expect(await rpc.deleteShare(share.id, share.secret)).toEqual({ success: true })
    expect((await api(`/api/share/${share.id}`)).status).toBe(410)
    end()
  })

  it("pipelines createShare and a sync on its result without waiting for the first reply", async () => {
    const { rpc, end } = await openRpc()
    const sessionID = uniqueSessionID("ws_pipeline")
    const created = rpc.createShare(sessionID)
    const synced = rpc.syncShare(created.id, created.secret, makeSessionItems(sessionID, 1))
    const [share, result] = await Promise.all([created, synced])
    expect(result).toMatchObject({ success: true, syncCount: 1 })
    expect((await getShare(share.id)).messages).toHaveLength(1)
    end()
  })

  it("hands out a share handle bound to one share after checking its secret once", async () => {
    const { rpc, end } = await openRpc()
    const sessionID = uniqueSessionID("ws_handle")
    const share = await rpc.createShare(sessionID)
    const handle = await rpc.openShare(share.id, share.secret)
    await handle.sync(makeSessionItems(sessionID, 3))
    const info = await handle.info()
    expect(info).toMatchObject({ id: share.id, sessionID, messageCount: 1, partCount: 3, syncCount: 1 })
    expect(info).not.toHaveProperty("secret")
    expect(await handle.delete()).toEqual({ success: true })
    expect((await api(`/api/share/${share.id}`)).status).toBe(410)
    expect((await rpcFailure(handle.info())).code).toBe("gone")
    end()
  })

  it("round-trips Date, Uint8Array and nested objects through probeValue", async () => {
    const { rpc, end } = await openRpc()
    const when = new Date("2026-01-02T03:04:05.678Z")
    const bytes = new Uint8Array([0, 1, 254, 255])
    const nested = { label: "séance ✓", values: [1.5, -2, 3e9], inner: { flag: true } }
    const echoed = await rpc.probeValue({ when, bytes, nested })
    expect(echoed.when).toBeInstanceOf(Date)
    expect(echoed.when.getTime()).toBe(when.getTime())
    // A Uint8Array, though with nodejs_compat capnweb decodes it as its subclass Buffer: compare the bytes.
    expect(echoed.bytes).toBeInstanceOf(Uint8Array)
    expect(Array.from(echoed.bytes)).toEqual([0, 1, 254, 255])
    expect({ ...echoed, bytes: new Uint8Array(echoed.bytes) }).toEqual({ when, bytes, size: 4, nested })
    end()
  })

  it("calls the client back through probeCallback", async () => {
    const { rpc, end } = await openRpc()
    const heard: string[] = []
    const reply = await rpc.probeCallback((message: string) => {
      heard.push(message)
      return `client heard ${message}`
    })
    expect(heard).toEqual(["server-called"])
    expect(reply).toBe("client heard server-called")
    end()
  })
})

describe("/rpc over HTTP batch", () => {
  it("runs pipelined createShare + syncShare in one HTTP round trip", async () => {
    const batch = batchRpc()
    const sessionID = uniqueSessionID("batch_pipeline")
    try {
      const created = batch.rpc.createShare(sessionID)
      const synced = batch.rpc.syncShare(created.id, created.secret, makeSessionItems(sessionID, 2, 1))
      const [share, result] = await Promise.all([created, synced])
      expect(result).toMatchObject({ success: true, applied: 5 })
      expect(batch.responses.map((response) => response.status)).toEqual([200])
      expect((await getShare(share.id)).messages).toHaveLength(2)
    } finally {
      batch.restore()
    }
  })

  it("refuses callbacks, whose call back could only travel in the response it waits for", async () => {
    const batch = batchRpc()
    let calledBack = false
    try {
      const failure = await rpcFailure(
        batch.rpc.probeCallback(() => {
          calledBack = true
          return "never"
        }),
      )
      expect(failure).toEqual({ code: "bad_request", message: "[bad_request] callbacks need a WebSocket" })
      expect(batch.responses.map((response) => response.status)).toEqual([200])
      expect(calledBack).toBe(false)
    } finally {
      batch.restore()
    }
  })

  it("round-trips Date and Uint8Array through probeValue", async () => {
    const batch = batchRpc()
    try {
      const when = new Date(1_700_000_000_123)
      const echoed = await batch.rpc.probeValue({
        when,
        bytes: new Uint8Array([5, 6]),
        nested: { label: "b", values: [] },
      })
      expect(echoed.when).toBeInstanceOf(Date)
      expect(echoed.bytes).toBeInstanceOf(Uint8Array)
      expect({ ...echoed, bytes: new Uint8Array(echoed.bytes) }).toEqual({
        when,
        bytes: new Uint8Array([5, 6]),
        size: 2,
        nested: { label: "b", values: [] },
      })
    } finally {
      batch.restore()
    }
  })

  it("reports service errors with their code", async () => {
    const batch = batchRpc()
    try {
      const failure = await rpcFailure(batch.rpc.syncShare("no-such-share", "x".repeat(43), []))
      expect(failure.code).toBe("not_found")
    } finally {
      batch.restore()
    }
  })
})
