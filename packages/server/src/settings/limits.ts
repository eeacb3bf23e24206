import { LIMITS } from "@cloudsession/protocol"
import type { Env } from "../env.ts"
import { positiveInt } from "./values.ts"

export type ServiceLimits = {
  maxBodyBytes: number
  maxBatchItems: number
  /** Largest streamed `POST /api/share/:id/sync` body, and the most items it may hold. */
  maxSyncBodyBytes: number
  maxSyncItems: number
  /** Messages and parts a share page renders (characters of their JSON); earlier turns load a page at a time. */
  maxPageBytes: number
}

/**
 * A share page shows the latest whole turns up to about this much row JSON (a dozen ordinary turns, ~200 KB of
 * HTML) and loads earlier turns a page at a time: the first paint stays fast and small however long the session
 * is. One turn alone may take up to four times this; past that its later parts wait for the JSON (see window.ts).
 */
export const PAGE_RENDER_BYTES = 192 * 1024

/**
 * HTML of file diffs one page carries at most: files past it are listed, not shown, so a large change set (80 files
 * of 400 lines, twice: unified and split) neither makes a page of many MB nor is read out of storage for one, however
 * cheaply it was rendered.
 */
export const DIFF_PAGE_CHARS = 1024 * 1024

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
