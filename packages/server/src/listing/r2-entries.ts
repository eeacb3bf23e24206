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
/** Characters of a title or directory that a listing shows and searches (the share directory keeps as many). */
export const LISTED_TEXT_CHARS = 300

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
  for (let limit = LISTED_TEXT_CHARS; ; limit = Math.floor(limit / 2)) {
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

/** The entry an object holds: its metadata copy, or (seed-era objects have none) its body, read with `get`. */
async function resolveEntries(bucket: R2Bucket, objects: R2Object[]): Promise<SessionIndex[]> {
  const resolved = await Promise.all(
    objects.map(async (object) => {
      const fromMetadata = parseEntry(object.customMetadata?.entry)
      if (fromMetadata !== undefined) return fromMetadata
      const body = await bucket.get(object.key)
      return parseEntry(body === null ? undefined : await body.text())
    }),
  )
  return resolved.filter((entry) => entry !== undefined)
}

/**
 * Newest first, ties by id in code-unit order: the order SQLite's default (binary) collation gives the share
 * directory, so a reader paging by offset sees the same order whichever of the two serves the page.
 */
export function newestFirst(a: SessionIndex, b: SessionIndex): number {
  return b.lastUpdated - a.lastUpdated || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

/** Every listing entry, newest first. Reads metadata pages; falls back to `get` for seed-era entries. */
export async function listIndex(bucket: R2Bucket): Promise<SessionIndex[]> {
  const entries: SessionIndex[] = []
  let cursor: string | undefined
  do {
    const page = await bucket.list({ prefix: PREFIX, cursor, include: ["customMetadata"], limit: 1000 })
    entries.push(...(await resolveEntries(bucket, page.objects)))
    cursor = page.truncated ? page.cursor : undefined
  } while (cursor !== undefined)
  return entries.sort(newestFirst)
}

export type IndexChunk = {
  /** The valid entries among the objects read; malformed ones are skipped, as a listing skips them. */
  entries: SessionIndex[]
  /** Key of the last object read: the next chunk starts after it. */
  last: string | undefined
  /** Objects read, valid or not. */
  scanned: number
  /** No object is left after `last`. */
  done: boolean
}

/**
 * The listing entries after key `startAfter`, in key order, for a caller that must bound its subrequests: one `list`
 * of at most `limit` objects and at most `maxGets` `get`s. Objects are taken in order until the next one would need
 * a `get` beyond the budget; that one and the rest are left for the next chunk (`startAfter` resumes exactly there,
 * unlike an opaque list cursor, which cannot resume in the middle of a page).
 */
export async function readIndexChunk(
  bucket: R2Bucket,
  options: { startAfter: string | undefined; limit: number; maxGets: number },
): Promise<IndexChunk> {
  if (options.maxGets < 1) throw new Error("a chunk needs room for at least one get, or it may never advance")
  const page = await bucket.list({
    prefix: PREFIX,
    startAfter: options.startAfter,
    include: ["customMetadata"],
    limit: options.limit,
  })
  const taken: R2Object[] = []
  let gets = 0
  for (const object of page.objects) {
    if (parseEntry(object.customMetadata?.entry) === undefined) {
      if (gets === options.maxGets) break
      gets += 1
    }
    taken.push(object)
  }
  return {
    entries: await resolveEntries(bucket, taken),
    last: taken.at(-1)?.key ?? options.startAfter,
    scanned: taken.length,
    done: taken.length === page.objects.length && !page.truncated,
  }
}
