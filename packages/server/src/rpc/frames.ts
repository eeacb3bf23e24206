import { ShareError } from "@cloudsession/protocol"
import type { HeldCalls } from "./held-calls.ts"
import { parseRpcMessage, type RpcMessage } from "./messages.ts"

/** Close codes the client sees (RFC 6455 §7.4.1). */
export const CLOSE_CODES = {
  normal: 1000,
  protocolError: 1002,
  unsupportedData: 1003,
  policyViolation: 1008,
  messageTooBig: 1009,
  /** The session reached its age limit: reconnect, which checks the token again. */
  reauthenticate: 4001,
} as const

/** Largest close reason: 125-byte control frame payload minus the 2-byte code. */
export const MAX_CLOSE_REASON_BYTES = 123

/** An error that ends the connection: capnweb sends it to the client as an RPC error, then the socket closes. */
export class ConnectionClosingError extends ShareError {
  readonly closeCode: number

  constructor(code: ShareError["code"], message: string, closeCode: number) {
    super(code, message)
    this.closeCode = closeCode
  }
}

function exceedsBytes(text: string, maxBytes: number): boolean {
  // A UTF-16 unit takes 1 to 3 UTF-8 bytes: only encode when the length alone cannot decide.
  if (text.length > maxBytes) return true
  if (text.length * 3 <= maxBytes) return false
  return new TextEncoder().encode(text).byteLength > maxBytes
}

/** The frame if it is text within the size limit, else the error that ends the connection. */
function checkedFrame(frame: unknown, maxBytes: number): string {
  if (typeof frame !== "string") {
    throw new ConnectionClosingError(
      "bad_request",
      "binary frames are not part of the protocol",
      CLOSE_CODES.unsupportedData,
    )
  }
  if (exceedsBytes(frame, maxBytes)) {
    throw new ConnectionClosingError(
      "payload_too_large",
      `message exceeds ${maxBytes} bytes`,
      CLOSE_CODES.messageTooBig,
    )
  }
  return frame
}

/** A text frame as a parsed RPC message; a malformed one ends the connection as a protocol error. */
function parsedMessage(frame: string): RpcMessage {
  try {
    return parseRpcMessage(frame)
  } catch (error) {
    if (!(error instanceof ShareError)) throw error
    throw new ConnectionClosingError(error.code, error.message, CLOSE_CODES.protocolError)
  }
}

/**
 * One WebSocket frame as the RPC message capnweb gets, or the error that ends the connection (no call in it runs):
 * too big, binary, malformed, or more than `held` lets one client keep open.
 */
export function messageOf(frame: unknown, maxBytes: number, held: HeldCalls): unknown {
  const text = checkedFrame(frame, maxBytes)
  const message = parsedMessage(text)
  try {
    held.received(message, text.length)
  } catch (error) {
    if (!(error instanceof ShareError)) throw error
    throw new ConnectionClosingError(error.code, error.message, CLOSE_CODES.policyViolation)
  }
  return message
}
