import { ShareError } from "@cloudsession/protocol"

/** One capnweb message: a JSON array whose first element names its type. */
export type RpcMessage = [type: string, ...rest: unknown[]]

/**
 * The message types capnweb 0.12 reads (`RpcSessionImpl.readLoop`). Checked before a message reaches capnweb, so a
 * batch with an unknown one is refused before any call in it runs, not after the calls in front of it.
 */
const MESSAGE_TYPES: ReadonlySet<unknown> = new Set([
  "push",
  "stream",
  "pipe",
  "pull",
  "resolve",
  "reject",
  "release",
  "abort",
])

function isRpcMessage(value: unknown): value is RpcMessage {
  return Array.isArray(value) && MESSAGE_TYPES.has(value[0])
}

/**
 * One RPC message from its JSON text. Parsing here, not in capnweb, makes malformed input a `bad_request` that
 * never quotes the input back, and leaves a `SyntaxError` inside capnweb meaning a server fault.
 */
export function parseRpcMessage(text: string): RpcMessage {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new ShareError("bad_request", "malformed RPC message: not JSON")
  }
  if (!isRpcMessage(value)) throw new ShareError("bad_request", "malformed RPC message: unknown message type")
  return value
}
