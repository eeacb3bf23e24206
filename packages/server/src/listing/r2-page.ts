import type { SessionIndex, SessionPage } from "@cloudsession/protocol"
import type { DirectoryQuery } from "./entries.ts"
import { listIndex } from "./r2-entries.ts"

function matches(entry: SessionIndex, needle: string): boolean {
  return entry.title.toLowerCase().includes(needle) || entry.directory.toLowerCase().includes(needle)
}

/** A page read from R2 the way listings worked before the directory: every entry read, filtered, then sliced. */
export async function pageFromR2(bucket: R2Bucket, query: DirectoryQuery): Promise<SessionPage> {
  const needle = query.q.toLowerCase()
  const all = await listIndex(bucket)
  const entries = needle === "" ? all : all.filter((entry) => matches(entry, needle))
  const end = query.offset + query.limit
  const sessions = entries.slice(query.offset, end)
  return end < entries.length ? { sessions, cursor: String(end) } : { sessions }
}
