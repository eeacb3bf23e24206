import { RPC_SUBPROTOCOL, RPC_TOKEN_SUBPROTOCOL_PREFIX } from "@cloudsession/protocol"
import { bearerRefusal, headerToken, type Refusal, refuse, shareKeyToken } from "../auth/bearer.ts"
import { isOriginAllowed } from "../auth/origin.ts"
import { configuredTokens, MAX_TOKEN_LENGTH } from "../auth/tokens.ts"
import type { Env } from "../env.ts"
import { listSetting } from "../settings/values.ts"

/** An accepted /rpc request: how to serve it, and the subprotocol to answer a WebSocket with (if one was offered). */
export type GateAccepted =
  | { ok: true; kind: "batch" }
  | { ok: true; kind: "websocket"; subprotocol: string | undefined }

/** A refused /rpc request: the error to answer with, plus headers that belong to it (`WWW-Authenticate`, ...). */
export type GateRefused = Refusal

export type GateDecision = GateAccepted | GateRefused

type Transport = { kind: "batch" } | { kind: "websocket"; offered: string[] }

/** Whether this isolate has said why /rpc refuses everything: once is enough, every request would flood the log. */
let reportedUnconfigured = false

function reportUnconfigured(): void {
  if (reportedUnconfigured) return
  reportedUnconfigured = true
  const hint = `set the RPC_TOKENS secret: comma-separated tokens of at most ${MAX_TOKEN_LENGTH} characters`
  console.error(`/rpc refuses every request: no usable bearer token is configured (${hint})`)
}

/** WebSocket upgrade (GET) or HTTP batch (POST); anything else is refused before it is read. */
function transportOf(request: Request): Transport | GateRefused {
  const upgrade = request.headers.get("Upgrade")
  if (request.method === "POST" && upgrade === null) return { kind: "batch" }
  if (request.method !== "GET") {
    return refuse("bad_request", "/rpc takes a WebSocket upgrade (GET) or an HTTP batch (POST)")
  }
  if (upgrade === null) {
    return refuse("upgrade_required", "/rpc over GET is a WebSocket endpoint: send Upgrade: websocket", {
      Upgrade: "websocket",
    })
  }
  if (upgrade.trim().toLowerCase() !== "websocket") return refuse("bad_request", "Upgrade must be websocket")
  return { kind: "websocket", offered: listSetting(request.headers.get("Sec-WebSocket-Protocol") ?? undefined) }
}

/** The token a browser sent as a subprotocol entry (`bearer.<token>`), if any. */
function subprotocolTokens(offered: readonly string[]): string[] {
  return offered
    .filter((entry) => entry.startsWith(RPC_TOKEN_SUBPROTOCOL_PREFIX))
    .map((entry) => entry.slice(RPC_TOKEN_SUBPROTOCOL_PREFIX.length))
}

/**
 * The one check in front of /rpc, run before a socket is accepted or a batch body is read: the token is configured
 * (fail closed), the request is a WebSocket upgrade with our subprotocol or a POST batch, the Origin is allowed, and
 * exactly one bearer token (header, or subprotocol for browsers) is among the configured ones.
 */
export async function checkRpcRequest(request: Request, env: Env): Promise<GateDecision> {
  const tokens = configuredTokens(env)
  if (tokens.length === 0) {
    // Fail closed, and say why where the operator looks: an unconfigured secret is a deployment mistake.
    reportUnconfigured()
    return refuse("unavailable", "RPC is not configured on this server")
  }
  const transport = transportOf(request)
  if ("ok" in transport) return transport
  const offered = transport.kind === "websocket" ? transport.offered : []
  if (offered.length > 0 && !offered.includes(RPC_SUBPROTOCOL)) {
    return refuse("bad_request", `unsupported WebSocket subprotocol: offer ${RPC_SUBPROTOCOL}`)
  }
  if (!isOriginAllowed(request, env)) return refuse("forbidden", "this Origin may not open /rpc")

  const candidates = subprotocolTokens(offered)
  // `Authorization: Bearer` and the fork's `x-opencode-share-key` carry the same token, checked the same way.
  for (const fromHeader of [headerToken(request), shareKeyToken(request)]) {
    if (fromHeader !== undefined) candidates.push(fromHeader)
  }
  if (candidates.length > 1) return refuse("bad_request", "send the bearer token once")
  const refused = await bearerRefusal(candidates[0], tokens)
  if (refused !== undefined) return refused
  if (transport.kind === "batch") return { ok: true, kind: "batch" }
  // Answer with the protocol name only: the token entry is never echoed back.
  return { ok: true, kind: "websocket", subprotocol: offered.length > 0 ? RPC_SUBPROTOCOL : undefined }
}
