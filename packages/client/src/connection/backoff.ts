export type BackoffOptions = {
  /** Delay before the first retry. */
  baseMs: number
  /** Ceiling of the exponential growth. */
  maxMs: number
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 200, maxMs: 5000 }

/**
 * Exponential backoff with "equal jitter": half the capped delay is fixed, half random, so clients that lost the
 * server at the same moment do not all come back at the same moment, yet none retries immediately.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random = Math.random): number {
  const capped = Math.min(options.maxMs, options.baseMs * 2 ** attempt)
  return capped / 2 + random() * (capped / 2)
}

export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms))
