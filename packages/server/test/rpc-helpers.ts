import { env, SELF } from "cloudflare:test"
import {
  type ErrorCode,
  errorCodeOf,
  RPC_SUBPROTOCOL,
  RPC_TOKEN_SUBPROTOCOL_PREFIX,
  type ShareRpc,
} from "@cloudsession/protocol"
import { newHttpBatchRpcSession, newWebSocketRpcSession, RpcSession, type RpcStub } from "capnweb"
import { expect } from "vitest"
import { listIndex } from "../src/listing/r2-entries.ts"
import { ShareRpcTarget } from "../src/rpc/share-rpc.ts"
import { GuardedWebSocketTransport } from "../src/rpc/transport.ts"
import { toWireError } from "../src/rpc/wire-errors.ts"
import { ShareService } from "../src/service/share-service.ts"
import type { RpcLimits } from "../src/settings/rpc-limits.ts"
import { BASE } from "./helpers.ts"

/** Tokens from vitest.config.ts (`RPC_TOKENS`), and one that is not configured there. */
export const CURRENT_TOKEN = "test-token-current"
export const NEXT_TOKEN = "test-token-next"
export const UNKNOWN_TOKEN = "test-token-unknown"

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` })
/** What a browser sends: the protocol name and the token as a second subprotocol. */
export const browserProtocols = (token: string) => ({
  "Sec-WebSocket-Protocol": `${RPC_SUBPROTOCOL}, ${RPC_TOKEN_SUBPROTOCOL_PREFIX}${token}`,
})

export function upgradeRequest(headers: Record<string, string>): Promise<Response> {
  return SELF.fetch(`${BASE}/rpc`, { headers: { Upgrade: "websocket", ...headers } })
}

export type OpenRpc = {
  rpc: RpcStub<ShareRpc>
  socket: WebSocket
  response: Response
  /** Resolves with the close the server sent (or the one our side made). */
  closed: Promise<{ code: number; reason: string }>
  /** Close the connection from the client side. */
  end: () => void
}

/** A capnweb session over a real upgrade through the Worker (header token unless other headers are given). */
export async function openRpc(headers: Record<string, string> = bearer(CURRENT_TOKEN)): Promise<OpenRpc> {
  const response = await upgradeRequest(headers)
  if (response.status !== 101) expect.fail(`upgrade refused: ${response.status} ${await response.text()}`)
  const socket = response.webSocket
  if (socket === null) throw new Error("101 without a WebSocket")
  socket.accept()
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.addEventListener("close", (event) => resolve({ code: event.code, reason: event.reason }))
  })
  const end = () => socket.close(1000, "test done")
  return { rpc: newWebSocketRpcSession<ShareRpc>(socket), socket, response, closed, end }
}

/** The `[code]` an RPC call failed with (see `formatRpcErrorMessage`). */
export async function rpcFailure(call: Promise<unknown>): Promise<{ code: ErrorCode | undefined; message: string }> {
  try {
    await call
  } catch (error) {
    return { code: errorCodeOf(error), message: error instanceof Error ? error.message : String(error) }
  }
  throw new Error("expected the RPC call to fail")
}

/**
 * A capnweb HTTP batch client whose requests go to the Worker under test: capnweb sends batches with the global
 * `fetch`, which inside workerd would leave the process, so the test routes it to `SELF.fetch` and keeps each
 * response for inspection. Call `restore()` when done.
 */
export function batchRpc(headers: Record<string, string> = bearer(CURRENT_TOKEN)) {
  const responses: Response[] = []
  const realFetch = globalThis.fetch
  globalThis.fetch = async (input, init) => {
    const response = await SELF.fetch(input, init)
    responses.push(response.clone())
    return response
  }
  const rpc = newHttpBatchRpcSession<ShareRpc>(new Request(`${BASE}/rpc`, { headers }))
  const restore = () => {
    globalThis.fetch = realFetch
  }
  return { rpc, responses, restore }
}

/**
 * The listing entries of every share made for `sessionID`. A share is listed before its creator hears back, so once
 * a request has been answered this says exactly whether it created one (no page size caps it).
 */
export async function sharesOf(sessionID: string): Promise<string[]> {
  return (await listIndex(env.SESSIONS_STORE)).filter((entry) => entry.sessionID === sessionID).map((entry) => entry.id)
}

/** The ids of every listed share, for requests that name no session: compare before and after. */
export async function allShareIDs(): Promise<string[]> {
  return (await listIndex(env.SESSIONS_STORE)).map((entry) => entry.id).sort()
}

/** One line of a capnweb batch calling `createShare(sessionID)` on the main object, as capnweb's client writes it. */
export function createShareLine(sessionID: string): string {
  return JSON.stringify(["push", ["pipeline", 0, ["createShare"], [sessionID]]])
}

/** POST a hand-written batch body to /rpc, as a client that bypasses capnweb could. */
export function postBatch(body: string, headers: Record<string, string> = bearer(CURRENT_TOKEN)): Promise<Response> {
  return SELF.fetch(`${BASE}/rpc`, { method: "POST", headers, body })
}

/** The server end of a real WebSocketPair running the share RPC on the guarded transport with `limits`. */
export function serveGuarded(limits: RpcLimits) {
  const pair = new WebSocketPair()
  const client = pair[0]
  const server = pair[1]
  server.accept()
  client.accept()
  const target = new ShareRpcTarget(new ShareService(env), BASE, "websocket")
  new RpcSession(new GuardedWebSocketTransport(server, limits), target, { onSendError: toWireError })
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    client.addEventListener("close", (event) => resolve({ code: event.code, reason: event.reason }))
  })
  return { client, closed }
}
