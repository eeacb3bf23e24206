import { once } from "node:events"
import { mkdirSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import { join } from "node:path"
import type { ShareInfo, ShareSnapshot, SyncData } from "@cloudsession/protocol"
import { makeDiff, makeSessionItems } from "@cloudsession/protocol/fixtures"
import { afterAll, describe, expect, inject, it } from "vitest"
import { connect, type RpcConnection } from "../src/connection/connection.ts"
import { ConnectionError, RpcAuthError } from "../src/connection/errors.ts"
import { ShareClient } from "../src/share-client.ts"
import { openStore, type ShareStore } from "../src/store/store.ts"
import { packBatches } from "../src/sync/pack.ts"
import { expectedState, getSnapshot, legacyDatabase, removeTempDirs, runCli, stateOf, tempDir } from "./helpers.ts"

const workerUrl = inject("workerUrl")
const token = inject("rpcToken")

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

async function withClient<T>(work: (client: ShareClient, store: ShareStore, connection: RpcConnection) => Promise<T>) {
  const store = await openStore(join(tempDir(), "shares.db"))
  const connection = await connect({ url: workerUrl, token })
  const client = new ShareClient({
    store,
    link: connection,
    server: workerUrl,
    budget: { maxBytes: 64 * 1024, maxItems: 200 },
  })
  try {
    return await work(client, store, connection)
  } finally {
    client.close()
    connection.close()
    store.close()
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
    expect(echoed).toMatchObject({ size: 2, bytes: [1, 2] })
    connection.close()
  })

  it("tells a forbidden upgrade (403) from a refused token", async () => {
    // A loopback stand-in for a server whose origin check refuses us: it answers every upgrade with 403.
    const server = createServer((_request, response) => response.writeHead(404).end())
    server.on("upgrade", (_request, socket) => {
      const body = JSON.stringify({ error: { code: "forbidden", message: "this Origin may not open /rpc" } })
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
      const outcome = await client.share("ses_client_a", items)
      expect(outcome.created).toBe(true)
      // The first batch rode along with createShare (pipelined); the drain only sent the rest.
      const batches = packBatches(items, { maxBytes: 64 * 1024, maxItems: 200 }).length
      expect(batches).toBeGreaterThan(2)
      expect(outcome.sent.batches).toBe(batches - 1)
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
      const outcome = await client.share("ses_gone", makeSessionItems("ses_gone", 3))
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
})

describe("legacy records", () => {
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

/** The flat snapshot shape the CLI accepts, built from sync items. */
function snapshotFile(items: SyncData[]) {
  const state = expectedState(items)
  return { session: state.session, messages: [...state.messages.values()], parts: [...state.parts.values()] }
}
