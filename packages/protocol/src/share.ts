import { z } from "zod"
import { FileDiffSchema, MessageSchema, ModelSchema, PartSchema, SessionSchema } from "./opencode.ts"

/** What the owner of a share gets back once, at creation. The secret is never served again. */
export const ShareInfoSchema = z.object({
  id: z.string(),
  url: z.string(),
  secret: z.string(),
})
export type ShareInfo = z.infer<typeof ShareInfoSchema>

/** A create's answer: the share, and (when its initial data had any) the items that were not stored, and why. */
export type CreatedShare = ShareInfo & { refused?: RefusedItem[] }

/** Lightweight listing entry, stored in R2 at `index/<id>` (same shape as the seed's). */
export type SessionIndex = {
  id: string
  sessionID: string
  title: string
  directory: string
  messageCount: number
  partCount: number
  diffCount: number
  modelCount: number
  lastUpdated: number
  syncCount: number
  createdAt: number
  /** When the share deletes itself (ms since the epoch); absent: never. */
  expiresAt?: number
  /** The server's owner put it on the public listing (shown only where the deployment has one). */
  listed?: boolean
}

/** Public metadata of a share: never contains the secret. */
export type ShareMetadata = {
  createdAt: number
  lastUpdated: number
  syncCount: number
  sessionID: string
  /** Monotonic change counter; viewers use it to fetch only what they missed. */
  version: number
  /** Version that last replaced the diff set: with `?since`, `diffs` is the whole current set when this is newer. */
  diffVersion: number
  /** When the share deletes itself (ms since the epoch); absent: never. */
  expiresAt?: number
}

/**
 * The session a share snapshot carries, in the flat shape `GET /api/share/:id` serves (and `cloudsession export
 * --format json` writes). Readers of a snapshot check it against this; each adds what it needs around it.
 */
export const SnapshotContentSchema = z.object({
  session: SessionSchema,
  messages: z.array(MessageSchema),
  parts: z.array(PartSchema),
  diffs: z.array(FileDiffSchema),
  models: z.array(ModelSchema),
})
export type SnapshotContent = z.infer<typeof SnapshotContentSchema>

/** A whole share as viewers see it (`GET /api/share/:id`). */
export type ShareSnapshot = SnapshotContent & { id: string; metadata: ShareMetadata }

/** Storage work a sync did: lets tests and benchmarks check that a sync costs O(batch), not O(session). */
export type SyncCost = {
  rowsRead: number
  rowsWritten: number
  /** Bytes of values bound into statements that wrote rows (the data a sync stored). */
  bytesWritten: number
}

/**
 * An item of a batch that was not stored, and why: the rest of its batch is stored all the same. `index` is its
 * position in the batch as sent; `type` is given when the item said one.
 */
export type RefusedItem = { index: number; type?: string; code: "bad_request" | "payload_too_large"; reason: string }

export type SyncResult = {
  success: true
  syncCount: number
  /** Items applied by this call (0 when the batch id was already applied). */
  applied: number
  /** Items of this batch that were not stored (each with its reason); empty when all were. */
  refused: RefusedItem[]
  /** True when the batch id had been applied before and this call changed nothing. */
  duplicate: boolean
  version: number
  cost: SyncCost
}

export type DeleteResult = { success: true }

export type SessionPage = {
  sessions: SessionIndex[]
  /** Opaque cursor for the next page, absent on the last page. */
  cursor?: string
}
