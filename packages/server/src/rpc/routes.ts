import { RpcSession, type RpcSessionOptions } from "capnweb"
import { type Context, Hono, type MiddlewareHandler } from "hono"
import type { Env } from "../env.ts"
import { errorResponse } from "../errors/error-response.ts"
import { ShareService } from "../service/share-service.ts"
import { type RpcLimits, rpcLimitsOf } from "../settings/rpc-limits.ts"
import { serveBatch } from "./batch.ts"
import { checkRpcRequest, type GateAccepted } from "./gate.ts"
import { SeedShareRpcTarget } from "./seed-rpc.ts"
import { type RpcTransportKind, ShareRpcTarget } from "./share-rpc.ts"
import { GuardedWebSocketTransport } from "./transport.ts"
import { toWireError } from "./wire-errors.ts"

type RpcEnv = { Bindings: Env; Variables: { accepted: GateAccepted } }

/** The gate runs first: a refused request is answered here, before any socket is accepted or body read. */
const gate: MiddlewareHandler<RpcEnv> = async (c, next) => {
  const decision = await checkRpcRequest(c.req.raw, c.env)
  if (!decision.ok) {
    for (const [name, value] of Object.entries(decision.headers)) c.header(name, value)
    return errorResponse(c, decision.error)
  }
  c.set("accepted", decision)
  await next()
}

/**
 * Both transports hand capnweb parsed messages, which capnweb does not measure: the message limit is enforced in
 * front of it (the batch body limit above, the WebSocket transport per frame), in UTF-8 bytes.
 */
const sessionOptions: RpcSessionOptions = { onSendError: toWireError }

/**
 * capnweb's `newWorkersWebSocketRpcResponse` would run the session on its plain `WebSocketTransport` over the raw
 * socket, which cannot keep the limits of /rpc: it has no idle timeout; its only size check is capnweb's
 * `maxMessageSize`, which counts UTF-16 code units of a message already received, not UTF-8 bytes; it passes
 * binary frames on; and it ends every failed session with close code 3000 and the error's text, where /rpc closes
 * with 1009 (too big), 1003 (binary), 1002 (malformed) or 1000 (idle) and a reason of its own. So the pair is made
 * here and capnweb runs on the guarded transport. (The subprotocol answer alone would not need this: a header can
 * be added to its 101 response.)
 */
function acceptWebSocket(subprotocol: string | undefined, target: Target, limits: RpcLimits): Response {
  const pair = new WebSocketPair()
  const client = pair[0]
  const server = pair[1]
  server.accept()
  // The session lives as long as the socket: the transport's listeners keep it reachable.
  new RpcSession(new GuardedWebSocketTransport(server, limits), target, sessionOptions)
  const headers: HeadersInit = subprotocol === undefined ? {} : { "Sec-WebSocket-Protocol": subprotocol }
  return new Response(null, { status: 101, webSocket: client, headers })
}

type Target = ShareRpcTarget | SeedShareRpcTarget

function serve(
  c: Context<RpcEnv>,
  target: (service: ShareService, origin: string, transport: RpcTransportKind) => Target,
) {
  const accepted = c.get("accepted")
  const made = target(new ShareService(c.env), new URL(c.req.url).origin, accepted.kind)
  if (accepted.kind === "websocket") return acceptWebSocket(accepted.subprotocol, made, rpcLimitsOf(c.env))
  return serveBatch(c.req.raw, made, sessionOptions, rpcLimitsOf(c.env).maxMessageBytes)
}

/**
 * capnweb over WebSocket (GET + Upgrade) and HTTP batch (POST), both behind the same gate: our contract at /rpc, the
 * seed's (for the fork's OpenCode client) at /rpc/share.
 */
export const rpcRoutes = new Hono<RpcEnv>()
  .all("/", gate, (c) => serve(c, (...args) => new ShareRpcTarget(...args)))
  .all("/share", gate, (c) => serve(c, (...args) => new SeedShareRpcTarget(...args)))
