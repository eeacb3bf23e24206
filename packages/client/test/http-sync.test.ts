import { createHash } from "node:crypto"
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net"
import { join } from "node:path"
import { LIMITS, type Part, type SyncData } from "@cloudsession/protocol"
import { makeSessionItems, makeTextPart } from "@cloudsession/protocol/fixtures"
import { marker } from "@cloudsession/protocol/redaction"
import { CORPUS_SECRETS } from "@cloudsession/protocol/redaction-corpus"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { connect } from "../src/connection/connection.ts"
import { CleartextRefusedError } from "../src/connection/errors.ts"
import { syncEndpoint } from "../src/connection/http-sync.ts"
import { ShareClient } from "../src/share-client.ts"
import type { BatchSent } from "../src/sync/outbox-sender.ts"
import { type BatchBudget, DEFAULT_BUDGET, ItemTooLargeError, packBatches } from "../src/sync/pack.ts"
import {
  closeTestStores,
  openTestStore,
  removeTempDirs,
  snapshotOf,
  tempDir,
  testServer,
  withClient,
} from "./helpers.ts"
import { watchClientSockets } from "./socket-watch.ts"

afterEach(closeTestStores)
afterAll(removeTempDirs)

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

/** Text of about `bytes` UTF-8 bytes, nothing in it a redaction rule takes for a secret, some of it not ASCII. */
function bigText(bytes: number): string {
  const lines: string[] = []
  let size = 0
  for (let line = 0; size < bytes; line++) {
    const text = `${String(line).padStart(7, "0")} the quick brown fox — jumps over the lazy dog, naïve café ☕\n`
    lines.push(text)
    size += Buffer.byteLength(text)
  }
  return lines.join("")
}

function bigPart(sessionID: string, bytes: number): SyncData & { type: "part" } {
  return { type: "part", data: makeTextPart(sessionID, "msg_00000000", 9000, bigText(bytes)) }
}

/** The part as `GET /api/share/:id` serves it, or a failed test. */
async function servedPart(shareID: string, partID: string): Promise<Part> {
  const part = (await snapshotOf(shareID)).parts.find((each) => each.id === partID)
  if (part === undefined) throw new Error(`part ${partID} is not in the share`)
  return part
}

/** Small thresholds (the same code paths): 8 KiB over RPC, 256 KiB over HTTP. */
const SMALL: BatchBudget = {
  maxBytes: 4 * 1024,
  maxItems: 50,
  maxItemBytes: 8 * 1024,
  maxStreamedItemBytes: 256 * 1024,
}

/**
 * A TCP relay in front of the test Worker that loses the answer of the first streamed sync it sees: the Worker got
 * and applied the whole body, the client hears its connection close. Everything else passes untouched (the RPC
 * WebSocket too). `syncRequests` keeps the head of each sync request as it went out, to see what it carried.
 */
async function lossyRelay(target: string): Promise<{ url: string; syncRequests: string[]; close: () => void }> {
  const upstream = new URL(target)
  const syncRequests: string[] = []
  const sockets = new Set<Socket>()
  let dropped = false
  const server: Server = createServer((client) => {
    const worker = tcpConnect(Number(upstream.port), upstream.hostname)
    sockets.add(client).add(worker)
    let dropAnswer = false
    client.on("data", (chunk: Buffer) => {
      const head = chunk.subarray(0, 2048).toString("latin1")
      if (/^POST \/api\/share\/[^ ]+\/sync HTTP/.test(head)) {
        syncRequests.push(head.split("\r\n\r\n")[0] ?? head)
        if (!dropped) dropAnswer = true
        dropped = true
      }
      worker.write(chunk)
    })
    worker.on("data", (chunk: Buffer) => {
      if (!dropAnswer) return void client.write(chunk)
      client.destroy()
      worker.destroy()
    })
    const end = () => {
      client.destroy()
      worker.destroy()
    }
    client.on("close", end).on("error", end)
    worker.on("close", end).on("error", end)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error("relay has no port")
  return {
    url: `http://127.0.0.1:${address.port}`,
    syncRequests,
    close: () => {
      for (const socket of sockets) socket.destroy()
      server.close()
    },
  }
}

describe("items too big for one RPC message go over the streamed HTTP sync", () => {
  it("shares a 12 MiB part byte for byte; the session's other items still go over RPC", async () => {
    const sent: BatchSent[] = []
    const items = makeSessionItems("ses_http_big", 30)
    const big = bigPart("ses_http_big", 12 * 1024 * 1024)
    expect(JSON.stringify(big).length).toBeGreaterThan(LIMITS.maxBodyBytes)
    const watch = watchClientSockets()
    const outcome = await withClient(
      async (client, store) => {
        const shared = await client.share("ses_http_big", [...items.slice(0, 20), big, ...items.slice(20)])
        expect(store.outbox.count("ses_http_big")).toBe(0)
        return shared
      },
      { budget: DEFAULT_BUDGET, onBatchSent: (event) => sent.push(event) },
    ).finally(() => watch.stop())
    expect(outcome.sent).toMatchObject({ rejected: [], tooLarge: [] })
    // Three batches, in order: the items before the part (pipelined with the create), the part alone, the rest.
    expect(sent.map((event) => event.items)).toEqual([20, 1, items.length - 20])
    expect(sent.every((event) => event.refused.length === 0 && !event.duplicate)).toBe(true)
    // Over the socket went the small items, never the big part (nor any frame anywhere near the RPC limit).
    const frames = watch.sent.join("\n")
    const lastPart = items.findLast((item) => item.type === "part")
    expect(lastPart?.type === "part" && frames.includes(lastPart.data.id)).toBe(true)
    expect(frames).not.toContain(big.data.id)
    expect(Math.max(...watch.sent.map((frame) => frame.length))).toBeLessThan(LIMITS.maxBodyBytes / 2)

    const served = await servedPart(outcome.share.id, big.data.id)
    expect(JSON.stringify(served).length).toBe(JSON.stringify(big.data).length)
    expect(sha256(JSON.stringify(served))).toBe(sha256(JSON.stringify(big.data)))
    expect((await snapshotOf(outcome.share.id)).parts).toHaveLength(31)
  })

  it("resends a streamed batch whose answer was lost: applied once, acknowledged, no token on the HTTP call", async () => {
    const { url: workerUrl, token } = testServer()
    const relay = await lossyRelay(workerUrl)
    const store = await openTestStore(join(tempDir(), "shares.db"))
    const connection = await connect({ url: relay.url, token })
    const sent: BatchSent[] = []
    const client = new ShareClient({
      store,
      link: connection,
      server: relay.url,
      budget: SMALL,
      onBatchSent: (event) => sent.push(event),
    })
    try {
      const items = makeSessionItems("ses_http_lost", 5)
      const outcome = await client.share("ses_http_lost", items)
      const record = store.shares.get("ses_http_lost")
      if (record === undefined) throw new Error("share not recorded")
      // v1 of a 20 KB part: over the RPC limit of this budget, so its batch goes over HTTP; its answer is lost.
      const v1 = bigPart("ses_http_lost", 20 * 1024)
      const [batch] = packBatches([v1], SMALL)
      if (batch === undefined) throw new Error("no batch")
      const v2 = { type: "part" as const, data: { ...v1.data, text: "the later version" } }
      store.outbox.enqueue("ses_http_lost", [batch])
      const first = await client.flush("ses_http_lost")
      // The first attempt's answer never came; the resend with the same batch id was the server's duplicate.
      expect(relay.syncRequests).toHaveLength(2)
      expect(first).toMatchObject({ batches: 1, duplicates: 1, rejected: [] })
      expect(sent.at(-1)).toMatchObject({ batchID: batch.batchID, duplicate: true, refused: [] })
      expect(store.outbox.count("ses_http_lost")).toBe(0)
      expect(store.outbox.pending("ses_http_lost")).toEqual([])

      // A later version over RPC, then the same streamed batch once more (as a crash before the ack would leave
      // it): were it applied again, v1 would come back.
      await client.sync("ses_http_lost", [v2])
      store.outbox.enqueue("ses_http_lost", [batch])
      expect(await client.flush("ses_http_lost")).toMatchObject({ batches: 1, duplicates: 1 })
      expect(await servedPart(outcome.share.id, v1.data.id)).toMatchObject({ text: "the later version" })

      // What the HTTP calls carried: the share's own (relay) host, a JSON body, and no bearer token.
      for (const head of relay.syncRequests) {
        expect(head).toContain(`/api/share/${record.id}/sync HTTP/1.1`)
        expect(head.toLowerCase()).toContain(`host: ${new URL(relay.url).host}`)
        expect(head.toLowerCase()).not.toContain("authorization")
        expect(head).not.toContain(token)
      }
    } finally {
      client.close()
      connection.close()
      relay.close()
    }
  })

  it("an item over the HTTP limit is ItemTooLargeError and the others are sent; one within it is stored", async () => {
    await withClient(
      async (client, store) => {
        const items = makeSessionItems("ses_http_limit", 12)
        const tooBig = bigPart("ses_http_limit", 300 * 1024)
        const fits = { type: "part" as const, data: { ...bigPart("ses_http_limit", 200 * 1024).data, id: "prt_fits" } }
        const outcome = await client.share("ses_http_limit", [...items.slice(0, 6), tooBig, fits, ...items.slice(6)])
        expect(outcome.sent.tooLarge).toHaveLength(1)
        expect(outcome.sent.tooLarge[0]).toBeInstanceOf(ItemTooLargeError)
        expect(outcome.sent.tooLarge[0]).toMatchObject({ key: `part:${tooBig.data.id}`, maxBytes: 256 * 1024 })
        expect(store.outbox.count("ses_http_limit")).toBe(0)
        const parts = new Set((await snapshotOf(outcome.share.id)).parts.map((part) => part.id))
        expect(parts.has(tooBig.data.id)).toBe(false)
        expect(parts.has("prt_fits")).toBe(true)
        for (const item of items) if (item.type === "part") expect(parts.has(item.data.id)).toBe(true)
        const served = await servedPart(outcome.share.id, "prt_fits")
        expect(sha256(JSON.stringify(served))).toBe(sha256(JSON.stringify(fits.data)))

        // Again through a sync: the same item left out with the same error, the others sent.
        const later = { type: "part" as const, data: makeTextPart("ses_http_limit", "msg_00000000", 9001, "after") }
        const synced = await client.sync("ses_http_limit", [tooBig, later])
        expect(synced).toMatchObject({ batches: 1, items: 1, rejected: [] })
        expect(synced.tooLarge.map((error) => error.key)).toEqual([`part:${tooBig.data.id}`])
      },
      { budget: SMALL },
    )
  })

  it("a streamed item the server refuses is reported as refused items are, and the outbox moves on", async () => {
    const sent: BatchSent[] = []
    await withClient(
      async (client, store) => {
        const outcome = await client.share("ses_http_refused", makeSessionItems("ses_http_refused", 3))
        // Big enough for the HTTP sync under this budget, and of another session: the server stores none of it.
        const foreign = bigPart("ses_someone_else", 20 * 1024)
        const after = { type: "part" as const, data: makeTextPart("ses_http_refused", "msg_00000000", 7, "after") }
        const synced = await client.sync("ses_http_refused", [foreign, after])
        expect(synced).toMatchObject({ batches: 2, items: 2, rejected: [], tooLarge: [] })
        const streamed = sent.find((event) => event.items === 1 && event.bytes > 8 * 1024)
        expect(streamed?.refused).toMatchObject([
          { index: 0, type: "part", code: "bad_request", reason: expect.stringContaining("ses_someone_else") },
        ])
        expect(store.outbox.count("ses_http_refused")).toBe(0)
        const parts = (await snapshotOf(outcome.share.id)).parts.map((part) => part.id)
        expect(parts).toContain(after.data.id)
        expect(parts).not.toContain(foreign.data.id)
      },
      { budget: SMALL, onBatchSent: (event) => sent.push(event) },
    )
  })

  it("a streamed item is stored as the client left it: redacted by the client, or as sent when its user opted out", async () => {
    const [entry] = CORPUS_SECRETS
    if (entry === undefined) throw new Error("the corpus has no secret")
    const item = (sessionID: string): SyncData => ({
      type: "part",
      data: makeTextPart(sessionID, "msg_00000000", 1, `${bigText(20 * 1024)}${entry.text}`),
    })
    const stored = async (sessionID: string, enabled: boolean) => {
      const outcome = await withClient((client) => client.share(sessionID, [item(sessionID)]), {
        budget: SMALL,
        redaction: { enabled },
      })
      return JSON.stringify(await servedPart(outcome.share.id, "prt_00000001"))
    }
    // Opted out: the server does not redact it either (it did before the body said `"redaction": "client"`).
    const asSent = await stored("ses_http_no_redact", false)
    expect(asSent).toContain(JSON.stringify(entry.secret).slice(1, -1))
    expect(asSent).not.toContain(marker(entry.rule))
    const redacted = await stored("ses_http_redact", true)
    expect(redacted).not.toContain(JSON.stringify(entry.secret).slice(1, -1))
    expect(redacted).toContain(marker(entry.rule))
  })

  it("the HTTP sync goes only to the share's own origin, and never in clear text to another machine", () => {
    expect(syncEndpoint("https://share.example", "abc123", false).href).toBe(
      "https://share.example/api/share/abc123/sync",
    )
    expect(syncEndpoint("http://127.0.0.1:8787", "abc123", false).href).toBe(
      "http://127.0.0.1:8787/api/share/abc123/sync",
    )
    expect(() => syncEndpoint("http://share.example", "abc123", false)).toThrow(CleartextRefusedError)
    expect(() => syncEndpoint("http://share.example", "abc123", false)).toThrow("the share secret")
    expect(syncEndpoint("http://share.example", "abc123", true).host).toBe("share.example")
    // Only an origin: a path, or another scheme, is not a server a record is bound to.
    expect(() => syncEndpoint("https://share.example/elsewhere", "abc123", false)).toThrow(TypeError)
    expect(() => syncEndpoint("ftp://share.example", "abc123", false)).toThrow(TypeError)
    expect(syncEndpoint("https://share.example", "../../x", false).host).toBe("share.example")
  })
})
