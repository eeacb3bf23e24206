import type { SessionIndex } from "@cloudsession/protocol"
import { z } from "zod"

/**
 * Listing entries in R2 at `index/<id>`, the seed's layout, so existing deployments list their old shares too.
 * The entry is the object body; a compact copy rides in customMetadata so a listing reads one `list` call per
 * 1 000 shares instead of one `get` per share (entries the seed wrote have no metadata and are read with `get`).
 */
const PREFIX = "index/"
/**
 * Budget for the compact copy in customMetadata, in UTF-8 bytes of its JSON: well under R2's metadata limit.
 * Long titles and directories are cut in the copy (the body keeps them whole).
 */
const METADATA_BYTES = 1536
const METADATA_TEXT_LIMIT = 300

const encoder = new TextEncoder()

/**
 * A listing entry as read back from R2. Entries the seed (or an older version) wrote may lack fields, so missing or
 * odd values get neutral defaults instead of breaking the listing for every share.
 */
const count = z.number().int().nonnegative().catch(0)
const IndexEntrySchema = z.object({
  id: z.string().min(1),
  sessionID: z.string().catch(""),
  title: z.string().catch(""),
  directory: z.string().catch(""),
  messageCount: count,
  partCount: count,
  diffCount: count,
  modelCount: count,
  lastUpdated: z.number().catch(0),
  syncCount: count,
  createdAt: z.number().catch(0),
})

export function indexKey(shareID: string): string {
  return `${PREFIX}${shareID}`
}

/** The entry as JSON that fits the metadata budget: text is cut shorter until it does (escapes can grow it 6×). */
export function compactEntry(entry: SessionIndex): string {
  for (let limit = METADATA_TEXT_LIMIT; ; limit = Math.floor(limit / 2)) {
    const compact = { ...entry, title: entry.title.slice(0, limit), directory: entry.directory.slice(0, limit) }
    const json = JSON.stringify(compact)
    if (limit === 0 || encoder.encode(json).byteLength <= METADATA_BYTES) return json
  }
}

export async function writeIndex(bucket: R2Bucket, entry: SessionIndex): Promise<void> {
  await bucket.put(indexKey(entry.id), JSON.stringify(entry), {
    httpMetadata: { contentType: "application/json" },
    customMetadata: { entry: compactEntry(entry) },
  })
}

export async function deleteIndex(bucket: R2Bucket, shareID: string): Promise<void> {
  await bucket.delete(indexKey(shareID))
}

function parseEntry(text: string | undefined): SessionIndex | undefined {
  if (text === undefined) return undefined
  try {
    const parsed = IndexEntrySchema.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

/** Every listing entry, newest first. Reads metadata pages; falls back to `get` for seed-era entries. */
export async function listIndex(bucket: R2Bucket): Promise<SessionIndex[]> {
  const entries: SessionIndex[] = []
  let cursor: string | undefined
  do {
    const page = await bucket.list({ prefix: PREFIX, cursor, include: ["customMetadata"], limit: 1000 })
    const resolved = await Promise.all(
      page.objects.map(async (object) => {
        const fromMetadata = parseEntry(object.customMetadata?.entry)
        if (fromMetadata !== undefined) return fromMetadata
        const body = await bucket.get(object.key)
        return parseEntry(body === null ? undefined : await body.text())
      }),
    )
    for (const entry of resolved) if (entry !== undefined) entries.push(entry)
    cursor = page.truncated ? page.cursor : undefined
  } while (cursor !== undefined)
  return entries.sort((a, b) => b.lastUpdated - a.lastUpdated || a.id.localeCompare(b.id))
}
