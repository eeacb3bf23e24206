import type { SessionIndex } from "@cloudsession/protocol"

/**
 * Listing entries in R2 at `index/<id>`, the seed's layout, so existing deployments list their old shares too.
 * The entry is the object body; a compact copy rides in customMetadata so a listing reads one `list` call per
 * 1 000 shares instead of one `get` per share (entries the seed wrote have no metadata and are read with `get`).
 */
const PREFIX = "index/"
/** R2 caps customMetadata at 2 KiB; long titles are cut in the copy (the body keeps them whole). */
const METADATA_TEXT_LIMIT = 300

export function indexKey(shareID: string): string {
  return `${PREFIX}${shareID}`
}

export async function writeIndex(bucket: R2Bucket, entry: SessionIndex): Promise<void> {
  const compact = {
    ...entry,
    title: entry.title.slice(0, METADATA_TEXT_LIMIT),
    directory: entry.directory.slice(0, METADATA_TEXT_LIMIT),
  }
  await bucket.put(indexKey(entry.id), JSON.stringify(entry), {
    httpMetadata: { contentType: "application/json" },
    customMetadata: { entry: JSON.stringify(compact) },
  })
}

export async function deleteIndex(bucket: R2Bucket, shareID: string): Promise<void> {
  await bucket.delete(indexKey(shareID))
}

function parseEntry(text: string | undefined): SessionIndex | undefined {
  if (text === undefined) return undefined
  try {
    return JSON.parse(text) as SessionIndex
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
