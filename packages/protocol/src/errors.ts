/**
 * Error codes shared by the HTTP API (`{ error: { code, message } }`), the RPC endpoint (error message prefix) and
 * the client, so every side can tell "your secret is wrong" from "the share is gone" without parsing prose.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  /** The share existed and was deleted (by its creator, the server's owner, or its expiry): it is not coming back. */
  gone: 410,
  payload_too_large: 413,
  upgrade_required: 426,
  too_many_requests: 429,
  internal: 500,
  unavailable: 503,
} as const

export type ErrorCode = keyof typeof ERROR_STATUS

export type ErrorBody = { error: { code: ErrorCode; message: string } }

export class ShareError extends Error {
  readonly code: ErrorCode
  /** For a 429 (or a 503): seconds until the request may be sent again, sent as `Retry-After`. */
  readonly retryAfterSeconds: number | undefined

  constructor(code: ErrorCode, message: string, options: { retryAfterSeconds?: number | undefined } = {}) {
    super(message)
    this.name = "ShareError"
    this.code = code
    this.retryAfterSeconds = options.retryAfterSeconds
  }

  get status(): number {
    return ERROR_STATUS[this.code]
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message } }
  }
}

const CODE_PREFIX = /^\[([a-z_]+)\] /

/** RPC errors travel as plain `Error`s; the code rides in front of the message as `[code] message`. */
export function formatRpcErrorMessage(code: ErrorCode, message: string): string {
  return `[${code}] ${message}`
}

/** The message of an error that crossed the RPC boundary, without its `[code] ` prefix. */
export function rpcErrorText(message: string): string {
  return message.replace(CODE_PREFIX, "")
}

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_STATUS, value)
}

/** Recover the code of an error that crossed the RPC boundary (or `undefined` if it carries none). */
export function errorCodeOf(error: unknown): ErrorCode | undefined {
  if (error instanceof ShareError) return error.code
  if (!(error instanceof Error)) return undefined
  const match = CODE_PREFIX.exec(error.message)
  const code = match?.[1]
  if (code === undefined || !isErrorCode(code)) return undefined
  return code
}
