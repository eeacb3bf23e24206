import {
  diffKey,
  type FileDiff,
  LIMITS,
  modelKey,
  type Part,
  type RefusedItem,
  type SyncCost,
  type SyncData,
  type SyncResult,
} from "@cloudsession/protocol"
import type { Rate } from "../settings/privacy.ts"
import type { RowData, RowWrite } from "./rows.ts"

/** What a share created without a token may hold: JSON characters of its rows, and rows. */
export type ShareQuota = { maxBytes: number; maxItems: number }

/** The anonymous sync rate: one sync from `client`, counted against its rate and everyone's. */
export type SyncThrottle = { client: string; perClient: Rate; global: Rate }

/** One piece of a sync, as the Worker hands it to the share's Durable Object (see `SyncApplier`). */
export type PieceInput = {
  shareID: string
  secret: string
  rows: RowWrite[]
  now: number
  /** The batch's first piece: bumps the sync count, and answers a replayed batch id as a duplicate. */
  first: boolean
  /** The batch's last piece: records the batch id with the batch's whole result. */
  last?: { applied: number; refused: RefusedItem[] }
  batchID?: string
  /** Applied when the share was created without a token: a piece that would take it past this is refused whole. */
  quota?: ShareQuota
}

export type PieceResult = {
  syncCount: number
  version: number
  duplicate: boolean
  /** When `duplicate`: the result the batch had when it was applied. */
  recorded?: SyncResult
  /** Nothing was written: every item of the sync was refused. */
  unchanged?: boolean
  /** R2 keys of row data this piece replaced: deleted once the piece committed. */
  replaced: string[]
  cost: SyncCost
}

/** Where one row's JSON goes: inline, or (too big for SQLite) into R2. */
export type StoreRow = (text: string) => Promise<RowData>

/** The HTML stored with an item's rows (see `RenderedItems`): undefined where none is made now. */
export type RenderRow = {
  part: (part: Part) => string | undefined
  diff: (diff: FileDiff) => string | undefined
}

const encoder = new TextEncoder()

export function utf8Bytes(text: string): number {
  return encoder.encode(text).byteLength
}

function rowBytes(data: RowData): number {
  return "text" in data ? data.text.length : data.blob.length
}

/**
 * The rows one valid item writes, each row's JSON placed by `store`; a string says why the item cannot be stored
 * (a session or model list too big for a row: those are never put in R2).
 */
export async function rowsOf(
  item: SyncData,
  store: StoreRow,
  render: RenderRow,
): Promise<{ writes: RowWrite[]; bytes: number } | string> {
  switch (item.type) {
    case "session": {
      const text = JSON.stringify(item.data)
      if (utf8Bytes(text) > LIMITS.maxInlineRowBytes) {
        return `a session object is at most ${LIMITS.maxInlineRowBytes} bytes`
      }
      return { writes: [{ table: "session", text }], bytes: text.length }
    }
    case "message": {
      const data = await store(JSON.stringify(item.data))
      return { writes: [{ table: "message", key: item.data.id, data }], bytes: rowBytes(data) }
    }
    case "part": {
      const data = await store(JSON.stringify(item.data))
      const html = render.part(item.data)
      const write: RowWrite = { table: "part", key: item.data.id, messageID: item.data.messageID, data }
      if (html === undefined) return { writes: [write], bytes: rowBytes(data) }
      return { writes: [{ ...write, html }], bytes: rowBytes(data) + html.length }
    }
    case "session_diff": {
      const unique = new Map(item.data.map((diff) => [diffKey(diff), diff]))
      const entries: { key: string; data: RowData; html?: string }[] = []
      for (const [key, diff] of unique) {
        const data = await store(JSON.stringify(diff))
        // Inline files are rendered by the object, which knows which of them changed; it cannot read R2 ones.
        const html = "blob" in data ? render.diff(diff) : undefined
        entries.push(html === undefined ? { key, data } : { key, data, html })
      }
      const bytes = entries.reduce((total, entry) => total + rowBytes(entry.data) + (entry.html?.length ?? 0), 0)
      return { writes: [{ table: "diffs", entries }], bytes }
    }
    case "model": {
      const writes: RowWrite[] = item.data.map((model) => ({
        table: "model",
        key: modelKey(model),
        text: JSON.stringify(model),
      }))
      const bytes = writes.reduce((total, write) => total + (write.table === "model" ? write.text.length : 0), 0)
      if (bytes > LIMITS.maxInlineRowBytes) return `a model list is at most ${LIMITS.maxInlineRowBytes} bytes`
      return { writes, bytes }
    }
  }
}
