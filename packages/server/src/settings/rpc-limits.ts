import { RPC_LIMITS, rpcMessageLimit } from "@cloudsession/protocol"
import type { Env } from "../env.ts"
import { limitsOf } from "./limits.ts"
import { rpcSessionMaxMs } from "./privacy.ts"
import { positiveInt } from "./values.ts"

/** How long an idle socket may stay open at most, whatever a deployment sets. */
const MAX_IDLE_TIMEOUT_SECONDS = 3600

export type RpcLimits = {
  /** Largest WebSocket message, and largest HTTP batch body, in UTF-8 bytes. */
  maxMessageBytes: number
  /** Milliseconds without a message from the client before the socket is closed. */
  idleTimeoutMs: number
  /**
   * Milliseconds a socket lives at most; then its client reconnects and shows its token again, so a token removed
   * from RPC_TOKENS stops working within this time (a deployment's secrets reach only new connections).
   */
  sessionMaxMs: number
}

/**
 * Limits of /rpc. A message carries a whole batch plus capnweb's framing, so its default follows the deployment's
 * batch limit; `RPC_MAX_MESSAGE_BYTES` may only lower it.
 */
export function rpcLimitsOf(env: Env): RpcLimits {
  const defaultMessageBytes = rpcMessageLimit(limitsOf(env).maxBodyBytes)
  const idleSeconds = positiveInt(env.RPC_IDLE_TIMEOUT_SECONDS, RPC_LIMITS.idleTimeoutSeconds, MAX_IDLE_TIMEOUT_SECONDS)
  return {
    maxMessageBytes: positiveInt(env.RPC_MAX_MESSAGE_BYTES, defaultMessageBytes, defaultMessageBytes),
    idleTimeoutMs: idleSeconds * 1000,
    sessionMaxMs: rpcSessionMaxMs(env),
  }
}
