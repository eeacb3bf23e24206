// Runs under Bun (started by run.mjs, which owns the local Worker): the bun:sqlite store and Bun's own WebSocket
// (token in the upgrade headers) against a real local Worker. Plain assertions; any failure exits non-zero.

import { Database } from "bun:sqlite"
import assert from "node:assert/strict"
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { ShareSnapshot } from "@cloudsession/protocol"
import { makeDiff, makeSessionItems } from "@cloudsession/protocol/fixtures"
import { connect } from "../src/connection/connection.ts"
import { RpcAuthError } from "../src/connection/errors.ts"
import { ShareClient } from "../src/share-client.ts"
import { openStore } from "../src/store/store.ts"

const workerUrl = process.env.CLOUDSESSION_TEST_URL ?? ""
const token = process.env.CLOUDSESSION_TEST_TOKEN ?? ""
assert.ok(typeof process.versions.bun === "string", "this smoke test must run under Bun")
assert.ok(workerUrl !== "" && token !== "", "run through test-bun/run.mjs")

const dir = mkdtempSync(join(tmpdir(), "cloudsession-bun-"))
const checks: string[] = []

try {
  const refused = await connect({ url: workerUrl, token: "wrong-token" }).catch((error: unknown) => error)
  assert.ok(refused instanceof RpcAuthError, `expected RpcAuthError, got ${String(refused)}`)
  assert.equal(refused.status, 401)
  checks.push("a wrong token is refused with a typed 401")

  const store = await openStore(join(dir, "shares.db"))
  assert.equal(store.driver, "bun:sqlite")
  const connection = await connect({ url: workerUrl, token })
  const client = new ShareClient({
    store,
    link: connection,
    server: workerUrl,
    budget: { maxBytes: 1 << 20, maxItems: 100 },
  })
  const items = makeSessionItems("ses_bun", 300)
  const outcome = await client.share("ses_bun", items)
  await client.sync("ses_bun", [{ type: "session_diff", data: [makeDiff("bun.ts")] }])
  assert.equal(store.outbox.count("ses_bun"), 0)
  const response = await fetch(`${workerUrl}/api/share/${outcome.share.id}`)
  const snapshot = (await response.json()) as ShareSnapshot
  assert.equal(snapshot.parts.length, 300)
  assert.deepEqual(
    snapshot.parts.map((part) => part.id).sort(),
    items.flatMap((item) => (item.type === "part" ? [item.data.id] : [])).sort(),
  )
  assert.equal(snapshot.diffs.length, 1)
  checks.push("share + sync over RPC with the bun:sqlite store (300 parts, 4 batches)")

  const path = join(dir, "shares.db")
  for (const file of [path, `${path}-wal`, `${path}-shm`]) assert.equal(statSync(file).mode & 0o777, 0o600, file)
  checks.push("the database and its -wal/-shm files are 0600")

  assert.deepEqual(await client.unshare("ses_bun"), { remote: "deleted" })
  assert.equal(store.shares.get("ses_bun"), undefined)
  checks.push("unshare removes both sides")

  // The same foreign-key setting as on Node: OpenCode's old table accepts a session its `session` table lacks.
  const legacyPath = join(dir, "opencode.db")
  const legacy = new Database(legacyPath, { create: true, readwrite: true })
  legacy.exec(readFileSync(join(import.meta.dirname, "../test/fixtures/legacy-opencode.sql"), "utf8"))
  legacy.close()
  const legacyStore = await openStore(legacyPath)
  const legacyClient = new ShareClient({ store: legacyStore, link: connection, server: workerUrl })
  const legacyShare = await legacyClient.share("ses_bun_legacy", makeSessionItems("ses_bun_legacy", 3))
  assert.equal(legacyStore.shares.get("ses_bun_legacy")?.id, legacyShare.share.id)
  assert.deepEqual(await legacyClient.unshare("ses_bun_legacy"), { remote: "deleted" })
  legacyClient.close()
  legacyStore.close()
  checks.push("an upgraded OpenCode database takes a share of a session it does not list")
  client.close()
  connection.close()
  store.close()
  for (const check of checks) console.log(`ok - ${check}`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
