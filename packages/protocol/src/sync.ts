import { z } from "zod"
import { ExpiresInSchema } from "./expiry.ts"
import { BatchIdSchema, CreationKeySchema, SecretSchema } from "./ids.ts"
import { LIMITS } from "./limits.ts"
import { FileDiffSchema, MessageSchema, ModelSchema, PartSchema, SessionSchema } from "./opencode.ts"

/** One change the agent reports. `session_diff` carries the session's current diff per file (keyed by file). */
export const SyncDataSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("session"), data: SessionSchema }),
  z.object({ type: z.literal("message"), data: MessageSchema }),
  z.object({ type: z.literal("part"), data: PartSchema }),
  z.object({ type: z.literal("session_diff"), data: z.array(FileDiffSchema).max(LIMITS.maxListEntries) }),
  z.object({ type: z.literal("model"), data: z.array(ModelSchema).max(LIMITS.maxListEntries) }),
])

export type SyncData = z.infer<typeof SyncDataSchema>
export type SyncDataType = SyncData["type"]

export const SyncBatchSchema = z.array(SyncDataSchema).max(LIMITS.maxBatchItems)

/** Body of `POST /api/share/:id/sync`. `batchID` makes a retry after a lost reply a no-op. */
export const SyncRequestSchema = z.object({
  /**
   * `"client"`: the client redacted the items (or its user chose not to), so the server stores them as sent, as it
   * does items over `/rpc`; without it (upstream's client) the server redacts them. Comes before `secret`.
   */
  redaction: z.literal("client").optional(),
  secret: SecretSchema,
  data: SyncBatchSchema,
  batchID: BatchIdSchema.optional(),
})
export type SyncRequest = z.infer<typeof SyncRequestSchema>

/**
 * Body of `POST /api/share`. `creationKey` makes a retry after a lost reply return the same share (same id and
 * secret, initial data not applied again) instead of creating a second one. `expiresIn` (`"7d"`) has the share
 * deleted, with everything it stored, that long after its creation.
 */
export const CreateRequestSchema = z.object({
  sessionID: z.string().min(1).max(LIMITS.maxIdLength),
  initialData: SyncBatchSchema.optional(),
  creationKey: CreationKeySchema.optional(),
  expiresIn: ExpiresInSchema.optional(),
})
export type CreateRequest = z.infer<typeof CreateRequestSchema>

/** Body of `DELETE /api/share/:id`. */
export const DeleteRequestSchema = z.object({
  secret: SecretSchema,
})
export type DeleteRequest = z.infer<typeof DeleteRequestSchema>
