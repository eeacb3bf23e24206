import { type ErrorCode, errorCodeOf } from "@cloudsession/protocol"

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

/** An error that crossed the RPC boundary with a `[code]` prefix becomes a typed refusal; others pass through. */
export function asServerRefusal(error: unknown): ServerRefusedError | undefined {
  const code = errorCodeOf(error)
  if (code === undefined) return undefined
  const message = error instanceof Error ? error.message.replace(/^\[[a-z_]+\] /, "") : String(error)
  return new ServerRefusedError(code, message)
}
