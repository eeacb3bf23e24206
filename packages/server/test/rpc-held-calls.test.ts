import type { ShareRpc } from "@cloudsession/protocol"
import { newWebSocketRpcSession } from "capnweb"
import { describe, expect, it } from "vitest"
import { HELD_LIMITS } from "../src/rpc/held-calls.ts"
import { postBatch, serveGuarded } from "./rpc-helpers.ts"

/** The share RPC on the guarded transport, with room for the calls these tests hold. */
function serve(maxMessageBytes = 64 * 1024) {
  return serveGuarded({ maxMessageBytes, idleTimeoutMs: 10_000, sessionMaxMs: 60_000 })
}

describe("a client cannot make one RPC session hold unbounded state", () => {
  it("closes a socket that opens more pipes than calls may be open at once (each would hold a stream)", async () => {
    const { client, closed } = serve()
    // The attack: `pipe` messages, never released. 100 000 of them held 401 MB before.
    for (let index = 0; index <= HELD_LIMITS.calls; index++) client.send(JSON.stringify(["pipe"]))
    expect(await closed).toEqual({ code: 1008, reason: `at most ${HELD_LIMITS.calls} calls may be open at once` })
  })

  it("closes a socket that pushes values it never releases", async () => {
    const { client, closed } = serve()
    for (let index = 0; index <= HELD_LIMITS.calls; index++) client.send(JSON.stringify(["push", "kept"]))
    expect((await closed).code).toBe(1008)
  })

  it("bounds the bytes of calls still running, not only their count", async () => {
    const maxMessageBytes = 16 * 1024
    const { client, closed } = serve(maxMessageBytes)
    const big = "x".repeat(maxMessageBytes - 100)
    for (let index = 0; index < HELD_LIMITS.messagesOfBytes + 1; index++) client.send(JSON.stringify(["push", big]))
    expect(await closed).toEqual({
      code: 1008,
      reason: `calls still running hold more than ${HELD_LIMITS.messagesOfBytes * maxMessageBytes} bytes`,
    })
  })

  it("lets a client that releases what it is done with make any number of calls", async () => {
    const { client } = serve()
    const rpc = newWebSocketRpcSession<ShareRpc>(client)
    // capnweb's own client releases each result once awaited: far more calls than may be open at once, one by one.
    for (let round = 0; round < HELD_LIMITS.calls * 3; round++) {
      expect(await rpc.probeCallback(() => `round ${round}`)).toBe(`round ${round}`)
    }
  })

  it("refuses an HTTP batch that opens more calls than that with 400, before any runs", async () => {
    const lines = Array.from({ length: HELD_LIMITS.calls + 1 }, () => JSON.stringify(["pipe"]))
    const response = await postBatch(lines.join("\n"))
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      error: { code: "bad_request", message: `an HTTP batch: at most ${HELD_LIMITS.calls} calls may be open at once` },
    })
  })
})
