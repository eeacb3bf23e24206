import { type ErrorCode, formatRpcErrorMessage, ShareError } from "@cloudsession/protocol"
import { logServerFault, truncated } from "../errors/fault-log.ts"

type KnownMisuse = {
  type: typeof Error
  pattern: RegExp
  code: ErrorCode
  /** Replaces capnweb's message when that quotes what the client sent; otherwise the message is kept. */
  message?: string
}

/**
 * capnweb's own errors for a caller's misuse, matched by class and exact wording (capnweb is pinned). Everything
 * else that is not a `ShareError` is a server fault, even a `TypeError`: reporting it as the client's would hide it.
 */
const CAPNWEB_MISUSES: readonly KnownMisuse[] = [
  // A call to a method the target does not have: `'dropAllShares' is not a function.` names only the caller's own
  // path. (A JavaScript engine's own "x is not a function" has neither the quotes nor the period.)
  { type: TypeError, pattern: /^'.*' is not a function\.$/s, code: "bad_request" },
  // Over the limits of capnweb's deserializer.
  {
    type: TypeError,
    pattern: /^Deserialization exceeded maximum allowed message depth of \d+\.$/,
    code: "payload_too_large",
  },
  {
    type: TypeError,
    pattern: /^Deserialized bigint exceeds maximum length of \d+ digits\.$/,
    code: "payload_too_large",
  },
  // A message of a known type but the wrong shape, or an unknown value in it: capnweb's text quotes it whole.
  { type: Error, pattern: /^bad RPC message: /, code: "bad_request", message: "malformed RPC message" },
  { type: TypeError, pattern: /^unknown special value: /, code: "bad_request", message: "malformed RPC value" },
]

/**
 * The error as the client may see it when it is one the server expects: a `ShareError` from the service or the
 * transports, or capnweb's report of a caller's misuse. `undefined` means a server fault.
 */
export function expectedError(error: unknown): ShareError | undefined {
  if (error instanceof ShareError) return error
  if (!(error instanceof Error)) return undefined
  const misuse = CAPNWEB_MISUSES.find((known) => error instanceof known.type && known.pattern.test(error.message))
  if (misuse === undefined) return undefined
  return new ShareError(misuse.code, misuse.message ?? truncated(error.message))
}

/** A plain `Error` carrying `[code] message`, without a stack (capnweb would send it, and it names server files). */
function wireError(code: ErrorCode, message: string): Error {
  const error = new Error(formatRpcErrorMessage(code, message))
  error.stack = ""
  return error
}

/**
 * capnweb's `onSendError`: every error leaving the server passes here, so this is the one place an expected error
 * becomes `[code] message` for the client's `errorCodeOf`; a server fault is logged and reported only as internal.
 */
export function toWireError(error: Error): Error {
  const expected = expectedError(error)
  if (expected !== undefined) return wireError(expected.code, expected.message)
  logServerFault("/rpc call failed", error)
  return wireError("internal", "internal error")
}
