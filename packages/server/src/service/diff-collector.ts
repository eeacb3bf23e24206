import { type FileDiff, FileDiffSchema, LIMITS, type RefusedItem } from "@cloudsession/protocol"
import { redactItems } from "@cloudsession/protocol/redaction"
import type { DiffEntry } from "../share-object/rendered.ts"
import type { RowData } from "../share-object/rows.ts"

/**
 * Inline diff files one session diff holds in the Worker until its last file has come; past it, files go to R2
 * whatever their size, so a diff set of any size costs this much memory, not its size.
 */
const HELD_INLINE_CHARS = 8 * 1024 * 1024

/** Files scanned for secrets together (the rules' cost is mostly per pass, see `redactItems`). */
const REDACT_PASS_CHARS = 1024 * 1024

/** How a collector stores one file: inline or in R2 (`toR2`: regardless of size), with its HTML when in R2. */
export type StoreDiff = (text: string, diff: FileDiff, toR2: boolean) => Promise<DiffEntry>

type Refusal = { code: RefusedItem["code"]; reason: string }

/**
 * The files of one `session_diff` item as they arrive one by one (see ItemReader), checked, redacted and stored
 * each on its own, so the Worker never holds the item whole. A bad file refuses the whole item, as it would have
 * refused the item held whole; what was already put in R2 for it is then deleted by the caller (`keys`).
 */
export class DiffCollector {
  readonly index: number
  private readonly redact: boolean
  private readonly store: StoreDiff
  private readonly entries = new Map<string, DiffEntry>()
  private pending: { diff: FileDiff; chars: number }[] = []
  private pendingChars = 0
  private heldInline = 0
  private count = 0
  refusal: Refusal | undefined
  /** R2 keys written for this item's files (including files a later one of the same name replaced). */
  readonly keys: string[] = []

  constructor(index: number, redact: boolean, store: StoreDiff) {
    this.index = index
    this.redact = redact
    this.store = store
  }

  /** Count one more file; false (and the item refused) past the schema's limit. */
  private counted(): boolean {
    this.count += 1
    if (this.count <= LIMITS.maxListEntries) return true
    this.refuse({
      code: "bad_request",
      reason: `invalid data: a diff list holds at most ${LIMITS.maxListEntries} files`,
    })
    return false
  }

  refuse(refusal: Refusal): void {
    this.refusal ??= refusal
    this.pending = []
    this.pendingChars = 0
  }

  /** A file's JSON held whole. */
  async addText(text: string): Promise<void> {
    if (this.refusal !== undefined || !this.counted()) return
    const diff = this.checked(JSON.parse(text), this.count - 1)
    if (diff === undefined) return
    this.pending.push({ diff, chars: text.length })
    this.pendingChars += text.length
    if (this.pendingChars >= REDACT_PASS_CHARS) await this.flush()
  }

  /** A file whose JSON streamed to R2 (`entry`, stored by the caller from its `preview`). */
  async addSpilled(preview: unknown, place: (diff: FileDiff) => Promise<DiffEntry>): Promise<boolean> {
    if (this.refusal !== undefined || !this.counted()) return false
    const diff = this.checked(preview, this.count - 1)
    if (diff === undefined) return false
    await this.flush()
    const [clean] = this.redact ? redactItems([{ type: "session_diff", data: [diff] }]).items : []
    this.put(await place(clean?.type === "session_diff" ? (clean.data[0] ?? diff) : diff))
    return true
  }

  private checked(value: unknown, position: number): FileDiff | undefined {
    const parsed = FileDiffSchema.safeParse(value)
    if (parsed.success) return value as FileDiff
    const issue = parsed.error.issues[0]
    const where = ["data", position, ...(issue?.path ?? [])].join(".")
    this.refuse({ code: "bad_request", reason: `invalid ${where}: ${issue?.message ?? "malformed"}` })
    return undefined
  }

  private put(entry: DiffEntry): void {
    if ("blob" in entry.data) this.keys.push(entry.data.blob)
    this.entries.set(entry.key, entry)
  }

  /** The held files redacted (together) and stored. */
  private async flush(): Promise<void> {
    const pending = this.pending
    this.pending = []
    this.pendingChars = 0
    if (pending.length === 0) return
    const diffs = pending.map((entry) => entry.diff)
    const items = this.redact ? redactItems(diffs.map((diff) => ({ type: "session_diff", data: [diff] }))).items : []
    for (const [position, diff] of diffs.entries()) {
      const redacted = items[position]
      const clean = redacted?.type === "session_diff" ? (redacted.data[0] ?? diff) : diff
      const text = JSON.stringify(clean)
      const toR2 = this.heldInline + text.length > HELD_INLINE_CHARS
      const entry = await this.store(text, clean, toR2)
      if ("text" in entry.data) this.heldInline += text.length
      this.put(entry)
    }
  }

  /** Every file, once the item ended; undefined when it was refused. */
  async finish(): Promise<{ entries: DiffEntry[]; bytes: number } | undefined> {
    await this.flush()
    if (this.refusal !== undefined) return undefined
    const entries = [...this.entries.values()]
    const bytes = entries.reduce((total, entry) => total + rowSize(entry.data) + (entry.html?.length ?? 0), 0)
    return { entries, bytes }
  }

  /** Keys of files a later file of the same name replaced (written, then no longer referenced). */
  superseded(): string[] {
    const kept = new Set([...this.entries.values()].flatMap((entry) => ("blob" in entry.data ? [entry.data.blob] : [])))
    return this.keys.filter((key) => !kept.has(key))
  }
}

function rowSize(data: RowData): number {
  return "text" in data ? data.text.length : data.blob.length
}
