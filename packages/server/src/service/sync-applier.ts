import {
  LIMITS,
  type RefusedItem,
  ShareError,
  type SyncCost,
  type SyncData,
  SyncDataSchema,
  type SyncResult,
} from "@cloudsession/protocol"
import { redactItems } from "@cloudsession/protocol/redaction"
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
import { blobKey, deleteBlobs } from "../storage/blobs.ts"

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

  /** One item as sent (`bytes`: its JSON's UTF-8 size): refused, or queued for the next piece. */
  async add(index: number, value: unknown, bytes: number): Promise<void> {
    if (this.#duplicate !== undefined) return
    const type = typeOf(value)
    if (bytes > LIMITS.maxItemBytes) {
      return this.refuse(index, type, "payload_too_large", `${bytes} bytes; one item is at most ${LIMITS.maxItemBytes}`)
    }
    const parsed = SyncDataSchema.safeParse(value)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const where = issue === undefined || issue.path.length === 0 ? "item" : issue.path.join(".")
      return this.refuse(index, type, "bad_request", `invalid ${where}: ${issue?.message ?? "malformed"}`)
    }
    // Stored as sent (the schema's output would reorder keys): the parsed copy only vouches for it.
    const item = value as SyncData
    const owner = sessionOf(parsed.data)
    if (owner !== undefined && owner !== this.#sessionID) {
      return this.refuse(
        index,
        type,
        "bad_request",
        `belongs to session ${owner}, not to this share's ${this.#sessionID}`,
      )
    }
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

  /** A valid item turned into rows for the next piece, or refused (a row it cannot be stored as). */
  async #place(entry: Held): Promise<void> {
    if (this.#duplicate !== undefined) return
    const rows = await rowsOf(entry.item, (text) => this.#data(text), this.#render)
    if (typeof rows === "string") return this.refuse(entry.index, entry.type, "payload_too_large", rows)
    this.#rows.push(...rows.writes)
    this.#pieceBytes += rows.bytes
    this.#applied += 1
    if (this.#pieceBytes >= PIECE_BYTES || this.#rows.length >= PIECE_ROWS) await this.#send(undefined)
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

  /** Row data: inline when a SQLite row holds it, else in R2 under the share's prefix. */
  async #data(text: string): Promise<RowData> {
    if (utf8Bytes(text) <= LIMITS.maxInlineRowBytes) return { text }
    const key = blobKey(this.#shareID)
    await this.#bucket.put(key, text, { httpMetadata: { contentType: "application/json" } })
    this.#spilled.push(key)
    // Only the reference travels to the Durable Object.
    return { blob: key, chars: text.length }
  }
}
