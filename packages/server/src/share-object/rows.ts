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
}

export type DataRow = { data: string }
