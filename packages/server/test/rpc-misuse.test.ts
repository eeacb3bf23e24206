import { SELF } from "cloudflare:test"
import {
  type CreatedShare,
  type ErrorCode,
  LIMITS,
  RPC_LIMITS,
  type ShareInfo,
  type ShareRpc,
} from "@cloudsession/protocol"
import { makeSessionItems, makeTextPart } from "@cloudsession/protocol/fixtures"
import type { RpcStub } from "capnweb"
import { describe, expect, it } from "vitest"
import { BASE, getShare, uniqueSessionID } from "./helpers.ts"
import { allShareIDs, bearer, CURRENT_TOKEN, openRpc, rpcFailure, sharesOf } from "./rpc-helpers.ts"

const WRONG_SECRET = "w".repeat(43)

/** What a misuse must leave alone: the share's version, sync count and rows. */
async function stateOf(share: ShareInfo) {
  const snapshot = await getShare(share.id)
  return {
    version: snapshot.metadata.version,
    syncCount: snapshot.metadata.syncCount,
    partIDs: snapshot.parts.map((part) => part.id),
    messageIDs: snapshot.messages.map((message) => message.id),
  }
}

async function shareWithData(rpc: RpcStub<ShareRpc>, label: string) {
  const sessionID = uniqueSessionID(label)
  const share = await rpc.createShare(sessionID, makeSessionItems(sessionID, 3))
  return { sessionID, share }
}

/** Loosely typed view of the stub, for calls a typed client could not make (wrong argument types, unknown methods). */
type LooseRpc = { [K in keyof ShareRpc | "dropAllShares"]: (...args: unknown[]) => Promise<unknown> }
const loose = (rpc: RpcStub<ShareRpc>) => rpc as unknown as LooseRpc

type Misuse = {
  name: string
  call: (rpc: RpcStub<ShareRpc>, share: ShareInfo, sessionID: string) => Promise<unknown>
  code: ErrorCode
  /** What the message must say, where the code alone leaves the reason open. */
  says?: RegExp
}

const misuses: Misuse[] = [
  {
    name: "sync with a wrong secret",
    call: (rpc, share, sessionID) => rpc.syncShare(share.id, WRONG_SECRET, makeSessionItems(sessionID, 1)),
    code: "forbidden",
  },
  {
    name: "delete with a wrong secret",
    call: (rpc, share) => rpc.deleteShare(share.id, WRONG_SECRET),
    code: "forbidden",
  },
  { name: "open with a wrong secret", call: (rpc, share) => rpc.openShare(share.id, WRONG_SECRET), code: "forbidden" },
  {
    name: "sync of an unknown share",
    call: (rpc, share) => rpc.syncShare("AAAAAAAAAAAAAAAAAAAAAA", share.secret, []),
    code: "not_found",
  },
  {
    name: "open of an unknown share",
    call: (rpc, share) => rpc.openShare("unknown-share", share.secret),
    code: "not_found",
  },
  {
    name: "data that is not a list",
    call: (rpc, share) => loose(rpc).syncShare(share.id, share.secret, "parts"),
    code: "bad_request",
  },
  {
    name: "a share id that is not a string",
    call: (rpc, share) => loose(rpc).syncShare({ id: share.id }, share.secret, []),
    code: "bad_request",
  },
  {
    name: "a share id with path characters",
    call: (rpc, share) => rpc.syncShare(`../${share.id}`, share.secret, []),
    code: "bad_request",
  },
  {
    name: "a secret that is not a string",
    call: (rpc, share) => loose(rpc).openShare(share.id, 12345),
    code: "bad_request",
  },
  {
    name: "a malformed batch id",
    call: (rpc, share) => rpc.syncShare(share.id, share.secret, [], "../../etc/passwd"),
    code: "bad_request",
  },
  {
    name: "too many items in one batch",
    call: (rpc, share, sessionID) =>
      rpc.syncShare(
        share.id,
        share.secret,
        Array.from({ length: LIMITS.maxBatchItems + 1 }, (_, index) => ({
          type: "part" as const,
          data: makeTextPart(sessionID, "msg_00000000", 1000 + index),
        })),
      ),
    code: "bad_request",
    says: new RegExp(`${LIMITS.maxBatchItems} items`),
  },
  {
    name: "a batch over the byte limit (that still fits one message)",
    call: (rpc, share, sessionID) =>
      rpc.syncShare(share.id, share.secret, [
        { type: "part", data: makeTextPart(sessionID, "msg_00000000", 500, "y".repeat(LIMITS.maxBodyBytes)) },
      ]),
    code: "payload_too_large",
    says: /bytes/,
  },
  {
    name: "a createShare without a session id",
    call: (rpc) => loose(rpc).createShare(undefined),
    code: "bad_request",
  },
  {
    name: "a probeValue with a string for a Date",
    call: (rpc) =>
      loose(rpc).probeValue({ when: "2026-01-01", bytes: new Uint8Array(1), nested: { label: "", values: [] } }),
    code: "bad_request",
  },
  {
    name: "a probeValue with too many bytes",
    call: (rpc) =>
      rpc.probeValue({ when: new Date(), bytes: new Uint8Array(64 * 1024 + 1), nested: { label: "", values: [] } }),
    code: "bad_request",
  },
  {
    name: "a probeCallback without a function",
    call: (rpc) => loose(rpc).probeCallback("not a function"),
    code: "bad_request",
  },
  {
    name: "a probeCallback whose reply is not a string",
    call: (rpc) => loose(rpc).probeCallback(() => ({ not: "a string" })),
    code: "bad_request",
  },
  {
    name: "a method the server does not have",
    call: (rpc) => loose(rpc).dropAllShares(),
    code: "bad_request",
    says: /dropAllShares/,
  },
]

describe("/rpc misuse: a clear RPC error, the share unchanged, the connection usable", () => {
  for (const misuse of misuses) {
    it(`refuses ${misuse.name} with ${misuse.code}`, async () => {
      const { rpc, end } = await openRpc()
      const { share, sessionID } = await shareWithData(rpc, "misuse")
      const before = await stateOf(share)
      const failure = await rpcFailure(misuse.call(rpc, share, sessionID))
      expect(failure.code, failure.message).toBe(misuse.code)
      if (misuse.says) expect(failure.message).toMatch(misuse.says)
      expect(failure.message).not.toContain(share.secret)
      expect(await stateOf(share)).toEqual(before)
      // The connection survives an ordinary refusal.
      expect((await rpc.probeCallback(() => "still here")).length).toBeGreaterThan(0)
      end()
    })
  }

  it("creates a share whose first batch has a bad item, storing the rest and naming the refused one", async () => {
    const { rpc, end } = await openRpc()
    const sessionID = uniqueSessionID("bad_initial")
    const created = (await loose(rpc).createShare(sessionID, [
      { type: "bogus", data: {} },
      ...makeSessionItems(sessionID, 2),
    ])) as CreatedShare
    expect(created.refused).toEqual([expect.objectContaining({ index: 0, type: "bogus", code: "bad_request" })])
    expect(await sharesOf(sessionID)).toHaveLength(1)
    end()
  })

  it("refuses a createShare without a session id without creating anything", async () => {
    const { rpc, end } = await openRpc()
    const before = await allShareIDs()
    const failure = await rpcFailure(rpc.createShare("", makeSessionItems("ses_x", 1)))
    expect(failure.code).toBe("bad_request")
    expect(await allShareIDs()).toEqual(before)
    end()
  })
})

describe("/rpc message limits", () => {
  it("refuses an oversized frame with an RPC error and a 1009 close, applying nothing", async () => {
    const { rpc, closed } = await openRpc()
    const { share, sessionID } = await shareWithData(rpc, "oversized")
    const before = await stateOf(share)
    const huge = "z".repeat(RPC_LIMITS.maxMessageBytes)
    const failure = await rpcFailure(
      rpc.syncShare(share.id, share.secret, [
        { type: "part", data: makeTextPart(sessionID, "msg_00000000", 0, "first part of the batch") },
        { type: "part", data: makeTextPart(sessionID, "msg_00000000", 1, huge) },
      ]),
    )
    expect(failure.code, failure.message).toBe("payload_too_large")
    expect(await closed).toEqual({ code: 1009, reason: `message exceeds ${RPC_LIMITS.maxMessageBytes} bytes` })
    expect(await stateOf(share)).toEqual(before)
  })

  it("refuses an HTTP batch body over the message limit with 413 before running it", async () => {
    const body = "x".repeat(RPC_LIMITS.maxMessageBytes + 1)
    const response = await SELF.fetch(`${BASE}/rpc`, { method: "POST", headers: bearer(CURRENT_TOKEN), body })
    expect(response.status).toBe(413)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("payload_too_large")
  })
})
