import { type ErrorCode, formatRpcErrorMessage, ShareError } from "@cloudsession/protocol"

/** A plain `Error` carrying `[code] message`, without a stack (capnweb would send it, and it names server files). */
function wireError(code: ErrorCode, message: string): Error {
  const error = new Error(formatRpcErrorMessage(code, message))
  error.stack = ""
  return error
}

/**
 * capnweb's `onSendError`: every error leaving the server passes here, so this is the one place a `ShareError` from
 * the service becomes `[code] message` for the client's `errorCodeOf`. capnweb reports a caller's protocol misuse
 * (an unknown method, a message over its limits) as `TypeError`/`RangeError`, so those keep their message as a
 * `bad_request`; anything else is unexpected: it is logged and the client learns only that it was internal.
 */
export function toWireError(error: Error): Error {
  if (error instanceof ShareError) return wireError(error.code, error.message)
  if (error instanceof TypeError || error instanceof RangeError) return wireError("bad_request", error.message)
  console.error(`/rpc call failed: ${error.name}: ${error.message}`)
  return wireError("internal", "internal error")
}
