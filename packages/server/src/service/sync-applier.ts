import {
  diffKey,
  LIMITS,
  type RefusedItem,
  ShareError,
  type SyncCost,
  type SyncData,
  SyncDataSchema,
  type SyncResult,
} from "@cloudsession/protocol"
import { redactItem, redactItems } from "@cloudsession/protocol/redaction"
import type { RenderBudget } from "../render/budget.ts"
import { type Outcome, unwrap } from "../share-object/outcome.ts"
import { renderBudget, renderDiff, renderPart } from "../share-object/rendered.ts"
import {
  type PieceInput,
  type PieceResult,
  type RenderRow,
  rowsOf,
  type ShareQuota,
  type SyncThrottle,
  utf8Bytes,
} from "../share-object/row-writes.ts"
import type { RowData, RowWrite } from "../share-object/rows.ts"
import type { ShareObject } from "../share-object/share-object.ts"
import { blobKey, deleteBlobs, previewKeyOf } from "../storage/blobs.ts"
import { DiffCollector } from "./diff-collector.ts"
import type { RowOutcome } from "./row-reader.ts"
import type { SpilledRow } from "./row-spill.ts"

type ShareStub = DurableObjectStub<ShareObject>

/**
 * A sync is applied in pieces of about this much row text (and at most `PIECE_ROWS` rows): one Durable Object call
 * and one SQLite transaction each, so neither the call (Workers RPC carries at most 32 MiB) nor the Worker's memory
 * grows with the body.
 */
const PIECE_BYTES = 4 * 1024 * 1024
const PIECE_ROWS = 2000

/**
 * Items to redact are scanned together, up to about this much JSON (the rules' cost is mostly per pass, see
 * `redactItems`), before they go on to the piece.
 */
const REDACT_PASS_BYTES = 1024 * 1024
const REDACT_PASS_ITEMS = 500

/**
 * How a sync's items are applied (see `ShareService.applyOptions`): `redact`, the server's own redaction for clients
 * that do not redact; `quota`, what a share created without a token may hold (its object applies it to such a share
 * only); `throttle`, the anonymous sync rate, taken once per sync (again only for such a share).
 */
export type ApplyOptions = { redact: boolean; quota: ShareQuota; throttle?: SyncThrottle }

type Held = { index: number; type: string | undefined; item: SyncData }

function addCost(total: SyncCost, more: SyncCost): SyncCost {
  return {
    rowsRead: total.rowsRead + more.rowsRead,
    rowsWritten: total.rowsWritten + more.rowsWritten,
    bytesWritten: total.bytesWritten + more.bytesWritten,
  }
}

/** The session an item names, for the items that name one. */
function sessionOf(item: SyncData): string | undefined {
  if (item.type === "session") return item.data.id
  if (item.type === "message" || item.type === "part") return item.data.sessionID
  return undefined
}

function typeOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || !("type" in value)) return undefined
  return typeof value.type === "string" ? value.type.slice(0, 64) : undefined
}

/**
 * One sync, item by item: each item is validated on its own (a refused item is reported with its reason and the
 * others are stored), turned into rows, rows too big for SQLite are put in R2, and rows go to the share's Durable
 * Object in bounded pieces. The secret was checked before the first R2 write and is checked again by every piece.
 */
export class SyncApplier {
  readonly #stub: ShareStub
  readonly #bucket: R2Bucket
  readonly #shareID: string
  readonly #secret: string
  readonly #sessionID: string
  #batchID: string | undefined
  readonly #now: number
  #rows: RowWrite[] = []
  #pieceBytes = 0
  #spilled: string[] = []
  #refused: RefusedItem[] = []
  readonly #options: ApplyOptions
  #held: Held[] = []
  #heldBytes = 0
  #applied = 0
  #sent = false
  #duplicate: SyncResult | undefined
  #last: PieceResult | undefined
  #cost: SyncCost = { rowsRead: 0, rowsWritten: 0, bytesWritten: 0 }
  /** The session diff whose files are arriving one by one, if any. */
  #diff: DiffCollector | undefined
  /**
   * One render budget for the whole sync: each part (and each diff file kept in R2) gets its HTML here, once, as the
   * item is taken; what the budget does not cover is rendered when first read (see RenderedItems).
   */
  readonly #budget: RenderBudget = renderBudget("write")
  readonly #render: RenderRow = {
    part: (part) => renderPart(part, this.#budget),
    diff: (diff) => renderDiff(diff, this.#budget),
  }

  private constructor(
    stub: ShareStub,
    bucket: R2Bucket,
    share: { id: string; secret: string; sessionID: string },
    options: ApplyOptions,
    batchID?: string,
  ) {
    this.#options = options
    this.#stub = stub
    this.#bucket = bucket
    this.#shareID = share.id
    this.#secret = share.secret
    this.#sessionID = share.sessionID
    this.#batchID = batchID
    this.#now = Date.now()
  }

  /**
   * Check the secret (404 / 403 / 410 before anything is read or written) and, for an anonymous share, the sync rate
   * (429), then take items.
   */
  static async open(
    stub: ShareStub,
    bucket: R2Bucket,
    target: { shareID: string; secret: string; batchID?: string },
    options: ApplyOptions,
  ) {
    const { shareID, secret, batchID } = target
    const share = unwrap(await stub.verify({ shareID, secret, throttle: options.throttle }))
    return new SyncApplier(stub, bucket, { id: shareID, secret, sessionID: share.sessionID }, options, batchID)
  }

  /**
   * A batch id that came after some items (JSON objects are unordered): fine while nothing was sent, which holds for
   * any body whose items fit one piece; a bigger body must name its batch id before its data.
   */
  setBatchID(batchID: string): void {
    if (this.#sent) throw new ShareError("bad_request", "in a body this large, batchID must come before data")
    this.#batchID = batchID
  }

  refuse(index: number, type: string | undefined, code: RefusedItem["code"], reason: string): void {
    this.#refused.push(type === undefined ? { index, code, reason } : { index, type, code, reason })
  }

  /** The item, when it is valid and of this share's session; else it is refused and undefined. */
  #checked(index: number, value: unknown): SyncData | undefined {
    const type = typeOf(value)
    const parsed = SyncDataSchema.safeParse(value)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const where = issue === undefined || issue.path.length === 0 ? "item" : issue.path.join(".")
      this.refuse(index, type, "bad_request", `invalid ${where}: ${issue?.message ?? "malformed"}`)
      return undefined
    }
    const owner = sessionOf(parsed.data)
    if (owner !== undefined && owner !== this.#sessionID) {
      this.refuse(index, type, "bad_request", `belongs to session ${owner}, not to this share's ${this.#sessionID}`)
      return undefined
    }
    // Stored as sent (the schema's output would reorder keys): the parsed copy only vouches for it.
    return value as SyncData
  }

  /** One item as sent (`bytes`: its JSON's UTF-8 size): refused, or queued for the next piece. */
  async add(index: number, value: unknown, bytes: number): Promise<void> {
    if (this.#duplicate !== undefined) return
    const type = typeOf(value)
    if (bytes > LIMITS.maxItemBytes) {
      return this.refuse(index, type, "payload_too_large", `${bytes} bytes; one item is at most ${LIMITS.maxItemBytes}`)
    }
    const item = this.#checked(index, value)
    if (item === undefined) return
    if (!this.#options.redact) return this.#place({ index, type, item })
    this.#held.push({ index, type, item })
    this.#heldBytes += bytes
    if (this.#heldBytes >= REDACT_PASS_BYTES || this.#held.length >= REDACT_PASS_ITEMS) await this.#redactHeld()
  }

  /** The held items with the secrets in them replaced (values never kept, counts not reported), placed in order. */
  async #redactHeld(): Promise<void> {
    const held = this.#held
    this.#held = []
    this.#heldBytes = 0
    if (held.length === 0) return
    const redacted = redactItems(held.map((entry) => entry.item)).items
    for (const [position, entry] of held.entries()) {
      await this.#place({ ...entry, item: redacted[position] ?? entry.item })
    }
  }

  /**
   * A part or message whose row streamed to R2 (redacted as it streamed, see RowReader): checked on its preview,
   * which is stored beside it for the readers that must not hold the row, and rendered from it.
   */
  async addSpilled(index: number, type: string, preview: string, row: SpilledRow): Promise<void> {
    const item = this.#duplicate === undefined ? this.#checked(index, { type, data: JSON.parse(preview) }) : undefined
    if (item === undefined || (item.type !== "part" && item.type !== "message")) return this.#forget([row.key])
    // Items held for redaction come first: rows are written in body order.
    await this.#redactHeld()
    const shown = this.#options.redact ? redactItem(item).item : item
    const data = await this.#keepSpilled(row, shown.data)
    if (shown.type === "message") return this.#queue([{ table: "message", key: shown.data.id, data }], row.key.length)
    if (shown.type !== "part") return
    // Its own budget: a part no reader may hold must have its HTML now.
    const html = renderPart(shown.data, renderBudget("write"))
    const write: RowWrite = { table: "part", key: shown.data.id, messageID: shown.data.messageID, data }
    await this.#queue([html === undefined ? write : { ...write, html }], row.key.length + (html?.length ?? 0))
  }

  /** A spilled row's data, with its preview stored beside it (where the views read it) and its key tracked. */
  async #keepSpilled(row: SpilledRow, preview: unknown): Promise<RowData> {
    const previewKey = previewKeyOf(row.key)
    if (previewKey === undefined) throw new Error(`not the key of a spilled row: ${row.key}`)
    await this.#bucket.put(previewKey, JSON.stringify(preview), { httpMetadata: { contentType: "application/json" } })
    this.#spilled.push(row.key)
    return { blob: row.key, chars: row.chars }
  }

  /** One file of a session diff whose files come one by one (see ItemReader). */
  async addDiffEntry(index: number, entry: RowOutcome, complete: () => Promise<SpilledRow>): Promise<void> {
    const collector = this.#diffCollector(index)
    if (entry.kind === "oversized") return collector.refuse({ code: "payload_too_large", reason: entry.reason })
    if (entry.kind === "held") return collector.addText(entry.text)
    const row = await complete()
    const placed = await collector.addSpilled(JSON.parse(entry.preview), async (diff) => {
      const data = await this.#keepSpilled(row, diff)
      const html = renderDiff(diff, renderBudget("write"))
      return html === undefined ? { key: diffKey(diff), data } : { key: diffKey(diff), data, html }
    })
    if (!placed) await this.#forget([row.key])
  }

  #diffCollector(index: number): DiffCollector {
    const current = this.#diff
    if (current !== undefined && current.index === index) return current
    const collector = new DiffCollector(index, this.#options.redact, async (text, diff, toR2) => {
      const data = await this.#data(text, toR2)
      const html = "blob" in data ? this.#render.diff(diff) : undefined
      return html === undefined ? { key: diffKey(diff), data } : { key: diffKey(diff), data, html }
    })
    this.#diff = collector
    return collector
  }

  /** The end of a session diff whose files came one by one: its whole set, placed in body order, or refused. */
  async endDiffs(index: number): Promise<void> {
    const collector = this.#diffCollector(index)
    this.#diff = undefined
    const set = await collector.finish()
    if (set === undefined || this.#duplicate !== undefined) {
      const refusal = collector.refusal
      if (refusal !== undefined) this.refuse(index, "session_diff", refusal.code, refusal.reason)
      return this.#unspill(collector.keys)
    }
    await this.#unspill(collector.superseded())
    await this.#redactHeld()
    await this.#queue([{ table: "diffs", entries: set.entries }], set.bytes)
  }

  /** Delete row objects written for this sync that will not be referenced, and stop tracking them. */
  async #unspill(keys: string[]): Promise<void> {
    if (keys.length === 0) return
    const gone = new Set(keys)
    this.#spilled = this.#spilled.filter((key) => !gone.has(key))
    await this.#forget(keys)
  }

  /** One applied item's rows for the next piece; the piece is sent once it is full. */
  async #queue(writes: RowWrite[], bytes: number): Promise<void> {
    if (this.#duplicate !== undefined) return
    this.#rows.push(...writes)
    this.#pieceBytes += bytes
    this.#applied += 1
    if (this.#pieceBytes >= PIECE_BYTES || this.#rows.length >= PIECE_ROWS) await this.#send(undefined)
  }

  /** A valid item turned into rows for the next piece, or refused (a row it cannot be stored as). */
  async #place(entry: Held): Promise<void> {
    if (this.#duplicate !== undefined) return
    const rows = await rowsOf(entry.item, (text) => this.#data(text), this.#render)
    if (typeof rows === "string") return this.refuse(entry.index, entry.type, "payload_too_large", rows)
    await this.#queue(rows.writes, rows.bytes)
  }

  /** Forget the session diff being taken for item `index`, if any, with what it put in R2. */
  async dropDiff(index: number): Promise<void> {
    const collector = this.#diff
    if (collector === undefined || collector.index !== index) return
    this.#diff = undefined
    await this.#unspill(collector.keys)
  }

  /**
   * The sync failed before its end: delete what was put in R2 for rows not yet sent in a piece (rows sent stay
   * applied, with their objects).
   */
  async abandon(): Promise<void> {
    const keys = [...this.#spilled, ...(this.#diff?.keys ?? [])]
    this.#spilled = []
    this.#diff = undefined
    await this.#forget(keys)
  }

  /** Send what is left as the last piece and answer for the whole sync. */
  async finish(): Promise<SyncResult> {
    await this.#redactHeld()
    // Items refused when they were placed (after redaction) come after ones refused on arrival: report in body order.
    this.#refused.sort((a, b) => a.index - b.index)
    if (this.#duplicate === undefined) await this.#send({ applied: this.#applied, refused: this.#refused })
    const duplicate: SyncResult | undefined = this.#duplicate
    if (duplicate !== undefined) return { ...duplicate, applied: 0, duplicate: true, refused: [] }
    const last = this.#last
    if (last === undefined) throw new Error("no piece was sent")
    return {
      success: true,
      syncCount: last.syncCount,
      version: last.version,
      applied: this.#applied,
      refused: this.#refused,
      duplicate: false,
      cost: this.#cost,
    }
  }

  async #send(last: PieceInput["last"]): Promise<void> {
    const rows = this.#rows
    const spilled = this.#spilled
    this.#rows = []
    this.#spilled = []
    this.#pieceBytes = 0
    const outcome: Outcome<PieceResult> = await this.#stub.applyPiece({
      shareID: this.#shareID,
      secret: this.#secret,
      rows,
      now: this.#now,
      first: !this.#sent,
      last,
      batchID: this.#batchID,
      quota: this.#options.quota,
    })
    if (!outcome.ok) await this.#forget(spilled)
    const piece = unwrap(outcome)
    this.#sent = true
    this.#cost = addCost(this.#cost, piece.cost)
    if (piece.duplicate) {
      await this.#forget(spilled)
      this.#duplicate = piece.recorded
      return
    }
    this.#last = piece
    await this.#forget(piece.replaced)
  }

  async #forget(keys: string[]): Promise<void> {
    await deleteBlobs(this.#bucket, keys)
  }

  /** Row data: inline when a SQLite row holds it (and `toR2` does not say otherwise), else in R2. */
  async #data(text: string, toR2 = false): Promise<RowData> {
    if (!toR2 && utf8Bytes(text) <= LIMITS.maxInlineRowBytes) return { text }
    const key = blobKey(this.#shareID)
    await this.#bucket.put(key, text, { httpMetadata: { contentType: "application/json" } })
    this.#spilled.push(key)
    // Only the reference travels to the Durable Object.
    return { blob: key, chars: text.length }
  }
}
