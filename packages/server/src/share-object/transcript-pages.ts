import { type Message, messageMarkdown, type Part, partMarkdown } from "@cloudsession/protocol"
import { previewKeyOf } from "../storage/blobs.ts"
import type { MeteredSql } from "../storage/metered-sql.ts"
import type { DataRow } from "./rows.ts"

/**
 * Markdown per call (at least one step: a large part is one page on its own). Small on purpose: what a call renders
 * is garbage once sent, and smaller pages kept workerd lower (scenario 10: 256 Ki chars +81 MB, 64 Ki +55 to +61).
 */
const TRANSCRIPT_PAGE_CHARS = 64 * 1024

/**
 * Where a transcript read stands between calls: the last message whose section began ("" before the first), the
 * key of the last part written (`[]` before the first), and which section is open. An orphan section holds parts
 * whose message never arrived, where that message would have been (parts sort by message id, then id).
 */
export type TranscriptCursor = { message: string; part: string[]; section: "none" | "orphans" | "message" }

export const TRANSCRIPT_START: TranscriptCursor = { message: "", part: [], section: "none" }

/** A page of the transcript's messages, as bytes (see `FramedPage` for why not a string); `next` absent: the end. */
export type TranscriptPage = { chunks: Uint8Array[]; next?: TranscriptCursor }

type PartRow = DataRow & { message_id: string; id: string }
type MessageRow = DataRow & { id: string }

/** What one step writes and where the read stands after it; `undefined`: nothing is left. */
type Step = { text: string; cursor: TranscriptCursor } | undefined

/**
 * The transcript's message sections (the Worker writes the heading and the diff list around them), rendered inside
 * the share's Durable Object a page per call: each row read, rendered and dropped within the call, so nothing of a
 * large share piles up in the Worker. Each step looks one message and one part ahead by key (one indexed row each),
 * so a call can end anywhere, mid-section included, and the next one resumes from its cursor. Rows kept in R2 are
 * fetched when their turn comes.
 */
export class TranscriptPages {
  private readonly sql: MeteredSql
  private readonly bucket: R2Bucket

  constructor(sql: MeteredSql, bucket: R2Bucket) {
    this.sql = sql
    this.bucket = bucket
  }

  async page(shareID: string, from: TranscriptCursor): Promise<TranscriptPage> {
    // Each step's text encoded as it comes, not joined first: joining would copy a page of large parts once more.
    const encoder = new TextEncoder()
    const chunks: Uint8Array[] = []
    let chars = 0
    let cursor = from
    while (chars < TRANSCRIPT_PAGE_CHARS) {
      const step = await this.step(shareID, cursor)
      if (step === undefined) return { chunks }
      if (step.text !== "") chunks.push(encoder.encode(step.text))
      chars += step.text.length
      cursor = step.cursor
    }
    return { chunks, next: cursor }
  }

  private async step(shareID: string, cursor: TranscriptCursor): Promise<Step> {
    const part = this.partAfter(cursor.part)
    const written = (row: PartRow) => ({ ...cursor, part: [row.message_id, row.id] })
    if (cursor.section === "message") {
      if (part?.message_id !== cursor.message) return { text: "\n\n", cursor: { ...cursor, section: "none" } }
      return { text: await this.partText(shareID, part), cursor: written(part) }
    }
    const message = this.messageAfter(cursor.message)
    const orphan = part !== undefined && (message === undefined || part.message_id < message.id)
    if (cursor.section === "orphans") {
      if (!orphan) return { text: "\n\n", cursor: { ...cursor, section: "none" } }
      return { text: await this.partText(shareID, part), cursor: written(part) }
    }
    if (orphan) return { text: messageMarkdown(undefined, []), cursor: { ...cursor, section: "orphans" } }
    if (message === undefined) return undefined
    const heading = messageMarkdown(await this.parsed<Message>(message), [])
    return { text: heading, cursor: { ...cursor, message: message.id, section: "message" } }
  }

  private partAfter(key: TranscriptCursor["part"]): PartRow | undefined {
    const [messageID = "", partID = ""] = key
    return this.sql.first<PartRow>(
      "SELECT message_id, id, data, blob FROM part WHERE (message_id, id) > (?, ?) ORDER BY message_id, id LIMIT 1",
      messageID,
      partID,
    )
  }

  private messageAfter(id: string): MessageRow | undefined {
    return this.sql.first<MessageRow>("SELECT id, data, blob FROM message WHERE id > ? ORDER BY id LIMIT 1", id)
  }

  /** A part's piece of its section; a part shown by its preview says so, and where all of it is. */
  private async partText(shareID: string, row: PartRow): Promise<string> {
    const text = partPiece(await this.parsed<Part>(row))
    if (row.blob === null || previewKeyOf(row.blob) === undefined) return text
    const path = `/api/share/${encodeURIComponent(shareID)}/part/${encodeURIComponent(row.id)}`
    return `${text}\n\n_(This part is too big to show whole: its long texts are cut off here. All of it: \`${path}\`.)_`
  }

  /** A row parsed; one that streamed to R2 by its preview (long strings clipped), which an object can hold. */
  private async parsed<T>(row: DataRow): Promise<T> {
    if (row.data !== null) return JSON.parse(row.data) as T
    const key = row.blob ?? ""
    const object = await this.bucket.get(previewKeyOf(key) ?? key)
    if (object === null) throw new Error(`row data missing from R2: ${row.blob}`)
    return (await object.json()) as T
  }
}

/** One part as its section goes on: what `messageMarkdown` puts between a message's parts, a part at a time. */
function partPiece(part: Part): string {
  const markdown = partMarkdown(part)
  return markdown === "" ? "" : `\n\n${markdown}`
}
