import { join } from "node:path"
import type { ShareSnapshot } from "@cloudsession/protocol"
import { makeSessionItems } from "@cloudsession/protocol/fixtures"
import { afterAll, describe, expect, it } from "vitest"
import { type LocalWorker, startLocalWorker } from "../../server/scripts/local-worker.mjs"
import { type ConnectionEvent, connect } from "../src/connection/connection.ts"
import { ShareClient } from "../src/share-client.ts"
import { openStore } from "../src/store/store.ts"
import { expectedState, getSnapshot, removeTempDirs, stateOf, tempDir } from "./helpers.ts"

const TOKEN = "session-age-test-token"
let worker: LocalWorker | undefined

afterAll(async () => {
  await worker?.stop()
  removeTempDirs()
})

describe("an RPC session that reaches the server's age limit", () => {
  // The server ends every session after RPC_SESSION_MAX_SECONDS (so a removed token stops working); what a call in
  // flight then gets must make the client send it again on a new session, not give up as if the token were refused.
  it("is renewed under a long upload: every batch lands once, no error reaches the caller", async () => {
    worker = await startLocalWorker({
      persistTo: tempDir("cloudsession-age-"),
      vars: { RPC_TOKENS: TOKEN, RPC_SESSION_MAX_SECONDS: "1" },
    })
    const events: ConnectionEvent[] = []
    const store = await openStore(join(tempDir(), "shares.db"))
    const connection = await connect({ url: worker.url, token: TOKEN, onEvent: (event) => events.push(event) })
    // Small batches, sent one after another: a call is in flight nearly all the time, across several session ends.
    const client = new ShareClient({
      store,
      link: connection,
      server: worker.url,
      budget: { maxBytes: 8 * 1024, maxItems: 4 },
    })
    const items = makeSessionItems("ses_session_age", 1600)
    try {
      const started = Date.now()
      const outcome = await client.share("ses_session_age", items)
      const seconds = (Date.now() - started) / 1000
      expect(store.outbox.count("ses_session_age")).toBe(0)
      const snapshot = await getSnapshot(worker.url, outcome.share.id)
      expect(snapshot.status).toBe(200)
      expect(stateOf(snapshot.body as ShareSnapshot)).toEqual(expectedState(items))
      // The upload outlived at least two sessions, and each end was followed by a new session with the same token.
      expect(seconds).toBeGreaterThan(2)
      expect(events.filter((event) => event.type === "connected").length).toBeGreaterThanOrEqual(3)
      expect(outcome.sent.batches + 1).toBe((snapshot.body as ShareSnapshot).metadata.syncCount)
    } finally {
      client.close()
      connection.close()
      store.close()
    }
  }, 90_000)
})
