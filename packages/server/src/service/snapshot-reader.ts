import { unwrap } from "../share-object/outcome.ts"
import type { StoredRow } from "../share-object/rows.ts"
import type { ShareObject } from "../share-object/share-object.ts"
import type { FirstRead, PagedTable, RowsPage } from "../share-object/store.ts"

/**
 * Reading a share out of its Durable Object. Messages and parts come in pages of at most this much JSON, so no
 * reply nears the Workers RPC limit (32 MiB) however large the share grows, and a streamed read holds one page.
 */
const PAGE_BYTES = 4 * 1024 * 1024

type ShareStub = DurableObjectStub<ShareObject>

/** Where a share's rows are read from: its Durable Object, and R2 for rows too big for SQLite. */
export type ShareSource = { stub: ShareStub; bucket: R2Bucket }

async function blobText(bucket: R2Bucket, key: string): Promise<string> {
  const object = await bucket.get(key)
  if (object === null) throw new Error(`row data missing from R2: ${key}`)
  return object.text()
}

/**
 * Stored rows as JSON texts, in order, in runs: inline rows together, each R2 row on its own, fetched only when its
 * turn comes, so a reader holds at most one big row at a time.
 */
async function* rowTexts(bucket: R2Bucket, rows: StoredRow[]): AsyncGenerator<string[]> {
  let run: string[] = []
  for (const row of rows) {
    if (typeof row === "string") {
      run.push(row)
      continue
    }
    if (run.length > 0) yield run
    run = []
    yield [await blobText(bucket, row.blob)]
  }
  if (run.length > 0) yield run
}

/** All of `rows` as JSON texts (for the short lists: diffs, models, and a page's window). */
export async function allTexts(bucket: R2Bucket, rows: StoredRow[]): Promise<string[]> {
  const texts: string[] = []
  for await (const run of rowTexts(bucket, rows)) texts.push(...run)
  return texts
}

/**
 * How much more row text a reader takes in before it stops fetching pages (the page it holds is always used), and
 * whether it stopped with pages left: a rendered page has a memory budget, a streamed read has none.
 */
type Budget = { remaining: number; truncated: boolean }

function unbounded(): Budget {
  return { remaining: Number.POSITIVE_INFINITY, truncated: false }
}

function textLength(rows: string[]): number {
  return rows.reduce((total, row) => total + row.length, 0)
}

/** The rows of `first` and of the pages after it, while the budget lasts. */
async function* rowPages(
  { stub, bucket }: ShareSource,
  shareID: string,
  table: PagedTable,
  first: RowsPage,
  budget: Budget,
  since?: number,
) {
  let page = first
  for (;;) {
    for await (const run of rowTexts(bucket, page.rows)) {
      yield run
      budget.remaining -= textLength(run)
    }
    if (page.next === undefined) return
    if (budget.remaining <= 0) {
      budget.truncated = true
      return
    }
    page = unwrap(await stub.readRows({ shareID, table, since, after: page.next, maxBytes: PAGE_BYTES }))
  }
}

/** Every row of `table` after `first`, page by page, as JSON texts: a reader holds one page (or one big row). */
export function everyRow(source: ShareSource, shareID: string, table: PagedTable, first: RowsPage) {
  return rowPages(source, shareID, table, first, unbounded())
}

/** Rows of every page as the inside of one JSON array. */
async function* arrayItems(pages: AsyncIterable<string[]>) {
  let first = true
  for await (const rows of pages) {
    if (rows.length === 0) continue
    yield `${first ? "" : ","}${rows.join(",")}`
    first = false
  }
}

/**
 * The share as the JSON text of a `ShareSnapshot`, piece by piece, from rows that are stored as JSON already.
 * Pages after the first are read later than the head: a row written in between is newer than `metadata.version`, so a
 * viewer that asks again `since` that version gets it once more (by id, so nothing doubles) and misses nothing.
 */
async function* snapshotText(source: ShareSource, head: FirstRead, budget: Budget, since?: number) {
  yield `{"id":${JSON.stringify(head.id)},"session":${head.session},"messages":[`
  yield* arrayItems(rowPages(source, head.id, "message", head.messages, budget, since))
  yield '],"parts":['
  yield* arrayItems(rowPages(source, head.id, "part", head.parts, budget, since))
  yield `],"diffs":[${(await allTexts(source.bucket, head.diffs)).join(",")}],"models":[${(await allTexts(source.bucket, head.models)).join(",")}],`
  yield `"metadata":${JSON.stringify(head.metadata)}}`
}

/** Rows of every page as `{"type":…,"data":<row>}` entries of one JSON array (after at least one entry). */
async function* typedItems(type: string, pages: AsyncIterable<string[]>) {
  for await (const rows of pages) {
    for (const row of rows) yield `,{"type":"${type}","data":${row}}`
  }
}

/**
 * The share in upstream's `GET /api/share/:id/data` shape, which `opencode import <url>` reads: one flat list of
 * sync items, `[{ type, data }]` (the session, each message, each part, the diff list, the model list).
 */
async function* dataText(source: ShareSource, head: FirstRead) {
  const budget = unbounded()
  yield `[{"type":"session","data":${head.session}}`
  yield* typedItems("message", rowPages(source, head.id, "message", head.messages, budget))
  yield* typedItems("part", rowPages(source, head.id, "part", head.parts, budget))
  yield `,{"type":"session_diff","data":[${(await allTexts(source.bucket, head.diffs)).join(",")}]}`
  yield `,{"type":"model","data":[${(await allTexts(source.bucket, head.models)).join(",")}]}]`
}

function streamOf(pieces: AsyncGenerator<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await pieces.next()
      if (next.done === true) return controller.close()
      controller.enqueue(encoder.encode(next.value))
    },
    async cancel() {
      await pieces.return(undefined)
    },
  })
}

/** The share as streamed upstream items (see `dataText`); an unknown share is a 404 before the stream starts. */
export async function dataStream(source: ShareSource, shareID: string) {
  return streamOf(dataText(source, unwrap(await source.stub.readHead({ shareID, maxBytes: PAGE_BYTES }))))
}

/**
 * The share as streamed JSON. The head is read before the stream starts, so an unknown share is still a 404; a
 * share deleted while its pages stream out ends the stream with an error.
 */
export async function snapshotStream(source: ShareSource, shareID: string, since?: number) {
  const head = unwrap(await source.stub.readHead({ shareID, since, maxBytes: PAGE_BYTES }))
  return streamOf(snapshotText(source, head, unbounded(), since))
}

/**
 * The share as text, for callers that render it (the page, live fragments). With `maxBytes`, reading stops at the
 * first page boundary past that much row text (a prefix of the conversation, in display order) and `complete` says
 * whether anything was left out; without it, everything is read.
 */
export async function snapshotJson(
  source: ShareSource,
  shareID: string,
  since?: number,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<{ text: string; complete: boolean }> {
  const head = unwrap(await source.stub.readHead({ shareID, since, maxBytes: Math.min(PAGE_BYTES, maxBytes) }))
  const budget: Budget = { remaining: maxBytes, truncated: false }
  let text = ""
  for await (const piece of snapshotText(source, head, budget, since)) text += piece
  return { text, complete: !budget.truncated }
}
