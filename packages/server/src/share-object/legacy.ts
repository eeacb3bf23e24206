import {
  encodedSize,
  FileDiffSchema,
  LIMITS,
  MessageSchema,
  ModelSchema,
  PartSchema,
  type Session,
  SessionSchema,
  type SyncData,
} from "@cloudsession/protocol"
import { z } from "zod"

/**
 * A share as the seed stored it: one R2 blob at `share/<id>` holding everything, secret included. Existing
 * deployments keep those blobs; the share's Durable Object imports one on first access (see ShareObject).
 * Entries that no longer validate (or are too large to store) are dropped rather than failing the whole import, and
 * a session object that does not validate is replaced by a bare one: an old share stays readable.
 */
const LegacyBlobSchema = z.object({
  session: z.unknown(),
  messages: z.array(z.unknown()).default([]),
  parts: z.array(z.unknown()).default([]),
  diffs: z.array(z.unknown()).default([]),
  models: z.array(z.unknown()).default([]),
  metadata: z.looseObject({
    createdAt: z.number(),
    lastUpdated: z.number(),
    syncCount: z.number().int().nonnegative(),
    secret: z.string().min(1),
    sessionID: z.string().min(1),
  }),
})

export type LegacyShare = {
  sessionID: string
  secret: string
  createdAt: number
  lastUpdated: number
  syncCount: number
  items: SyncData[]
}

export function legacyBlobKey(shareID: string): string {
  return `share/${shareID}`
}

function storable(value: unknown): boolean {
  return encodedSize(value) <= LIMITS.maxInlineRowBytes
}

function valid<T>(schema: z.ZodType<T>, values: unknown[]): T[] {
  return values.flatMap((value) => {
    const parsed = schema.safeParse(value)
    return parsed.success && storable(parsed.data) ? [parsed.data] : []
  })
}

function sessionOf(raw: unknown, sessionID: string): Session {
  const parsed = SessionSchema.safeParse(raw)
  return parsed.success && parsed.data.id === sessionID && storable(parsed.data) ? parsed.data : { id: sessionID }
}

/** Parse a seed blob into the batch that recreates it, or `undefined` if the blob is not a seed share. */
export function parseLegacyShare(raw: unknown): LegacyShare | undefined {
  const parsed = LegacyBlobSchema.safeParse(raw)
  if (!parsed.success) return undefined
  const blob = parsed.data
  const items: SyncData[] = [
    { type: "session", data: sessionOf(blob.session, blob.metadata.sessionID) },
    ...valid(MessageSchema, blob.messages).map((data) => ({ type: "message" as const, data })),
    ...valid(PartSchema, blob.parts).map((data) => ({ type: "part" as const, data })),
    { type: "session_diff", data: valid(FileDiffSchema, blob.diffs) },
    { type: "model", data: valid(ModelSchema, blob.models) },
  ]
  return {
    sessionID: blob.metadata.sessionID,
    secret: blob.metadata.secret,
    createdAt: blob.metadata.createdAt,
    lastUpdated: blob.metadata.lastUpdated,
    syncCount: blob.metadata.syncCount,
    items,
  }
}
