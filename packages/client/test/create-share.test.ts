import { join } from "node:path"
import {
  LIMITS,
  type SessionIndex,
  type SessionPage,
  type ShareInfo,
  type ShareRpc,
  type SyncData,
} from "@cloudsession/protocol"
import { makeSession, makeSessionItems } from "@cloudsession/protocol/fixtures"
import type { RpcStub } from "capnweb"
import { afterAll, describe, expect, it } from "vitest"
import { connect, type RpcConnection } from "../src/connection/connection.ts"
import { ServerRefusedError, ShareNotRecordedError } from "../src/errors.ts"
import { ShareClient, type ShareClientOptions } from "../src/share-client.ts"
import { openStore } from "../src/store/store.ts"
import {
  expectedState,
  getSnapshot,
  openRawDatabase,
  removeTempDirs,
  snapshotOf,
  stateOf,
  tempDir,
  testServer,
  withClient,
} from "./helpers.ts"

const { url: workerUrl, token } = testServer()

afterAll(removeTempDirs)

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

/**
 * `GET /api/sessions?q=` (the owner's, with the token) until `done` holds (listings follow syncs through an alarm),
 * then that page's entries.
 */
async function pollListing(q: string, done: (sessions: SessionIndex[]) => boolean): Promise<SessionIndex[]> {
  for (let attempt = 0; ; attempt += 1) {
    const response = await fetch(`${workerUrl}/api/sessions?q=${encodeURIComponent(q)}`, {
      headers: { Authorization: `Bearer ${token}` },
    })
    const page = (await response.json()) as SessionPage
    if (done(page.sessions) || attempt >= 50) return page.sessions
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe("creating a share over RPC", () => {
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
      expect((await getSnapshot(workerUrl, shareID)).status).toBe(410)
      expect(store.outbox.count("ses_unrecorded")).toBe(0)
      expect(store.shares.get("ses_unrecorded")).toBeUndefined()
    })
  })
})
