import { type Message, ObjectIdSchema, type Part, type ShareSnapshot } from "@cloudsession/protocol"
import { z } from "zod"
import { unwrap } from "../share-object/outcome.ts"
import type { StoredRow } from "../share-object/rows.ts"
import type { SnapshotHead } from "../share-object/store.ts"
import type { TurnRow, WindowAnchor } from "../share-object/window.ts"
import { allTexts, isClipped, rowBody, type ShareSource, type StoredHtml } from "./snapshot-reader.ts"
import { parseOrThrow } from "./validate.ts"

/** What a share page may ask for: a window (`before`, `at`) and a version (`v`); at most one window anchor. */
export const PageQuerySchema = z
  .object({
    before: ObjectIdSchema.optional(),
    at: ObjectIdSchema.optional(),
    v: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .refine((query) => query.before === undefined || query.at === undefined, {
    message: "ask for `before` or `at`, not both",
  })

export type PageQuery = z.infer<typeof PageQuerySchema>

/** A page's worth of a share: the head, whole turns around the anchor, and the index of every turn. */
export type PageView = {
  snapshot: ShareSnapshot
  turns: TurnRow[]
  earlier: boolean
  later: boolean
  complete: boolean
  /** The version shown, when the page travels back in time (`?v=` below the share's version). */
  upTo?: number
  /** HTML stored for the parts and diff files shown (rendered when they were written). */
  html: StoredHtml
}

function anchorOf(query: PageQuery): WindowAnchor {
  if (query.before !== undefined) return { kind: "before", messageID: query.before }
  if (query.at !== undefined) return { kind: "at", id: query.at }
  return { kind: "latest" }
}

/** The snapshot of a head and some rows, with the rows kept in R2 fetched (a window holds few of them). */
async function snapshotOf(
  bucket: R2Bucket,
  head: SnapshotHead,
  messages: StoredRow[],
  parts: StoredRow[],
): Promise<ShareSnapshot> {
  const parsed = async (rows: StoredRow[]) => (await allTexts(bucket, rows)).map((row) => JSON.parse(row))
  return {
    id: head.id,
    session: JSON.parse(head.session),
    messages: (await parsed(messages)) as Message[],
    parts: (await parsed(parts)) as Part[],
    diffs: await parsed(head.diffs),
    models: await parsed(head.models),
    metadata: head.metadata,
  }
}

/** One window of a share for its page, read in one call to its Durable Object (bounded by `maxBytes`). */
export async function readPage(
  { stub, bucket }: ShareSource,
  shareID: string,
  query: unknown,
  maxBytes: number,
): Promise<PageView> {
  const page = parseOrThrow(PageQuerySchema, query, "query")
  const rows = unwrap(await stub.readWindow({ shareID, anchor: anchorOf(page), maxBytes, upTo: page.v }))
  const snapshot = await snapshotOf(bucket, rows, rows.messages, rows.parts)
  // A version at or past the share's own is simply the share as it is.
  const upTo = page.v !== undefined && page.v < snapshot.metadata.version ? page.v : undefined
  const html: StoredHtml = { parts: new Map(), diffs: rows.diffHtml.map((one) => one ?? undefined) }
  snapshot.parts.forEach((part, index) => {
    const stored = rows.partHtml[index]
    if (stored !== null && stored !== undefined) html.parts.set(part.id, stored)
  })
  const { turns, earlier, later, complete } = rows
  return { snapshot, turns, earlier, later, complete, upTo, html }
}

/**
 * One part whole, with its message: the page behind "show all". `clipped`: the part streamed to R2 and is shown by
 * its preview; the page links to its JSON (`readPartJson`) for the rest.
 */
export async function readPart(
  { stub, bucket }: ShareSource,
  shareID: string,
  partID: unknown,
): Promise<{ snapshot: ShareSnapshot; part: Part; message?: Message; clipped: boolean }> {
  const id = parseOrThrow(ObjectIdSchema, partID, "part")
  const read = unwrap(await stub.readPart({ shareID, partID: id }))
  const snapshot = await snapshotOf(bucket, read, [], [])
  const clipped = isClipped(read.part)
  const [part] = (await allTexts(bucket, [read.part])).map((row) => JSON.parse(row) as Part)
  if (part === undefined) throw new Error("a stored part read as nothing")
  if (read.message === undefined) return { snapshot, part, clipped }
  const [message] = (await allTexts(bucket, [read.message])).map((row) => JSON.parse(row) as Message)
  return message === undefined ? { snapshot, part, clipped } : { snapshot, part, message, clipped }
}

/** One part's JSON exactly as stored, however big (an R2 row passes through): where a clipped part's rest is. */
export async function readPartJson(
  { stub, bucket }: ShareSource,
  shareID: string,
  partID: unknown,
): Promise<string | ReadableStream<Uint8Array>> {
  const id = parseOrThrow(ObjectIdSchema, partID, "part")
  const read = unwrap(await stub.readPart({ shareID, partID: id }))
  return rowBody(bucket, read.part)
}
