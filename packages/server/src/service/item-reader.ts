import { type RowOutcome, RowReader, type SpillContext } from "./row-reader.ts"
import type { RowSpill } from "./row-spill.ts"
import type { Token } from "./tokens.ts"
import { ValueWriter } from "./value-writer.ts"

/**
 * An item the Worker holds whole: one whose type cannot stream (a session or a model list, which must fit a SQLite
 * row anyway) or that names its data before its type. The Worker holds it a few times while it is checked and
 * encoded, about three copies in 128 MB.
 */
export const MAX_HELD_ITEM_CHARS = 16 * 1024 * 1024

/** Item types whose `data` is one row that may stream to R2 (see RowReader). */
const ROW_TYPES = new Set(["part", "message"])

/** Longest `type` value kept (the schema's types are a few characters). */
const MAX_TYPE_CHARS = 1024

/** What reading one item of the list yields, in body order. */
export type ItemEvent =
  /** A whole item's JSON text. */
  | { kind: "item"; index: number; text: string }
  /** A part or message whose row streamed to R2: its type, its row's preview (long strings clipped) and upload. */
  | { kind: "spilled"; index: number; type: string; preview: string; spill: RowSpill }
  /** One file of a `session_diff` item, as it completes (the item's files are never held together). */
  | { kind: "diff-entry"; index: number; entry: RowOutcome }
  /** The end of a `session_diff` item whose files came as `diff-entry` events. */
  | { kind: "diff-end"; index: number }
  /** An item that cannot be kept, and why; `spill`: an upload already begun for it, to abort. */
  | { kind: "refused"; index: number; code: "payload_too_large" | "bad_request"; reason: string; spill?: RowSpill }

/** Where a reader puts its events (the body's list of events, which also holds other kinds). */
type EventSink = { push(event: ItemEvent): unknown }

type Member =
  | { kind: "type"; writer: ValueWriter }
  | { kind: "data"; writer: ValueWriter }
  | { kind: "row"; reader: RowReader }
  | { kind: "diffs"; entry: RowReader | undefined }
  | { kind: "skip"; depth: number }

function heldWriter(limit: number): ValueWriter {
  const writer = new ValueWriter()
  writer.limit = limit
  return writer
}

/**
 * One element of the sync's list, read token by token. An object's `type` and `data` are kept (other members are
 * skipped: the schema would drop them); when the type came first, a part's or message's row and each file of a
 * session diff are read by a RowReader, so none of them is held past `HOLD_ROW_CHARS`. Anything else is held
 * whole up to `MAX_HELD_ITEM_CHARS`.
 */
export class ItemReader {
  private readonly index: number
  private readonly context: SpillContext
  private started = false
  /** A list element that is not an object: held as it is, for the schema to refuse with its own words. */
  private whole: ValueWriter | undefined
  private member: Member | undefined
  private typeText: string | undefined
  private typeName: string | undefined
  private dataText: string | undefined
  private row: RowOutcome | undefined
  private diffs = false
  private oversized = false
  private duplicate: string | undefined

  constructor(index: number, context: SpillContext) {
    this.index = index
    this.context = context
  }

  /** The upload being written now, if any: the body reader sends its queued parts after each chunk. */
  get activeSpill(): RowSpill | undefined {
    const member = this.member
    if (member?.kind === "row") return member.reader.spill
    if (member?.kind === "diffs") return member.entry?.spill
    return undefined
  }

  /** Feed one token (`out` gets the item's events); true when the item is complete. */
  feed(token: Token, out: EventSink): boolean {
    if (!this.started) {
      this.started = true
      if (token.name === "startObject") return false
      this.whole = heldWriter(MAX_HELD_ITEM_CHARS)
    }
    const whole = this.whole
    if (whole !== undefined) return this.feedWhole(whole, token, out)
    const member = this.member
    if (member !== undefined) {
      this.feedMember(member, token, out)
      return false
    }
    if (token.name === "keyValue") {
      this.member = this.memberFor(String(token.value))
      return false
    }
    if (token.name !== "endObject") return false
    out.push(this.finish())
    return true
  }

  private feedWhole(whole: ValueWriter, token: Token, out: EventSink): boolean {
    if (!whole.write(token)) return false
    out.push(whole.dropping ? this.tooLarge() : { kind: "item", index: this.index, text: whole.text() })
    return true
  }

  /** How the value after key `key` is read (chosen when its first token comes, see `feedMember`). */
  private memberFor(key: string): Member {
    if (key === "type" || key === "data") {
      if ((key === "type" && this.typeText !== undefined) || (key === "data" && this.hasData())) this.duplicate = key
      return { kind: key, writer: heldWriter(key === "type" ? MAX_TYPE_CHARS : MAX_HELD_ITEM_CHARS) }
    }
    return { kind: "skip", depth: 0 }
  }

  private hasData(): boolean {
    return this.dataText !== undefined || this.row !== undefined || this.diffs
  }

  private feedMember(member: Member, token: Token, out: EventSink): void {
    switch (member.kind) {
      case "skip":
        if (token.name === "startObject" || token.name === "startArray") member.depth += 1
        if (token.name === "endObject" || token.name === "endArray") member.depth -= 1
        if (member.depth === 0 && token.name !== "startString" && token.name !== "stringChunk") this.member = undefined
        return
      case "type":
        if (!member.writer.write(token)) return
        this.member = undefined
        this.typeText = member.writer.dropping ? JSON.stringify("(too long)") : member.writer.text()
        this.typeName = this.typeNameOf(this.typeText)
        return
      case "data":
        this.feedData(member.writer, token)
        return
      case "row":
        if (!member.reader.write(token)) return
        this.member = undefined
        this.row = member.reader.outcome()
        return
      case "diffs":
        this.feedDiffs(member, token, out)
        return
    }
  }

  private typeNameOf(text: string): string | undefined {
    const value: unknown = JSON.parse(text)
    return typeof value === "string" ? value : undefined
  }

  /** The first token of `data` decides how it is read: a row or a diff list when the type said so, else held. */
  private feedData(writer: ValueWriter, token: Token): void {
    if (writer.length === 0 && this.duplicate === undefined) {
      if (token.name === "startObject" && ROW_TYPES.has(this.typeName ?? "")) {
        const reader = new RowReader(this.context)
        this.member = { kind: "row", reader }
        reader.write(token)
        return
      }
      if (token.name === "startArray" && this.typeName === "session_diff") {
        this.member = { kind: "diffs", entry: undefined }
        this.diffs = true
        return
      }
    }
    if (!writer.write(token)) return
    this.member = undefined
    if (this.duplicate !== undefined) return
    if (writer.dropping) this.oversized = true
    this.dataText = writer.dropping ? "" : writer.text()
  }

  private feedDiffs(member: { kind: "diffs"; entry: RowReader | undefined }, token: Token, out: EventSink): void {
    const entry = member.entry
    if (entry === undefined) {
      if (token.name === "endArray") {
        this.member = undefined
        return
      }
      const reader = new RowReader(this.context)
      member.entry = reader
      if (!reader.write(token)) return
      member.entry = undefined
      out.push({ kind: "diff-entry", index: this.index, entry: reader.outcome() })
      return
    }
    if (!entry.write(token)) return
    member.entry = undefined
    out.push({ kind: "diff-entry", index: this.index, entry: entry.outcome() })
  }

  private tooLarge(): ItemEvent {
    const reason =
      `more than ${MAX_HELD_ITEM_CHARS} characters; only a part, a message or a diff file may be bigger, ` +
      "in an item that names its type before its data"
    return { kind: "refused", index: this.index, code: "payload_too_large", reason }
  }

  private finish(): ItemEvent {
    const index = this.index
    const row = this.row
    if (this.duplicate !== undefined) {
      const spill = row?.kind === "spilled" || row?.kind === "oversized" ? row.spill : undefined
      const event: ItemEvent = { kind: "refused", index, code: "bad_request", reason: `${this.duplicate} twice` }
      return spill === undefined ? event : { ...event, spill }
    }
    if (this.diffs) return { kind: "diff-end", index }
    if (this.oversized) return this.tooLarge()
    if (row?.kind === "oversized") {
      const event: ItemEvent = { kind: "refused", index, code: "payload_too_large", reason: row.reason }
      return row.spill === undefined ? event : { ...event, spill: row.spill }
    }
    if (row?.kind === "spilled") {
      return { kind: "spilled", index, type: this.typeName ?? "", preview: row.preview, spill: row.spill }
    }
    const data = row?.kind === "held" ? row.text : this.dataText
    const members = [
      this.typeText === undefined ? undefined : `"type":${this.typeText}`,
      data === undefined ? undefined : `"data":${data}`,
    ].filter((member) => member !== undefined)
    return { kind: "item", index, text: `{${members.join(",")}}` }
  }
}
