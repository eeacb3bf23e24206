import { FileDiffSchema, MessageSchema, PartSchema, SessionSchema, type SyncData } from "@cloudsession/protocol"
import { z } from "zod"
import type { LiveParts } from "./live-parts.ts"

/** An event as OpenCode hands it to plugins (`event` hook) or publishes it on its bus. */
export type OpencodeEvent = { type: string; properties?: unknown }

/** What an event changes in a session: items to sync, or a model to look up and sync. */
export type Change =
  | { sessionID: string; kind: "items"; items: SyncData[] }
  | { sessionID: string; kind: "model"; providerID: string; modelID: string }
  | { sessionID: string; kind: "idle" }

const SessionInfo = z.object({ info: SessionSchema })
const MessageInfo = z.object({ info: MessageSchema })
const PartInfo = z.object({ part: PartSchema })
const PartDelta = z.object({
  sessionID: z.string(),
  partID: z.string(),
  field: z.string(),
  delta: z.string(),
})
const SessionDiff = z.object({ sessionID: z.string(), diff: z.array(FileDiffSchema) })
const SessionIdle = z.object({ sessionID: z.string() })
const UserModel = z.object({ model: z.object({ providerID: z.string(), modelID: z.string() }) })

const items = (sessionID: string, ...list: SyncData[]): Change => ({ sessionID, kind: "items", items: list })

/**
 * Translate one OpenCode event into what it changes, or `undefined` for events that change nothing a share shows.
 * Streaming deltas are applied to the part they extend (`parts`), so the item is the part as it now reads.
 */
export function changeOf(event: OpencodeEvent, parts: LiveParts): Change[] {
  switch (event.type) {
    case "session.created":
    case "session.updated": {
      const parsed = SessionInfo.safeParse(event.properties)
      return parsed.success ? [items(parsed.data.info.id, { type: "session", data: parsed.data.info })] : []
    }
    case "message.updated": {
      const parsed = MessageInfo.safeParse(event.properties)
      if (!parsed.success) return []
      const info = parsed.data.info
      const message = items(info.sessionID, { type: "message", data: info })
      // A user message names the model that answers it; the share lists the models a session used.
      const model = info.role === "user" ? UserModel.safeParse(info) : undefined
      if (model?.success !== true) return [message]
      return [message, { sessionID: info.sessionID, kind: "model", ...model.data.model }]
    }
    case "message.part.updated": {
      const parsed = PartInfo.safeParse(event.properties)
      if (!parsed.success) return []
      parts.set(parsed.data.part)
      return [items(parsed.data.part.sessionID, { type: "part", data: parsed.data.part })]
    }
    case "message.part.delta": {
      const parsed = PartDelta.safeParse(event.properties)
      if (!parsed.success) return []
      const part = parts.apply(parsed.data.partID, parsed.data.field, parsed.data.delta)
      return part === undefined ? [] : [items(part.sessionID, { type: "part", data: part })]
    }
    case "session.diff": {
      const parsed = SessionDiff.safeParse(event.properties)
      return parsed.success ? [items(parsed.data.sessionID, { type: "session_diff", data: parsed.data.diff })] : []
    }
    case "session.idle": {
      const parsed = SessionIdle.safeParse(event.properties)
      return parsed.success ? [{ sessionID: parsed.data.sessionID, kind: "idle" }] : []
    }
    default:
      return []
  }
}
