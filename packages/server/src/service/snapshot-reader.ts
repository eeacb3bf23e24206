import type { FramedPage, RowFraming } from "../share-object/framed-rows.ts"
import { unwrap } from "../share-object/outcome.ts"
import type { StoredRow } from "../share-object/rows.ts"
import type { ShareObject } from "../share-object/share-object.ts"
import type { FirstRead, PagedTable, RowsPage } from "../share-object/store.ts"
import { previewKeyOf } from "../storage/blobs.ts"

/**
 * Reading a share out of its Durable Object. Messages and parts come in pages of at most this much JSON, so no
 * reply nears the Workers RPC limit (32 MiB) however large the share grows.
 */
const PAGE_BYTES = 4 * 1024 * 1024

/**
 * Pages of a streamed read are smaller: the stream holds a page (in the Durable Object, on the way, in the Worker)
 * while the client reads it, and that is what the route costs in memory, whatever the share's size.
 */
const STREAM_PAGE_BYTES = 256 * 1024

type ShareStub = DurableObjectStub<ShareObject>

/** Where a share's rows are read from: its Durable Object, and R2 for rows too big for SQLite. */
export type ShareSource = { stub: ShareStub; bucket: R2Bucket }

/**
 * A run of rows: inline JSON texts; inline rows framed and encoded by the Durable Object (see `FramedPage`), for the
 * streamed routes; or one R2 row's JSON: streamed (its body as R2 sends it, never held whole) for the streamed
 * routes, as text for the views, which parse it.
 */
type Run = string[] | Uint8Array | ReadableStream<Uint8Array>

/** A piece of an answer: text, bytes framed by the Durable Object, or an R2 body passed through. */
type Piece = string | Uint8Array | ReadableStream<Uint8Array>

/**
 * Stored rows in order, in runs: inline rows together, each R2 row on its own, fetched only when its turn comes, so
 * a reader holds at most one big row at a time (streamed: one chunk of it).
 */
async function* rowRuns(bucket: R2Bucket, rows: StoredRow[], streamed: boolean): AsyncGenerator<Run> {
  let run: string[] = []
  for (const row of rows) {
    if (typeof row === "string") {
      run.push(row)
      continue
    }
    if (run.length > 0) yield run
    run = []
    yield await blobRun(bucket, row.blob, streamed)
  }
  if (run.length > 0) yield run
}

/**
 * One R2 row: its body as R2 sends it (streamed), or its text. A row that streamed to R2 (up to 100 MB) is read as
 * text by its preview, long strings clipped: no view holds it whole, and its HTML was made from the same preview.
 */
async function blobRun(bucket: R2Bucket, key: string, streamed: boolean): Promise<Run> {
  const object = await bucket.get(streamed ? key : (previewKeyOf(key) ?? key))
  if (object === null) throw new Error(`row data missing from R2: ${key}`)
  return streamed ? object.body : [await object.text()]
}

/** A framed page's runs in order (framed pages are read only by streamed answers), R2 rows fetched in their turn. */
async function* framedRuns(bucket: R2Bucket, page: FramedPage): AsyncGenerator<Run> {
  for (const run of page.runs) yield run instanceof Uint8Array ? run : await blobRun(bucket, run.blob, true)
}

/** All of `rows` as JSON texts (for the short lists: diffs, models, and a page's window). */
export async function allTexts(bucket: R2Bucket, rows: StoredRow[]): Promise<string[]> {
  const texts: string[] = []
  for await (const run of rowRuns(bucket, rows, false)) if (Array.isArray(run)) texts.push(...run)
  return texts
}

/** A row's JSON as stored, for the one-row download (an R2 row streamed through, never held). */
export async function rowBody(bucket: R2Bucket, row: StoredRow): Promise<string | ReadableStream<Uint8Array>> {
  if (typeof row === "string") return row
  const object = await bucket.get(row.blob)
  if (object === null) throw new Error(`row data missing from R2: ${row.blob}`)
  return object.body
}

/** Whether a stored row is shown by its preview (it streamed to R2: see `allTexts`). */
export function isClipped(row: StoredRow): boolean {
  return typeof row !== "string" && previewKeyOf(row.blob) !== undefined
}

/**
 * How much more row text a reader takes in before it stops fetching pages (the page it holds is always used), and
 * whether it stopped with pages left: a rendered page has a memory budget, a streamed read has none.
 */
type Budget = { remaining: number; truncated: boolean }

/**
 * Stored HTML collected while reading, for a rendered page: each part's by id (absent where none could be made
 * within the read's render budget: the page renders those itself), and each diff file's in the snapshot's order.
 */
export type StoredHtml = { parts: Map<string, string>; diffs: (string | undefined)[] }

function unbounded(): Budget {
  return { remaining: Number.POSITIVE_INFINITY, truncated: false }
}

/** Keep a page's HTML (when it carries any) and count it against the budget like row text. */
function collectHtml(page: RowsPage, into: StoredHtml | undefined): number {
  if (into === undefined || page.html === undefined) return 0
  let length = 0
  page.html.forEach((html, index) => {
    const id = page.keys[index]?.at(-1)
    if (html === null || id === undefined) return
    into.parts.set(id, html)
    length += html.length
  })
  return length
}

function textLength(run: Run): number {
  if (!Array.isArray(run)) return 0
  return run.reduce((total, row) => total + row.length, 0)
}

/**
 * What a read of pages needs: where from, which share, which version on, and whether R2 rows are streamed; with
 * `framing` (streamed reads), pages after the first come framed and encoded from the Durable Object.
 */
type PageRead = {
  source: ShareSource
  shareID: string
  since?: number
  streamed: boolean
  pageBytes: number
  framing?: RowFraming
}

/** The rows of `first` and of the pages after it, while the budget lasts. */
async function* rowPages(read: PageRead, table: PagedTable, first: RowsPage, budget: Budget, html?: StoredHtml) {
  const { source, shareID, since, pageBytes } = read
  const withHtml = html !== undefined
  let page = first
  for (;;) {
    budget.remaining -= collectHtml(page, html)
    for await (const run of rowRuns(source.bucket, page.rows, read.streamed)) {
      yield run
      budget.remaining -= textLength(run)
    }
    if (page.next === undefined) return
    if (budget.remaining <= 0) {
      budget.truncated = true
      return
    }
    if (read.framing !== undefined) {
      yield* framedPages(read, read.framing, table, page.next)
      return
    }
    page = unwrap(
      await source.stub.readRows({ shareID, table, since, after: page.next, maxBytes: pageBytes, withHtml }),
    )
  }
}

/** The pages from `after` on, framed and encoded by the Durable Object: bytes the stream passes on as they are. */
async function* framedPages(read: PageRead, framing: RowFraming, table: PagedTable, after: string[]) {
  const { source, shareID, since, pageBytes } = read
  for (let next: string[] | undefined = after; next !== undefined; ) {
    const page: FramedPage = unwrap(
      await source.stub.readFramedRows({ shareID, table, since, after: next, maxBytes: pageBytes, framing }),
    )
    yield* framedRuns(source.bucket, page)
    next = page.next
  }
}

/** Rows as elements of a JSON array. */
const ARRAY_FRAMING: RowFraming = { before: "", after: "", between: "," }

/** Rows as `{"type":…,"data":<row>}` entries, each after a comma (see `typedItems`). */
function typedFraming(type: string): RowFraming {
  return { before: `,{"type":"${type}","data":`, after: "}", between: "" }
}

/** A streamed read takes its later pages framed and encoded; a view's read takes them as text, to parse. */
function framed(read: PageRead, framing: RowFraming): PageRead {
  return read.streamed ? { ...read, framing } : read
}

/** Rows of every page (or of one list) as the inside of one JSON array. */
async function* arrayItems(runs: AsyncIterable<Run>): AsyncGenerator<Piece> {
  let first = true
  for await (const run of runs) {
    if (Array.isArray(run)) {
      if (run.length === 0) continue
      yield `${first ? "" : ","}${run.join(",")}`
    } else {
      // A framed run has its rows joined by commas already (ARRAY_FRAMING); an R2 body is one row.
      if (!first) yield ","
      yield run
    }
    first = false
  }
}

/**
 * The share as the JSON text of a `ShareSnapshot`, piece by piece, from rows that are stored as JSON already.
 * Pages after the first are read later than the head: a row written in between is newer than `metadata.version`, so a
 * viewer that asks again `since` that version gets it once more (by id, so nothing doubles) and misses nothing.
 */
async function* snapshotPieces(read: PageRead, head: FirstRead, budget: Budget, html?: StoredHtml) {
  const { bucket } = read.source
  yield `{"id":${JSON.stringify(head.id)},"session":${head.session},"messages":[`
  yield* arrayItems(rowPages(framed(read, ARRAY_FRAMING), "message", head.messages, budget))
  yield '],"parts":['
  yield* arrayItems(rowPages(framed(read, ARRAY_FRAMING), "part", head.parts, budget, html))
  yield '],"diffs":['
  yield* arrayItems(rowRuns(bucket, head.diffs, read.streamed))
  yield '],"models":['
  yield* arrayItems(rowRuns(bucket, head.models, read.streamed))
  yield `],"metadata":${JSON.stringify(head.metadata)}}`
}

/** Rows of every page as `{"type":…,"data":<row>}` entries of one JSON array (after at least one entry). */
async function* typedItems(type: string, runs: AsyncIterable<Run>): AsyncGenerator<Piece> {
  for await (const run of runs) {
    if (run instanceof Uint8Array) {
      // Framed by the Durable Object as these entries already (typedFraming).
      yield run
      continue
    }
    if (!Array.isArray(run)) {
      yield `,{"type":"${type}","data":`
      yield run
      yield "}"
      continue
    }
    for (const row of run) yield `,{"type":"${type}","data":${row}}`
  }
}

/**
 * The share in upstream's `GET /api/share/:id/data` shape, which `opencode import <url>` reads: one flat list of
 * sync items, `[{ type, data }]` (the session, each message, each part, the diff list, the model list).
 */
async function* dataPieces(read: PageRead, head: FirstRead): AsyncGenerator<Piece> {
  const budget = unbounded()
  const { bucket } = read.source
  yield `[{"type":"session","data":${head.session}}`
  yield* typedItems("message", rowPages(framed(read, typedFraming("message")), "message", head.messages, budget))
  yield* typedItems("part", rowPages(framed(read, typedFraming("part")), "part", head.parts, budget))
  yield ',{"type":"session_diff","data":['
  yield* arrayItems(rowRuns(bucket, head.diffs, read.streamed))
  yield ']},{"type":"model","data":['
  yield* arrayItems(rowRuns(bucket, head.models, read.streamed))
  yield "]}]"
}

/**
 * Pieces as one byte stream, pulled as the client reads: text is encoded a piece at a time and an R2 body passed
 * through chunk by chunk, so the Worker holds one page of rows and one chunk, whatever the share's size.
 */
function streamOf(pieces: AsyncGenerator<Piece>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  let body: ReadableStreamDefaultReader<Uint8Array> | undefined
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          if (body !== undefined) {
            const chunk = await body.read()
            if (chunk.done !== true) return controller.enqueue(chunk.value)
            body = undefined
          }
          const next = await pieces.next()
          if (next.done === true) return controller.close()
          if (typeof next.value === "string") return controller.enqueue(encoder.encode(next.value))
          if (next.value instanceof Uint8Array) return controller.enqueue(next.value)
          body = next.value.getReader()
        }
      },
      async cancel() {
        await body?.cancel()
        await pieces.return(undefined)
      },
    },
    // Nothing read ahead: the next page is fetched once the client has taken the one before.
    { highWaterMark: 0 },
  )
}

function streamRead(source: ShareSource, shareID: string, since?: number): PageRead {
  return { source, shareID, since, streamed: true, pageBytes: STREAM_PAGE_BYTES }
}

/** The share as streamed upstream items (see `dataPieces`); an unknown share is a 404 before the stream starts. */
export async function dataStream(source: ShareSource, shareID: string) {
  const head = unwrap(await source.stub.readHead({ shareID, maxBytes: STREAM_PAGE_BYTES }))
  return streamOf(dataPieces(streamRead(source, shareID), head))
}

/**
 * The share as streamed JSON. The head is read before the stream starts, so an unknown share is still a 404; a
 * share deleted while its pages stream out ends the stream with an error.
 */
export async function snapshotStream(source: ShareSource, shareID: string, since?: number) {
  const head = unwrap(await source.stub.readHead({ shareID, since, maxBytes: STREAM_PAGE_BYTES }))
  return streamOf(snapshotPieces(streamRead(source, shareID, since), head, unbounded()))
}

/**
 * The share as text, for callers that render it (the page, live fragments), with the HTML stored for its parts and
 * diff files. With `maxBytes`, reading stops at the first page boundary past that much row text and HTML (a prefix
 * of the conversation, in display order) and `complete` says whether anything was left out; without it, everything
 * is read.
 */
export async function snapshotForView(
  source: ShareSource,
  shareID: string,
  since?: number,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<{ text: string; complete: boolean; html: StoredHtml }> {
  const pageBytes = Math.min(PAGE_BYTES, maxBytes)
  const head = unwrap(await source.stub.readHead({ shareID, since, maxBytes: pageBytes, withHtml: true }))
  const diffs = (head.diffHtml ?? []).map((html) => html ?? undefined)
  const html: StoredHtml = { parts: new Map(), diffs }
  const budget: Budget = {
    remaining: maxBytes - diffs.reduce((total, one) => total + (one?.length ?? 0), 0),
    truncated: false,
  }
  let text = ""
  const read = { source, shareID, since, streamed: false, pageBytes }
  for await (const piece of snapshotPieces(read, head, budget, html)) {
    // Not streamed, so every R2 row came as text.
    if (typeof piece === "string") text += piece
  }
  return { text, complete: !budget.truncated, html }
}
