import { LIMITS } from "@cloudsession/protocol"
import type { Env } from "../env.ts"
import { positiveInt } from "./values.ts"

export type ServiceLimits = {
  maxBodyBytes: number
  maxBatchItems: number
  /** Largest streamed `POST /api/share/:id/sync` body, and the most items it may hold. */
  maxSyncBodyBytes: number
  maxSyncItems: number
  /** Messages and parts a share page renders (in characters of their JSON); the rest is left to the JSON API. */
  maxPageBytes: number
}

/**
 * A Worker has 128 MB; a rendered page holds the rows, their parsed objects and the HTML at once, so a page takes the
 * start of a session this large and says the rest is there as JSON (which streams, whatever the size).
 */
export const PAGE_RENDER_BYTES = 8 * 1024 * 1024

/** Limits in force: the protocol's defaults, which a deployment may lower (never raise) through Worker vars. */
export function limitsOf(env: Env): ServiceLimits {
  return {
    maxBodyBytes: positiveInt(env.MAX_BODY_BYTES, LIMITS.maxBodyBytes, LIMITS.maxBodyBytes),
    maxBatchItems: positiveInt(env.MAX_BATCH_ITEMS, LIMITS.maxBatchItems, LIMITS.maxBatchItems),
    maxSyncBodyBytes: positiveInt(env.MAX_SYNC_BODY_BYTES, LIMITS.maxSyncBodyBytes, LIMITS.maxSyncBodyBytes),
    maxSyncItems: positiveInt(env.MAX_SYNC_ITEMS, LIMITS.maxSyncItems, LIMITS.maxSyncItems),
    maxPageBytes: positiveInt(env.MAX_PAGE_BYTES, PAGE_RENDER_BYTES, PAGE_RENDER_BYTES),
  }
}
