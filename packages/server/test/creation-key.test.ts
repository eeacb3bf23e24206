import type { ShareInfo, SyncData } from "@cloudsession/protocol"
import { makeSessionItems } from "@cloudsession/protocol/fixtures"
import { describe, expect, it } from "vitest"
import { base64url, sha256Bytes } from "../src/crypto/crypto.ts"
import { identityFromKey } from "../src/service/share-identity.ts"
import { api, BASE, errorOf, getShare, uniqueSessionID } from "./helpers.ts"
import { openRpc, rpcFailure } from "./rpc-helpers.ts"

/** What a client sends: 256 random bits, base64url (43 characters). */
function newKey(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)))
}

function createWithKey(sessionID: string, creationKey: unknown, initialData?: SyncData[]): Promise<Response> {
  return api("/api/share", { method: "POST", json: { sessionID, initialData, creationKey } })
}

async function created(response: Response): Promise<ShareInfo> {
  expect(response.status, await response.clone().text()).toBe(201)
  return (await response.json()) as ShareInfo
}

/** The derivation as the README states it, written out independently of the server's code. */
/** The id and secret as plain digests of the key, before the leading "-" rule. */
async function rawIdentity(key: string): Promise<ShareInfo> {
  const id = base64url(new Uint8Array(await sha256Bytes(`cloudsession share id\n${key}`))).slice(0, 22)
  const secret = base64url(new Uint8Array(await sha256Bytes(`cloudsession share secret\n${key}`)))
  return { id, secret, url: `${BASE}/share/${id}` }
}

/**
 * What the server derives: ids never start with "-" (a command line would take one for an option), so it puts "A"
 * there instead. One key in 64 gives such a digest: comparing with the raw one would fail at random.
 */
async function expectedIdentity(key: string): Promise<ShareInfo> {
  const raw = await rawIdentity(key)
  if (!raw.id.startsWith("-")) return raw
  const id = `A${raw.id.slice(1)}`
  return { ...raw, id, url: `${BASE}/share/${id}` }
}

describe("creation keys over the JSON API", () => {
  it("answers a replayed create with the same share and does not apply its initial data again", async () => {
    const sessionID = uniqueSessionID("key_replay")
    const key = newKey()
    const items = makeSessionItems(sessionID, 5)
    const first = await created(await createWithKey(sessionID, key, items))
    expect(first).toEqual(await expectedIdentity(key))
    const before = await getShare(first.id)
    expect(before.metadata.syncCount).toBe(1)
    expect(before.parts).toHaveLength(5)

    const again = await created(await createWithKey(sessionID, key, items))
    expect(again).toEqual(first)
    const after = await getShare(first.id)
    expect(after.metadata).toEqual(before.metadata)
    expect(after.parts).toEqual(before.parts)
    // Even a replay with other initial data leaves the share as the first create made it.
    await created(await createWithKey(sessionID, key, makeSessionItems(sessionID, 9)))
    expect((await getShare(first.id)).parts).toHaveLength(5)
  })

  it("refuses the same key for another session with 409 and changes nothing", async () => {
    const sessionID = uniqueSessionID("key_owner")
    const key = newKey()
    const share = await created(await createWithKey(sessionID, key, makeSessionItems(sessionID, 2)))
    const before = await getShare(share.id)
    const intruder = uniqueSessionID("key_intruder")
    const refused = await createWithKey(intruder, key, makeSessionItems(intruder, 4))
    expect(refused.status).toBe(409)
    expect((await errorOf(refused)).code).toBe("conflict")
    expect(await getShare(share.id)).toEqual(before)
  })

  it("refuses a malformed key with 400", async () => {
    const sessionID = uniqueSessionID("key_bad")
    for (const key of ["a".repeat(42), `${"a".repeat(42)}+`, `${"a".repeat(42)}=`, "a".repeat(129), 12345, null]) {
      const response = await createWithKey(sessionID, key)
      expect(response.status, String(key)).toBe(400)
      expect((await errorOf(response)).code).toBe("bad_request")
    }
    await created(await createWithKey(sessionID, "a".repeat(128)))
  })

  it("keeps ids and secrets random without a key", async () => {
    // Two sessions: without a key or a token, a session gets one share (see upstream-client.test.ts).
    const one = await created(await createWithKey(uniqueSessionID("key_none"), undefined))
    const two = await created(await createWithKey(uniqueSessionID("key_none"), undefined))
    expect(two.id).not.toBe(one.id)
    expect(two.secret).not.toBe(one.secret)
  })

  it("never derives an id that starts with '-', and derives the same one every time", async () => {
    // About one key in 64 would give a leading '-'; look for one (bounded, so a bug cannot loop forever).
    let found: { key: string; raw: ShareInfo } | undefined
    for (let tries = 0; tries < 5000 && found === undefined; tries += 1) {
      const key = newKey()
      const raw = await rawIdentity(key)
      if (raw.id.startsWith("-")) found = { key, raw }
    }
    if (found === undefined) throw new Error("no key with a leading '-' in 5 000 tries")
    const derived = await identityFromKey(found.key)
    expect(derived.id).toBe(`A${found.raw.id.slice(1)}`)
    expect(derived.secret).toBe(found.raw.secret)
    expect(await identityFromKey(found.key)).toEqual(derived)
  })
})

describe("creation keys over RPC", () => {
  it("returns the same share for a replayed pipelined create, refuses another session and a malformed key", async () => {
    const { rpc, end } = await openRpc()
    const sessionID = uniqueSessionID("key_rpc")
    const key = newKey()
    const items = makeSessionItems(sessionID, 3)
    const first = rpc.createShare(sessionID, undefined, key)
    const firstSync = rpc.syncShare(first.id, first.secret, items, "batch-key-rpc-1")
    const [share, synced] = await Promise.all([first, firstSync])
    expect(share).toEqual(await expectedIdentity(key))
    expect(synced).toMatchObject({ syncCount: 1, duplicate: false })

    // The retry after a lost reply: same key, same pipelined batch id.
    const again = rpc.createShare(sessionID, undefined, key)
    const againSync = rpc.syncShare(again.id, again.secret, items, "batch-key-rpc-1")
    const [replayed, resynced] = await Promise.all([again, againSync])
    expect(replayed).toEqual(share)
    expect(resynced).toMatchObject({ syncCount: 1, duplicate: true, applied: 0 })
    const snapshot = await getShare(share.id)
    expect(snapshot.metadata.syncCount).toBe(1)
    expect(snapshot.parts).toHaveLength(3)

    expect((await rpcFailure(rpc.createShare(uniqueSessionID("key_rpc_other"), undefined, key))).code).toBe("conflict")
    expect((await rpcFailure(rpc.createShare(sessionID, undefined, "short"))).code).toBe("bad_request")
    expect(await getShare(share.id)).toEqual(snapshot)
    end()
  })
})
