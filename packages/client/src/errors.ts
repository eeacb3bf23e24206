import { type ErrorCode, errorCodeOf, rpcErrorText } from "@cloudsession/protocol"

/** The server understood the request and said no (wrong secret, unknown share, batch too large, ...). */
export class ServerRefusedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
    this.name = "ServerRefusedError"
  }
}

/** The session has no share record in the local store. */
export class NotSharedError extends Error {
  constructor(readonly sessionID: string) {
    super(`session ${sessionID} is not shared (no record in the local store)`)
    this.name = "NotSharedError"
  }
}

/**
 * The session is shared on another server than the one this client talks to. A share's secret only ever goes to
 * the server that issued it: another server would learn it, and its "not found" would make unshare forget a share
 * that still exists.
 */
export class ServerMismatchError extends Error {
  constructor(
    readonly sessionID: string,
    readonly recorded: string,
    readonly requested: string,
  ) {
    super(`session ${sessionID} is shared on ${recorded}, not on ${requested}`)
    this.name = "ServerMismatchError"
  }
}

/**
 * The server created the share but the local store could not record it, so nobody holds its secret. `remote` says
 * whether the share was deleted again or had to be left on the server.
 */
export class ShareNotRecordedError extends Error {
  constructor(
    readonly sessionID: string,
    readonly shareID: string,
    readonly remote: "deleted" | "left",
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    const outcome =
      remote === "deleted" ? "deleted it again" : "could not delete it (it stays on the server without a secret)"
    super(`created share ${shareID} for ${sessionID} but could not record it locally (${reason}); ${outcome}`, {
      cause,
    })
    this.name = "ShareNotRecordedError"
  }
}

/** Not a share id (nor a URL ending in one): nothing to ask the server about. */
export class InvalidShareIdError extends Error {
  constructor(readonly shareID: string) {
    super(`not a share id: ${shareID === "" ? "(empty)" : shareID}`)
    this.name = "InvalidShareIdError"
  }
}

/** Server answers that say "not now" rather than "no": the same request may succeed on a later attempt. */
const TRANSIENT_CODES = new Set<ErrorCode>(["unavailable", "too_many_requests"])

/** Refusals aimed at one batch's content, not at the share: the next batch may well be accepted. */
const BATCH_CODES = new Set<ErrorCode>(["bad_request", "payload_too_large"])

export const isTransient = (refusal: ServerRefusedError): boolean => TRANSIENT_CODES.has(refusal.code)

export const isBatchRefusal = (refusal: ServerRefusedError): boolean => BATCH_CODES.has(refusal.code)

/**
 * An error that crossed the RPC boundary with a `[code]` prefix becomes a typed refusal (one the HTTP sync read from
 * the server's error body already is one); others pass through.
 */
export function asServerRefusal(error: unknown): ServerRefusedError | undefined {
  if (error instanceof ServerRefusedError) return error
  const code = errorCodeOf(error)
  if (code === undefined) return undefined
  const message = error instanceof Error ? rpcErrorText(error.message) : String(error)
  return new ServerRefusedError(code, message)
}
