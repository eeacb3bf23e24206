import type { ErrorCode } from "@cloudsession/protocol"

/**
 * What a Durable Object method returns. Errors thrown across a DO RPC boundary lose their type and code, so the
 * object answers with a value and the service layer turns failures into ShareErrors.
 */
export type Outcome<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string }

export function success<T>(value: T): Outcome<T> {
  return { ok: true, value }
}

export function failure<T>(code: ErrorCode, message: string): Outcome<T> {
  return { ok: false, code, message }
}
