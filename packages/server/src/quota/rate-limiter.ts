import { DurableObject } from "cloudflare:workers"
import type { Env } from "../env.ts"

/** The answer to one request for a slot: taken, or refused with the seconds until the window frees one. */
export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number }

/**
 * Counts requests in fixed windows, one object per counted key (a client's address or /64, or "global"), so the
 * count is exact across every Worker instance (Workers' rate-limiting binding counts per location, and cannot say
 * when a refused client may try again). Kept in memory: a limit is about the last minute, and an evicted object
 * starts a fresh window, which errs toward letting a client through, never toward refusing it for longer.
 */
export class RateLimiter extends DurableObject<Env> {
  private windows = new Map<string, { start: number; count: number }>()

  /** Take one slot of `limit` per `windowMs` under `bucket`, at time `now`. */
  take(bucket: string, limit: number, windowMs: number, now: number): RateDecision {
    const start = now - (now % windowMs)
    const current = this.windows.get(bucket)
    const window = current !== undefined && current.start === start ? current : { start, count: 0 }
    if (window.count >= limit) {
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((start + windowMs - now) / 1000)) }
    }
    window.count += 1
    this.windows.set(bucket, window)
    return { ok: true }
  }
}
