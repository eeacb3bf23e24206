import { CleartextRefusedError, ConnectionError, RpcAuthError } from "../connection/errors.ts"
import { InvalidShareIdError, NotSharedError, ServerMismatchError, ServerRefusedError } from "../errors.ts"
import { SessionFileError } from "../session-file.ts"
import { StorePathError } from "../store/database.ts"
import { ItemTooLargeError } from "../sync/pack.ts"

/** Exit codes scripts can rely on (documented in packages/client/README.md). */
export const EXIT = {
  ok: 0,
  /** Anything unexpected. */
  failure: 1,
  /**
   * Bad usage or bad input: unknown flag, missing server/token, a server other than the share's, unreadable or
   * invalid session file, a malformed share id; or an item too large to send at all (left out, the rest was sent).
   */
  usage: 2,
  /** The server refused the token (401) or the connection (403). */
  auth: 3,
  /** No such share: not in the local store, or gone from the server. */
  notFound: 4,
  /** The server could not be reached, or the connection was lost for good. */
  unreachable: 5,
  /** The server refused the request (wrong secret, batch too large, ...). */
  refused: 6,
} as const

/** A problem with what the user asked for, detected before anything was touched. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = "UsageError"
  }
}

const USAGE_ERRORS = [
  UsageError,
  SessionFileError,
  ItemTooLargeError,
  ServerMismatchError,
  InvalidShareIdError,
  CleartextRefusedError,
  StorePathError,
]

export function exitCodeOf(error: unknown): number {
  if (USAGE_ERRORS.some((type) => error instanceof type)) return EXIT.usage
  if (error instanceof RpcAuthError) return EXIT.auth
  if (error instanceof NotSharedError) return EXIT.notFound
  if (error instanceof ServerRefusedError) {
    return error.code === "not_found" || error.code === "gone" ? EXIT.notFound : EXIT.refused
  }
  if (error instanceof ConnectionError) return EXIT.unreachable
  return EXIT.failure
}

/** The one line the user sees: the message, on one line, never more. */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  const firstLine = message.split("\n")[0] ?? message
  if (error instanceof ServerRefusedError) return `server refused (${error.code}): ${firstLine}`
  return firstLine
}
