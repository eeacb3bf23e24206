import { once } from "node:events"
import { mkdirSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import { join } from "node:path"
import {
  LIMITS,
  RPC_SUBPROTOCOL,
  type SessionIndex,
  type SessionPage,
  type ShareInfo,
  type ShareRpc,
  type ShareSnapshot,
  type SyncData,
} from "@cloudsession/protocol"
import { makeDiff, makeSession, makeSessionItems } from "@cloudsession/protocol/fixtures"
import type { RpcStub } from "capnweb"
import { afterAll, describe, expect, it } from "vitest"
import { WebSocketServer } from "ws"
import { type ConnectionEvent, connect, type RpcConnection } from "../src/connection/connection.ts"
import { ConnectionError, RpcAuthError } from "../src/connection/errors.ts"
import { ServerMismatchError, ServerRefusedError, ShareNotRecordedError } from "../src/errors.ts"
import { ShareClient, type ShareClientOptions } from "../src/share-client.ts"
import { openStore, type ShareStore } from "../src/store/store.ts"
import type { BatchRejected } from "../src/sync/outbox-sender.ts"
import { type BatchBudget, DEFAULT_BUDGET, packBatches } from "../src/sync/pack.ts"
import {
  expectedState,
  getSnapshot,
  legacyDatabase,
  openRawDatabase,
  removeTempDirs,
  runCli,
  snapshotFile,
  stateOf,
  tempDir,
  testServer,
} from "./helpers.ts"
import { watchClientSockets } from "./socket-watch.ts"

const { url: workerUrl, token } = testServer()

afterAll(removeTempDirs)

/** A share made the old way: `POST /api/share` over plain HTTP, as OpenCode's HTTP client did. */
async function createOverHttp(sessionID: string): Promise<ShareInfo> {
  const response = await fetch(`${workerUrl}/api/share`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sessionID }),
  })
  expect(response.status).toBe(201)
  return (await response.json()) as ShareInfo
}

async function snapshotOf(shareID: string): Promise<ShareSnapshot> {
  const viewed = await getSnapshot(workerUrl, shareID)
  expect(viewed.status).toBe(200)
  return viewed.body as ShareSnapshot
}

type ClientSetup = { db?: string; budget?: BatchBudget } & Pick<ShareClientOptions, "onBatchRejected">

async function withClient<T>(
  work: (client: ShareClient, store: ShareStore, connection: RpcConnection) => Promise<T>,
  setup: ClientSetup = {},
) {
  const store = await openStore(setup.db ?? join(tempDir(), "shares.db"))
  const connection = await connect({ url: workerUrl, token })
  const client = new ShareClient({
    store,
    link: connection,
    server: workerUrl,
    budget: setup.budget ?? { maxBytes: 64 * 1024, maxItems: 200 },
    onBatchRejected: setup.onBatchRejected,
  })
  try {
    return await work(client, store, connection)
  } finally {
    client.close()
    connection.close()
    store.close()
  }
}

/**
 * A link whose first stub loses the reply to `createShare`: the call reaches the server, which creates the share and
 * runs the sync pipelined on it, but the caller sees the connection fail. What the server answered goes to `lost`.
 */
function losingFirstCreateReply(connection: RpcConnection, lost: ShareInfo[]): ShareClientOptions["link"] {
  let armed = true
  return {
    reportFailure: (stub, reason) => connection.reportFailure(stub, reason),
    stub: async () => {
      const stub = await connection.stub()
      if (!armed) return stub
      armed = false
      const createShare = (sessionID: string, initialData?: SyncData[], creationKey?: string) => {
        const real = stub.createShare(sessionID, initialData, creationKey)
        const answer = real.then((info) => {
          lost.push(info)
          throw new Error("connection lost: reply lost")
        })
        // The pipelined sync still names the share through the real pending result.
        return Object.assign(answer, { id: real.id, secret: real.secret })
      }
      const syncShare = (shareID: string, secret: string, data: SyncData[], batchID?: string) =>
        stub.syncShare(shareID, secret, data, batchID)
      return { createShare, syncShare } as unknown as RpcStub<ShareRpc>
    },
  }
}

/** `GET /api/sessions?q=` until `done` holds (listings follow syncs through an alarm), then that page's entries. */
async function pollListing(q: string, done: (sessions: SessionIndex[]) => boolean): Promise<SessionIndex[]> {
  for (let attempt = 0; ; attempt += 1) {
    const response = await fetch(`${workerUrl}/api/sessions?q=${encodeURIComponent(q)}`)
    const page = (await response.json()) as SessionPage
    if (done(page.sessions) || attempt >= 50) return page.sessions
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe("connection", () => {
  it("sends the token in the upgrade request and reports a refused one as a typed 401", async () => {
    const refused = await connect({ url: workerUrl, token: "not-a-valid-token" }).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(RpcAuthError)
    expect(refused).toMatchObject({ status: 401, refusal: "unauthorized" })
    expect(String(refused)).not.toContain("not-a-valid-token")

    const connection = await connect({ url: workerUrl, token })
    const stub = await connection.stub()
    const echoed = await stub.probeValue({
      when: new Date(0),
      bytes: new Uint8Array([1, 2]),
      nested: { label: "x", values: [1] },
    })
    expect(echoed.size).toBe(2)
    // Compared as numbers: the bytes come back as an array or as a Uint8Array, depending on the server's version.
    expect(Array.from(echoed.bytes)).toEqual([1, 2])
    connection.close()
  })

  it("tells a forbidden upgrade (403) from a refused token", async () => {
    // A loopback stand-in for a server whose origin check refuses us: it answers every upgrade with 403, and, as the
    // real gate does (packages/server/src/rpc/gate.ts), a POST to /rpc too. Bun's WebSocket does not expose a
    // refused upgrade's response, so under Bun the client asks that POST why (src/connection/websocket.ts).
    let upgrades = 0
    const body = JSON.stringify({ error: { code: "forbidden", message: "this Origin may not open /rpc" } })
    const server = createServer((request, response) => {
      if (request.method === "POST" && request.url === "/rpc") {
        response.writeHead(403, { "content-type": "application/json" }).end(body)
      } else {
        response.writeHead(404).end()
      }
    })
    server.on("upgrade", (_request, socket) => {
      upgrades += 1
      socket.end(
        `HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
      )
    })
    server.listen(0, "127.0.0.1")
    await once(server, "listening")
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    const error = await connect({ url: `http://127.0.0.1:${port}`, token }).catch((e: unknown) => e)
    server.close()
    expect(error).toBeInstanceOf(RpcAuthError)
    expect(error).toMatchObject({ status: 403, refusal: "forbidden" })
    expect(String(error)).toContain("refused the connection (403 forbidden): this Origin may not open /rpc")
    // Asked once: a refusal is an answer, not a failure to retry.
    expect(upgrades).toBe(1)
  })

  it("never retries a refused token after a reconnect either, and never shows the token", async () => {
    let upgrades = 0
    // Accepts the first upgrade and drops the socket at once (a restart), then refuses the token (rotated out), on
    // the upgrade and on a POST to /rpc alike, as the real gate does (the POST is how Bun's client learns why).
    const sockets = new WebSocketServer({ noServer: true, handleProtocols: () => RPC_SUBPROTOCOL })
    const body = JSON.stringify({ error: { code: "unauthorized", message: "token not accepted" } })
    const server = createServer((request, response) => {
      if (request.method === "POST" && request.url === "/rpc" && upgrades > 0) {
        response.writeHead(401, { "content-type": "application/json" }).end(body)
      } else {
        response.writeHead(404).end()
      }
    })
    server.on("upgrade", (request, socket, head) => {
      upgrades += 1
      if (upgrades === 1) {
        sockets.handleUpgrade(request, socket, head, (accepted) => accepted.close(1012, "restarting"))
        return
      }
      socket.end(`HTTP/1.1 401 Unauthorized\r\ncontent-length: ${body.length}\r\n\r\n${body}`)
    })
    server.listen(0, "127.0.0.1")
    await once(server, "listening")
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    const events: ConnectionEvent[] = []
    const connection = await connect({
      url: `http://127.0.0.1:${port}`,
      token,
      backoff: { baseMs: 10, maxMs: 20 },
      reconnectWindowMs: 10_000,
      onEvent: (event) => events.push(event),
    })
    const deadline = Date.now() + 5000
    while (!events.some((event) => event.type === "broken") && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 10))
    }
    const error = await connection.stub().catch((e: unknown) => e)
    connection.close()
    server.close()
    sockets.close()
    expect(error).toBeInstanceOf(RpcAuthError)
    expect(error).toMatchObject({ status: 401 })
    expect(upgrades).toBe(2)
    expect(events.filter((event) => event.type === "retrying")).toEqual([])
    expect(`${String(error)} ${JSON.stringify(events)}`).not.toContain(token)
  })

  it("reports an endpoint that is not there as a connection error with its status", async () => {
    const error = await connect({ url: `${workerUrl.replace("http", "ws")}/no-such-endpoint`, token }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ConnectionError)
    expect(String(error)).toContain("HTTP 404")
  })
})

describe("share client over RPC", () => {
  it("shares (create + first batch in one round trip), syncs, and unshares a session", async () => {
    await withClient(async (client, store) => {
      const items = makeSessionItems("ses_client_a", 450)
      const watch = watchClientSockets()
      const outcome = await client.share("ses_client_a", items).finally(() => watch.stop())
      expect(outcome.created).toBe(true)
      // The first batch rode along with createShare (pipelined); the drain only sent the rest.
      const batches = packBatches(items, { maxBytes: 64 * 1024, maxItems: 200 }).length
      expect(batches).toBeGreaterThan(2)
      expect(outcome.sent.batches).toBe(batches - 1)
      // Counted on the socket: create + first batch in one flight, then one per remaining batch. Awaiting the
      // create before sending the first batch would make it batches + 1.
      expect(watch.roundTrips()).toBe(batches)
      expect(store.outbox.count("ses_client_a")).toBe(0)
      expect(client.url("ses_client_a")).toBe(outcome.share.url)

      const later: SyncData[] = [{ type: "session_diff", data: [makeDiff("a.ts"), makeDiff("b.ts")] }]
      await client.sync("ses_client_a", later)
      const server = stateOf(await snapshotOf(outcome.share.id))
      const local = expectedState([...items, ...later])
      expect(server.parts).toEqual(local.parts)
      expect(server.messages).toEqual(local.messages)
      expect(server.diffs).toEqual(local.diffs)

      expect(await client.unshare("ses_client_a")).toEqual({ remote: "deleted" })
      expect((await getSnapshot(workerUrl, outcome.share.id)).status).toBe(404)
      expect(store.shares.get("ses_client_a")).toBeUndefined()
    })
  })

  it("streams live changes through a debounced queue; the latest version of the part is what the server keeps", async () => {
    await withClient(async (client, store) => {
      const outcome = await client.share("ses_live", makeSessionItems("ses_live", 2))
      const errors: unknown[] = []
      const queue = client.queue("ses_live", { debounceMs: 20, onError: (error) => errors.push(error) })
      const part = makeSessionItems("ses_live", 3).findLast((item) => item.type === "part")
      if (part?.type !== "part") throw new Error("fixture has no part")
      for (let length = 1; length <= 50; length++) {
        queue.push({ type: "part", data: { ...part.data, text: "streamed ".repeat(length) } })
      }
      await new Promise((done) => setTimeout(done, 100))
      await client.flush("ses_live")
      expect(errors).toEqual([])
      expect(store.outbox.count("ses_live")).toBe(0)
      const parts = (await snapshotOf(outcome.share.id)).parts
      expect(parts.find((each) => each.id === part.data.id)).toMatchObject({ text: "streamed ".repeat(50) })
      await client.unshare("ses_live")
    })
  })

  it("still forgets a share locally when the server no longer has it", async () => {
    await withClient(async (client, store) => {
      const before = Date.now()
      const outcome = await client.share("ses_gone", makeSessionItems("ses_gone", 3))
      // The whole session rode in the first batch: the record still says when it was last synced.
      expect(outcome.sent.batches).toBe(0)
      expect(store.shares.get("ses_gone")?.timeSynced).toBeGreaterThanOrEqual(before)
      const secret = store.shares.get("ses_gone")?.secret
      const deleted = await fetch(`${workerUrl}/api/share/${outcome.share.id}`, {
        method: "DELETE",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ secret }),
      })
      expect(deleted.status).toBe(200)
      expect(await client.unshare("ses_gone")).toEqual({ remote: "already-gone" })
      expect(store.shares.get("ses_gone")).toBeUndefined()
    })
  })

  it("replays a batch whose reply was lost without duplicating anything, and sends what a crash left behind", async () => {
    await withClient(async (client, store, connection) => {
      const outcome = await client.share("ses_replay", makeSessionItems("ses_replay", 10))
      const record = store.shares.get("ses_replay")
      if (record === undefined) throw new Error("share not recorded")
      const more = makeSessionItems("ses_replay", 40).slice(15)
      const batches = packBatches(more, { maxBytes: 1 << 20, maxItems: 10 })
      store.outbox.enqueue("ses_replay", batches)
      // The server applies the first batch but "the reply is lost": the batch is still in the outbox.
      const first = batches[0]
      if (first === undefined) throw new Error("no batch")
      const stub = await connection.stub()
      expect(await stub.syncShare(record.id, record.secret, first.items, first.batchID)).toMatchObject({
        duplicate: false,
      })
      const replayed = await client.replayOutbox()
      expect(replayed).toMatchObject({ batches: batches.length, duplicates: 1 })
      const server = stateOf(await snapshotOf(outcome.share.id))
      expect(server.parts).toEqual(expectedState([...makeSessionItems("ses_replay", 10), ...more]).parts)
      await client.unshare("ses_replay")
    })
  })

  it("gets the same share back when the reply to createShare was lost: one share on the server, recorded locally", async () => {
    const sessionID = `ses_lost_create_${Date.now().toString(36)}`
    const title = `Lost create ${sessionID}`
    const items: SyncData[] = [
      { type: "session", data: makeSession(sessionID, { title }) },
      ...makeSessionItems(sessionID, 30).slice(1),
    ]
    const store = await openStore(join(tempDir(), "shares.db"))
    const connection = await connect({ url: workerUrl, token })
    const lost: ShareInfo[] = []
    const client = new ShareClient({
      store,
      link: losingFirstCreateReply(connection, lost),
      server: workerUrl,
      budget: { maxBytes: 1 << 20, maxItems: 10 },
    })
    try {
      const error = await client.share(sessionID, items).catch((e: unknown) => e)
      expect(String(error)).toContain("reply lost")
      // The server did create the share (and applied the pipelined first batch); the client only lacks the answer.
      const orphan = lost[0]
      if (orphan === undefined) throw new Error("createShare never answered")
      expect(store.shares.get(sessionID)).toBeUndefined()
      expect(store.creations.pending(sessionID)).toBeDefined()
      expect(store.outbox.count(sessionID)).toBeGreaterThan(0)

      const retried = await client.share(sessionID, items)
      expect(retried.created).toBe(true)
      expect(retried.share.id).toBe(orphan.id)
      expect(store.shares.get(sessionID)).toMatchObject({ id: orphan.id, secret: orphan.secret, url: orphan.url })
      expect(store.creations.pending(sessionID)).toBeUndefined()
      expect(store.outbox.count(sessionID)).toBe(0)
      expect(stateOf(await snapshotOf(orphan.id)).parts).toEqual(expectedState(items).parts)

      // Listed once: wait until the listing has caught up with the share's last sync, then count.
      const syncCount = (await snapshotOf(orphan.id)).metadata.syncCount
      const listed = await pollListing(title, (sessions) => sessions.some((entry) => entry.syncCount === syncCount))
      expect(listed.map((entry) => entry.id)).toEqual([orphan.id])
    } finally {
      client.close()
      connection.close()
      store.close()
    }
  })

  it("never sends a secret to another server: share, sync and unshare refuse, replays skip it", async () => {
    await withClient(async (client, store) => {
      const elsewhere = "https://elsewhere.example"
      store.shares.save({
        sessionID: "ses_elsewhere",
        id: "elsewhere01",
        secret: "secret-of-the-other-server",
        url: `${elsewhere}/share/elsewhere01`,
        server: elsewhere,
        source: "rpc",
      })
      const items = makeSessionItems("ses_elsewhere", 3)
      // What a crash left for both sessions: only the one shared on this server may be replayed here.
      store.outbox.enqueue("ses_elsewhere", packBatches(items))
      const here = await client.share("ses_here", makeSessionItems("ses_here", 3))
      store.outbox.enqueue("ses_here", packBatches(makeSessionItems("ses_here", 6).slice(4)))
      const watch = watchClientSockets()
      try {
        await expect(client.share("ses_elsewhere", items)).rejects.toBeInstanceOf(ServerMismatchError)
        await expect(client.sync("ses_elsewhere", items)).rejects.toBeInstanceOf(ServerMismatchError)
        await expect(client.unshare("ses_elsewhere")).rejects.toBeInstanceOf(ServerMismatchError)
        expect(await client.replayOutbox()).toMatchObject({ batches: 1, failed: [], rejected: [] })
      } finally {
        watch.stop()
      }
      // The watch saw what went out (the replay of ses_here), so the next check is not vacuous on either runtime.
      expect(watch.sent.length).toBeGreaterThan(0)
      expect(watch.sent.join("\n")).not.toContain("secret-of-the-other-server")
      expect(store.shares.get("ses_elsewhere")?.secret).toBe("secret-of-the-other-server")
      expect(store.outbox.count("ses_elsewhere")).toBe(1)
      expect(store.outbox.count("ses_here")).toBe(0)
      expect((await snapshotOf(here.share.id)).parts).toHaveLength(6)
      await client.unshare("ses_here")
    })
  })

  it("drops the batches queued for a share the server refuses to create", async () => {
    await withClient(async (client, store) => {
      const sessionID = `ses_${"x".repeat(LIMITS.maxIdLength)}`
      const error = await client
        .share(sessionID, [{ type: "session", data: makeSession(sessionID) }])
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ServerRefusedError)
      expect(error).toMatchObject({ code: "bad_request" })
      expect(store.outbox.count(sessionID)).toBe(0)
      expect(store.shares.get(sessionID)).toBeUndefined()
      expect(store.creations.pending(sessionID)).toBeUndefined()
    })
  })

  it("deletes a new share again when it cannot be recorded locally, and leaves no batch behind", async () => {
    await withClient(async (client, store) => {
      // A store that fails exactly when the share is recorded (as a full disk or a locked file would).
      const raw = openRawDatabase(store.path)
      raw.exec(
        "CREATE TRIGGER refuse_share BEFORE INSERT ON session_share BEGIN SELECT RAISE(ABORT, 'disk is full'); END",
      )
      raw.close()
      const error = await client.share("ses_unrecorded", makeSessionItems("ses_unrecorded", 5)).catch((e) => e)
      expect(error).toBeInstanceOf(ShareNotRecordedError)
      expect(error).toMatchObject({ remote: "deleted" })
      expect(String(error)).toContain("disk is full")
      const shareID = error instanceof ShareNotRecordedError ? error.shareID : ""
      expect((await getSnapshot(workerUrl, shareID)).status).toBe(404)
      expect(store.outbox.count("ses_unrecorded")).toBe(0)
      expect(store.shares.get("ses_unrecorded")).toBeUndefined()
    })
  })

  it("sets aside a batch the server refuses for its content, so the batches after it still flow", async () => {
    const rejected: BatchRejected[] = []
    // One item over the server's per-batch limit: the client's budget lets such a batch through to be refused.
    const budget = { maxBytes: DEFAULT_BUDGET.maxBytes, maxItems: LIMITS.maxBatchItems + 1 }
    await withClient(
      async (client, store) => {
        const items = makeSessionItems("ses_refused", 1050)
        const outcome = await client.share("ses_refused", items)
        // The pipelined first batch was refused and set aside; the second one was stored.
        expect(outcome.sent.rejected).toMatchObject([{ code: "bad_request", items: LIMITS.maxBatchItems + 1 }])
        expect(outcome.sent.batches).toBe(1)
        expect(store.outbox.count("ses_refused")).toBe(0)

        // The same in the drain: an oversized batch at the head of the outbox, then a good one.
        const later = makeSessionItems("ses_refused", 1100).slice(-20)
        store.outbox.enqueue("ses_refused", packBatches(items.slice(0, LIMITS.maxBatchItems + 1), budget))
        const sent = await client.sync("ses_refused", later)
        expect(sent).toMatchObject({ batches: 1, items: later.length })
        expect(sent.rejected).toMatchObject([{ code: "bad_request" }])
        expect(rejected).toHaveLength(2)
        expect(store.outbox.count("ses_refused")).toBe(0)
        const stored = new Set((await snapshotOf(outcome.share.id)).parts.map((part) => part.id))
        for (const item of later) if (item.type === "part") expect(stored.has(item.data.id)).toBe(true)
        await client.unshare("ses_refused")
      },
      { budget, onBatchRejected: (event) => rejected.push(event) },
    )
  })

  it("close() flushes open queues into the outbox, from where they are delivered", async () => {
    await withClient(async (client, store) => {
      const outcome = await client.share("ses_closing", makeSessionItems("ses_closing", 2))
      const queue = client.queue("ses_closing", { debounceMs: 60_000 })
      const part = makeSessionItems("ses_closing", 3).findLast((item) => item.type === "part")
      if (part === undefined) throw new Error("fixture has no part")
      queue.push(part)
      expect(store.outbox.count("ses_closing")).toBe(0)
      client.close()
      expect(queue.closed).toBe(true)
      expect(queue.pendingItems).toBe(0)
      expect(store.outbox.pendingItems("ses_closing")).toBe(1)
      await client.flush("ses_closing")
      expect((await snapshotOf(outcome.share.id)).parts).toHaveLength(3)
    })
  })
})

describe("legacy records", () => {
  it("shares a session OpenCode's session table does not hold into an upgraded OpenCode database", async () => {
    // The old table has a foreign key to OpenCode's `session`; better-sqlite3 would enforce it, bun:sqlite not.
    const db = legacyDatabase([])
    await withClient(
      async (client, store) => {
        const outcome = await client.share("ses_not_in_opencode", makeSessionItems("ses_not_in_opencode", 5))
        expect(store.shares.get("ses_not_in_opencode")).toMatchObject({ id: outcome.share.id, server: workerUrl })
        expect(store.outbox.count("ses_not_in_opencode")).toBe(0)
        expect((await snapshotOf(outcome.share.id)).parts).toHaveLength(5)
      },
      { db },
    )
  })
  it("upgrades an old session_share table and keeps syncing over RPC with the existing secret", async () => {
    const created = await createOverHttp("ses_legacy_table")
    const db = legacyDatabase([{ sessionID: "ses_legacy_table", ...created }])
    const items = makeSessionItems("ses_legacy_table", 120)
    const store = await openStore(db)
    expect(store.shares.get("ses_legacy_table")).toMatchObject({
      secret: created.secret,
      server: workerUrl,
      source: "http",
    })
    store.close()

    // No --url: the server comes from the upgraded record.
    const file = join(tempDir(), "session.json")
    writeFileSync(file, JSON.stringify(snapshotFile(items)))
    const synced = runCli(["sync", file], { CLOUDSESSION_TOKEN: token, CLOUDSESSION_DB: db })
    expect(synced.stderr).toBe("")
    expect(synced.status).toBe(0)
    const server = stateOf(await snapshotOf(created.id))
    expect(server.parts).toEqual(expectedState(items).parts)
    expect(runCli(["url", "ses_legacy_table"], { CLOUDSESSION_DB: db }).stdout).toBe(`${created.url}\n`)
  })

  it("imports legacy JSON share files, then syncs them over RPC", async () => {
    const created = await createOverHttp("ses_legacy_json")
    const dir = join(tempDir(), "share")
    mkdirSync(dir)
    writeFileSync(join(dir, "ses_legacy_json.json"), JSON.stringify(created))
    const db = join(tempDir(), "shares.db")
    const env = { CLOUDSESSION_URL: workerUrl, CLOUDSESSION_TOKEN: token, CLOUDSESSION_DB: db }
    expect(runCli(["import-legacy", dir], env)).toMatchObject({
      status: 0,
      stdout: "imported 1 shares (0 already known)\n",
    })
    const items = makeSessionItems("ses_legacy_json", 30)
    const file = join(tempDir(), "session.json")
    writeFileSync(file, JSON.stringify(snapshotFile(items)))
    expect(runCli(["sync", file], env).status).toBe(0)
    expect(stateOf(await snapshotOf(created.id)).parts).toEqual(expectedState(items).parts)
  })
})
