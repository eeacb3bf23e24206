import {
  LIMITS,
  MessageSchema,
  PartSchema,
  partsByMessage,
  SessionSchema,
  SnapshotContentSchema,
  type SyncData,
} from "@cloudsession/protocol"
import { z } from "zod"

/** `opencode export <session>`: the session, then each message with its parts. */
const ExportShape = z.object({
  info: SessionSchema,
  messages: z.array(z.object({ info: MessageSchema, parts: z.array(PartSchema) })),
})

/**
 * A share snapshot, as `cloudsession export --format json` writes it. Diffs and models may be left out, and each
 * becomes one sync item, so they are held to the entries one item may carry.
 */
const SnapshotShape = SnapshotContentSchema.extend({
  diffs: SnapshotContentSchema.shape.diffs.max(LIMITS.maxListEntries).optional(),
  models: SnapshotContentSchema.shape.models.max(LIMITS.maxListEntries).optional(),
})

/** A session file read as what sharing it sends: its session id and its sync items, in order. */
export type SessionContent = { sessionID: string; items: SyncData[] }

/** A file that is not a session: one line saying where and why. */
export class SessionFileError extends Error {
  constructor(source: string, reason: string) {
    super(`${source}: ${reason}`)
    this.name = "SessionFileError"
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join(".")
  return path === "" ? issue.message : `${path}: ${issue.message}`
}

function fromExport(data: z.infer<typeof ExportShape>): SessionContent {
  const items: SyncData[] = [{ type: "session", data: data.info }]
  for (const message of data.messages) {
    items.push({ type: "message", data: message.info })
    for (const part of message.parts) items.push({ type: "part", data: part })
  }
  return { sessionID: data.info.id, items }
}

function fromSnapshot(data: z.infer<typeof SnapshotShape>): SessionContent {
  const byMessage = partsByMessage(data.parts)
  const items: SyncData[] = [{ type: "session", data: data.session }]
  for (const message of data.messages) {
    items.push({ type: "message", data: message })
    for (const part of byMessage.get(message.id) ?? []) items.push({ type: "part", data: part })
    byMessage.delete(message.id)
  }
  // Parts whose message is missing still belong to the session; keep them rather than drop data silently.
  for (const parts of byMessage.values()) for (const part of parts) items.push({ type: "part", data: part })
  if (data.diffs !== undefined && data.diffs.length > 0) items.push({ type: "session_diff", data: data.diffs })
  if (data.models !== undefined && data.models.length > 0) items.push({ type: "model", data: data.models })
  return { sessionID: data.session.id, items }
}

/** Turn the text of a session file (either shape) into sync items, or explain in one line why it is not one. */
export function parseSessionFile(text: string, source: string): SessionContent {
  const json = parseJson(text, source)
  const shape = typeof json === "object" && json !== null && "info" in json ? ExportShape : SnapshotShape
  const parsed = shape.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const detail = issue === undefined ? "" : ` (${describeIssue(issue)})`
    throw new SessionFileError(source, `not an OpenCode export or share snapshot${detail}`)
  }
  return "info" in parsed.data ? fromExport(parsed.data) : fromSnapshot(parsed.data)
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new SessionFileError(source, `not valid JSON (${error instanceof Error ? error.message : String(error)})`)
  }
}
