import { ShareError } from "@cloudsession/protocol"
import { newHttpBatchRpcResponse, RpcSession, type RpcSessionOptions } from "capnweb"
import { Hono, type MiddlewareHandler } from "hono"
import { bodyLimit } from "hono/body-limit"
import type { Env } from "../env.ts"
import { errorResponse } from "../http/errors.ts"
import { ShareService } from "../service/share-service.ts"
import { type RpcLimits, rpcLimitsOf } from "./config.ts"
import { checkRpcRequest, type GateAccepted } from "./gate.ts"
import { ShareRpcTarget } from "./share-rpc.ts"
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

/** An HTTP batch body is bounded like one WebSocket message, and refused (413) before capnweb reads it. */
const limitBatchBody: MiddlewareHandler<RpcEnv> = (c, next) => {
  const maxSize = rpcLimitsOf(c.env).maxMessageBytes
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new ShareError("payload_too_large", `an RPC batch is at most ${maxSize} bytes`)
    },
  })(c, next)
}

function sessionOptions(limits: RpcLimits): RpcSessionOptions {
  return { onSendError: toWireError, limits: { maxMessageSize: limits.maxMessageBytes } }
}

/**
 * capnweb's `newWorkersWebSocketRpcResponse` is not used: it cannot answer with a subprotocol (a browser that
 * offered `cloudsession.v1` fails the handshake without one) and hands capnweb the raw socket, leaving no place to
 * check frame sizes or time out an idle client. So the pair is made here and capnweb runs on a guarded transport.
 */
function acceptWebSocket(subprotocol: string | undefined, target: ShareRpcTarget, limits: RpcLimits): Response {
  const pair = new WebSocketPair()
  const client = pair[0]
  const server = pair[1]
  server.accept()
  // The session lives as long as the socket: the transport's listeners keep it reachable.
  new RpcSession(new GuardedWebSocketTransport(server, limits), target, sessionOptions(limits))
  const headers: HeadersInit = subprotocol === undefined ? {} : { "Sec-WebSocket-Protocol": subprotocol }
  return new Response(null, { status: 101, webSocket: client, headers })
}

/** capnweb over WebSocket (GET + Upgrade) and HTTP batch (POST) at /rpc, both behind the same gate. */
export const rpcRoutes = new Hono<RpcEnv>().all("/", gate, limitBatchBody, async (c) => {
  const accepted = c.get("accepted")
  const limits = rpcLimitsOf(c.env)
  const target = new ShareRpcTarget(new ShareService(c.env), new URL(c.req.url).origin)
  if (accepted.kind === "websocket") return acceptWebSocket(accepted.subprotocol, target, limits)
  return newHttpBatchRpcResponse(c.req.raw, target, sessionOptions(limits))
})
