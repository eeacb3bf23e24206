import { createExecutionContext, env } from "cloudflare:test"
import type { ShareRpc } from "@cloudsession/protocol"
import { newWebSocketRpcSession } from "capnweb"
import { describe, expect, it } from "vitest"
import { app } from "../src/app.ts"
import { BASE } from "./helpers.ts"
import { bearer, CURRENT_TOKEN, rpcFailure, serveGuarded } from "./rpc-helpers.ts"

const serve = serveGuarded

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe("guarded WebSocket transport", () => {
  it("closes a socket that sends nothing for the idle timeout", async () => {
    const { closed } = serve({ maxMessageBytes: 4096, idleTimeoutMs: 150, sessionMaxMs: 60_000 })
    const started = Date.now()
    expect(await closed).toEqual({ code: 1000, reason: "idle timeout: no message for 0.15 s" })
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
  })

  it("ends a socket at its age limit even while it is busy, telling the client to reconnect with a token", async () => {
    const { client, closed } = serve({ maxMessageBytes: 4096, idleTimeoutMs: 5000, sessionMaxMs: 300 })
    const rpc = newWebSocketRpcSession<ShareRpc>(client)
    const started = Date.now()
    for (let round = 0; round < 3; round++) expect(await rpc.probeCallback(() => `busy ${round}`)).toBe(`busy ${round}`)
    const end = await closed
    expect(end.code).toBe(4001)
    expect(end.reason).toMatch(/^session expired after 0\.3 s: reconnect/)
    expect(Date.now() - started).toBeGreaterThanOrEqual(280)
  })

  it("a token removed from RPC_TOKENS stops working within the session's age: the reconnect is refused, 401", async () => {
    const configured = { ...env, RPC_SESSION_MAX_SECONDS: "1" }
    const upgrade = (bindings: typeof env) =>
      app.fetch(
        new Request(`${BASE}/rpc`, { headers: { Upgrade: "websocket", ...bearer(CURRENT_TOKEN) } }),
        bindings,
        createExecutionContext(),
      )
    const accepted = await upgrade(configured)
    expect(accepted.status).toBe(101)
    const socket = accepted.webSocket
    if (socket === null) throw new Error("no socket")
    socket.accept()
    const closed = new Promise<number>((resolve) => socket.addEventListener("close", (event) => resolve(event.code)))
    const rpc = newWebSocketRpcSession<ShareRpc>(socket)
    expect(await rpc.probeCallback(() => "still allowed")).toBe("still allowed")
    // The operator removes the token (a new deployment's env); the open socket ends within its age limit...
    const started = Date.now()
    expect(await closed).toBe(4001)
    expect(Date.now() - started).toBeLessThan(1500)
    // ...and the client's reconnect with the old token is refused with a clear error.
    const refused = await upgrade({ ...configured, RPC_TOKENS: "test-token-next" })
    expect(refused.status).toBe(401)
    const body = (await refused.json()) as { error: { code: string; message: string } }
    expect(body.error).toEqual({ code: "unauthorized", message: "the bearer token is not valid" })
  })

  it("keeps a socket open while the client keeps sending", async () => {
    const { client, closed } = serve({ maxMessageBytes: 4096, idleTimeoutMs: 300, sessionMaxMs: 60_000 })
    const rpc = newWebSocketRpcSession<ShareRpc>(client)
    let closedEarly = false
    void closed.then(() => {
      closedEarly = true
    })
    for (let round = 0; round < 6; round++) {
      expect(await rpc.probeCallback(() => `round ${round}`)).toBe(`round ${round}`)
      await sleep(100)
    }
    expect(closedEarly).toBe(false)
    expect((await closed).reason).toMatch(/^idle timeout/)
  })

  it("counts UTF-8 bytes, not characters, against the message limit", async () => {
    const limit = 2048
    const fits = serve({ maxMessageBytes: limit, idleTimeoutMs: 5000, sessionMaxMs: 60_000 })
    const rpc = newWebSocketRpcSession<ShareRpc>(fits.client)
    // 600 × "é" is 600 characters but 1200 bytes: with capnweb's framing it still fits 2048 bytes.
    const label = "é".repeat(600)
    expect(
      (await rpc.probeValue({ when: new Date(0), bytes: new Uint8Array(), nested: { label, values: [] } })).nested
        .label,
    ).toBe(label)
    fits.client.close(1000, "done")

    // 1100 × "é" is under 2048 characters, but 2200 bytes.
    const tooBig = serve({ maxMessageBytes: limit, idleTimeoutMs: 5000, sessionMaxMs: 60_000 })
    const refused = newWebSocketRpcSession<ShareRpc>(tooBig.client)
    const failure = await rpcFailure(
      refused.probeValue({
        when: new Date(0),
        bytes: new Uint8Array(),
        nested: { label: "é".repeat(1100), values: [] },
      }),
    )
    expect(failure.code).toBe("payload_too_large")
    expect(await tooBig.closed).toEqual({ code: 1009, reason: `message exceeds ${limit} bytes` })
  })

  it("refuses binary frames with a 1003 close", async () => {
    const { client, closed } = serve({ maxMessageBytes: 4096, idleTimeoutMs: 5000, sessionMaxMs: 60_000 })
    client.send(new Uint8Array([1, 2, 3]))
    expect(await closed).toEqual({ code: 1003, reason: "binary frames are not part of the protocol" })
  })
})

describe("/rpc limits from the Worker's settings", () => {
  // The same app as in production, with the settings a deployment would put in its vars.
  const configured = { ...env, RPC_MAX_MESSAGE_BYTES: "2048", RPC_IDLE_TIMEOUT_SECONDS: "1" }
  const request = (init: RequestInit) =>
    app.fetch(
      new Request(`${BASE}/rpc`, { ...init, headers: { ...bearer(CURRENT_TOKEN), ...init.headers } }),
      configured,
      createExecutionContext(),
    )

  async function openSocket() {
    const response = await request({ headers: { Upgrade: "websocket" } })
    expect(response.status).toBe(101)
    const socket = response.webSocket
    if (socket === null) throw new Error("101 without a WebSocket")
    socket.accept()
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
      socket.addEventListener("close", (event) => resolve({ code: event.code, reason: event.reason }))
    })
    return { socket, closed }
  }

  it("RPC_MAX_MESSAGE_BYTES bounds a WebSocket message", async () => {
    const { socket, closed } = await openSocket()
    socket.send(JSON.stringify(["push", "x".repeat(2100)]))
    expect(await closed).toEqual({ code: 1009, reason: "message exceeds 2048 bytes" })
  })

  it("RPC_MAX_MESSAGE_BYTES bounds an HTTP batch body", async () => {
    const response = await request({ method: "POST", body: "x".repeat(2049) })
    expect(response.status).toBe(413)
    expect(await response.text()).toContain("at most 2048 bytes")
  })

  it("RPC_IDLE_TIMEOUT_SECONDS closes a silent socket", async () => {
    const started = Date.now()
    const { closed } = await openSocket()
    expect(await closed).toEqual({ code: 1000, reason: "idle timeout: no message for 1 s" })
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
  })
})
