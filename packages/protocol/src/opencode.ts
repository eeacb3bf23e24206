import { z } from "zod"
import { ObjectIdSchema } from "./ids.ts"

/*
 * OpenCode's data model, as the agent sends it. Only the fields we interpret are checked; every object is a loose
 * object so a newer agent that adds fields keeps syncing (unknown fields are stored and served back untouched).
 * `sdk-compat.ts` proves at compile time that the @opencode-ai/sdk v2 types are assignable to these.
 */

const TimeSchema = z.looseObject({
  created: z.number().optional(),
  updated: z.number().optional(),
})

export const SessionSchema = z.looseObject({
  id: ObjectIdSchema,
  title: z.string().max(10_000).optional(),
  directory: z.string().max(10_000).optional(),
  time: TimeSchema.optional(),
})

export const MessageSchema = z.looseObject({
  id: ObjectIdSchema,
  sessionID: ObjectIdSchema,
  role: z.string().max(64),
  time: TimeSchema.optional(),
})

export const PartSchema = z.looseObject({
  id: ObjectIdSchema,
  sessionID: ObjectIdSchema,
  messageID: ObjectIdSchema,
  type: z.string().min(1).max(64),
})

/**
 * A file's diff. Older agents send `{ file, before, after }` (snapshot diffs, where `file` is optional in the SDK
 * type), newer ones `{ path, status, patch }`: either name identifies the file, and one of them must be present.
 */
export const FileDiffSchema = z
  .looseObject({
    file: z.string().min(1).max(4096).optional(),
    path: z.string().min(1).max(4096).optional(),
    additions: z.number().optional(),
    deletions: z.number().optional(),
  })
  .refine((diff) => diff.file !== undefined || diff.path !== undefined, { message: "a diff needs `file` or `path`" })

export const ModelSchema = z.looseObject({
  id: ObjectIdSchema,
  providerID: z.string().max(256).optional(),
  name: z.string().max(1024).optional(),
})

export type Session = z.infer<typeof SessionSchema>
export type Message = z.infer<typeof MessageSchema>
export type Part = z.infer<typeof PartSchema>
export type FileDiff = z.infer<typeof FileDiffSchema>
export type Model = z.infer<typeof ModelSchema>

/** The file a diff is about (its key in storage). */
export function diffKey(diff: FileDiff): string {
  return diff.file ?? diff.path ?? ""
}

/** A model's key in storage and on the page: by provider and id, since two providers may serve a model of one name. */
export function modelKey(model: Model): string {
  return `${model.providerID ?? ""}/${model.id}`
}

/** Parts keyed by the message they belong to, each list in the order given (Map.groupBy needs Node 21). */
export function partsByMessage(parts: readonly Part[]): Map<string, Part[]> {
  const groups = new Map<string, Part[]>()
  for (const part of parts) {
    const group = groups.get(part.messageID)
    if (group === undefined) groups.set(part.messageID, [part])
    else group.push(part)
  }
  return groups
}
