import { type ErrorCode, ShareError } from "@cloudsession/protocol"

/**
 * What a Durable Object method returns. Errors thrown across a DO RPC boundary lose their type and code, so the
 * object answers with a value and the service layer turns failures into ShareErrors.
 */
export type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; code: ErrorCode; message: string; retryAfterSeconds?: number }

export function success<T>(value: T): Outcome<T> {
  return { ok: true, value }
}

export function failure<T>(code: ErrorCode, message: string): Outcome<T> {
  return { ok: false, code, message }
}

/** An HTTP answer of the object (its viewers' socket upgrades) in the API's one error shape. */
export function errorJson(code: ErrorCode, message: string): Response {
  const error = new ShareError(code, message)
  return Response.json(error.toBody(), { status: error.status })
}

/** A 429: too many requests, and how long until one is accepted again. */
export function refusedFor<T>(message: string, retryAfterSeconds: number): Outcome<T> {
  return { ok: false, code: "too_many_requests", message, retryAfterSeconds }
}

/** The value of a successful outcome; a failure becomes the ShareError it describes. */
export function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value
  throw new ShareError(outcome.code, outcome.message, { retryAfterSeconds: outcome.retryAfterSeconds })
}
