/** Row shapes of the share's SQLite tables (see schema.ts). */
export type ShareRow = {
  id: string
  session_id: string
  secret_hash: string
  created_at: number
  last_updated: number
  sync_count: number
  version: number
  session: string
  session_version: number
  diff_version: number
  message_count: number
  part_count: number
  diff_count: number
  model_count: number
  expires_at: number | null
  listed: number
  anonymous: number
  previous_secret_hash: string | null
  stored_bytes: number
}

export type DataRow = { data: string | null; blob: string | null }

/**
 * A stored row's JSON: inline text, or the R2 key it was put under (too big for a SQLite row, see `maxInlineRowBytes`)
 * with its size in JSON characters (kept in the row, so the share's size is known without reading R2).
 */
export type RowData = { text: string } | { blob: string; chars: number }

/** What a sync writes, already encoded by the Worker: the Durable Object only stores it. */
export type RowWrite =
  | { table: "session"; text: string }
  | { table: "message"; key: string; data: RowData }
  /** `html`: the part's, rendered by the Worker as it took the item (absent: the sync's render budget ran out). */
  | { table: "part"; key: string; messageID: string; data: RowData; html?: string }
  /**
   * The session's whole current diff set: replaces the stored one. An entry in R2 comes with its HTML (the object
   * renders the inline ones it does not already hold, see `RenderedItems.diffs`).
   */
  | { table: "diffs"; entries: { key: string; data: RowData; html?: string }[] }
  | { table: "model"; key: string; text: string }

/** A row as read: its JSON text, or where in R2 it is. */
export type StoredRow = string | { blob: string }
