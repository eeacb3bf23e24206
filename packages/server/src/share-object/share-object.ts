import { DurableObject } from "cloudflare:workers"
import type { Part, SessionIndex, SyncResult } from "@cloudsession/protocol"
import { digestMatchesHex, hexDigestsEqual, sha256Bytes, sha256Hex } from "../crypto/crypto.ts"
import type { Env } from "../env.ts"
import { ListingPublisher } from "../listing/publisher.ts"
import { deleteShareBlobs } from "../storage/blobs.ts"
import { MeteredSql } from "../storage/metered-sql.ts"
import { legacyBlobKey, parseLegacyShare } from "./legacy.ts"
import { errorJson, failure, type Outcome, success } from "./outcome.ts"
import { renderBudget, renderPart } from "./rendered.ts"
import { type PieceInput, type PieceResult, rowsOf } from "./row-writes.ts"
import type { ShareRow, StoredRow } from "./rows.ts"
import {
  type FirstRead,
  indexEntryOf,
  type PagedTable,
  type PageKey,
  type RowsPage,
  ShareStore,
  type SnapshotHead,
} from "./store.ts"
import { VIEWER_IDLE_MS, Viewers } from "./viewers.ts"
import { WindowReader, type WindowRequest, type WindowRows } from "./window.ts"

export type CreateInput = {
  shareID: string
  sessionID: string
  secretHash: string
  now: number
}

/** Placeholder inside a transaction: the real cost is taken once it committed. */
const NO_COST = { rowsRead: 0, rowsWritten: 0, bytesWritten: 0 }

export type AuthInput = { shareID: string; secret: string }

/**
 * One share: its single writer (every sync is a SQLite transaction inside this object, so concurrent syncs
 * serialise instead of overwriting each other), its listing entry (directory and R2), and its viewers' live sockets.
 */
export class ShareObject extends DurableObject<Env> {
  private readonly sql: MeteredSql
  private readonly store: ShareStore
  private readonly viewers: Viewers
  private readonly windows: WindowReader
  private importing: Promise<ShareRow | undefined> | undefined
  private readonly listing: ListingPublisher

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.sql = new MeteredSql(ctx.storage.sql)
    this.store = new ShareStore(ctx.storage, this.sql)
    this.viewers = new Viewers(ctx)
    this.windows = new WindowReader(this.sql)
    this.listing = new ListingPublisher(ctx.storage, env, () => {
      const header = this.store.header()
      return header === undefined ? undefined : indexEntryOf(header)
    })
  }

  /**
   * Create the share, or answer a replay of the create that made it. A create names an existing share only when the
   * client sent a creation key (random ids do not collide): with the same secret and session it is the same request
   * sent again after a lost reply, answered as a duplicate (so the caller does not apply its initial data twice);
   * anything else is a conflict and changes nothing.
   */
  async create(input: CreateInput): Promise<Outcome<SyncResult>> {
    const existing = await this.load(input.shareID)
    if (existing !== undefined) return this.replayedCreate(existing, input)
    const session = { id: input.sessionID, title: "", directory: "", time: { created: input.now, updated: input.now } }
    this.store.migrate()
    const outcome = this.ctx.storage.transactionSync((): Outcome<SyncResult> => {
      // A create with the same key may have landed while this one awaited the legacy check in `load`.
      const raced = this.store.header()
      if (raced !== undefined) return this.replayedCreate(raced, input)
      const header = this.store.insertHeader({
        id: input.shareID,
        sessionID: input.sessionID,
        secretHash: input.secretHash,
        session,
        createdAt: input.now,
        lastUpdated: input.now,
        syncCount: 0,
      })
      return success({
        success: true,
        version: header.version,
        syncCount: header.sync_count,
        applied: 0,
        duplicate: false,
        refused: [],
        cost: NO_COST,
      })
    })
    if (!outcome.ok || outcome.value.duplicate) return outcome
    const result = { ...outcome.value, cost: this.sql.takeCost() }
    await this.listing.publishPromptly()
    return success(result)
  }

  private replayedCreate(header: ShareRow, input: CreateInput): Outcome<SyncResult> {
    const same = header.session_id === input.sessionID && hexDigestsEqual(input.secretHash, header.secret_hash)
    if (!same) return failure("conflict", "share id already in use")
    return success({
      success: true,
      syncCount: header.sync_count,
      applied: 0,
      duplicate: true,
      refused: [],
      version: header.version,
      cost: this.sql.takeCost(),
    })
  }

  /**
   * Apply one piece of a sync (see `SyncApplier`), as one transaction. From the secret check to the last write nothing
   * awaits, so no other request (a delete, a racing sync) can run in between: the piece lands whole on the share whose
   * secret was checked, or not at all. The first piece of a batch whose id was applied before answers as a duplicate.
   */
  async applyPiece(input: PieceInput): Promise<Outcome<PieceResult>> {
    if ((await this.load(input.shareID)) === undefined) return failure("not_found", "share not found")
    const presented = await sha256Bytes(input.secret)
    this.sql.takeCost()
    let firstSync = false
    const outcome = this.ctx.storage.transactionSync((): Outcome<PieceResult> => {
      const header = this.authorized(input.shareID, presented)
      if (!header.ok) return header
      // A sync in which every item was refused changes nothing (no new version for viewers to fetch).
      if (input.first && input.last?.applied === 0 && input.rows.length === 0) {
        const unchanged = { syncCount: header.value.sync_count, version: header.value.version, replaced: [] }
        return success({ ...unchanged, duplicate: false, unchanged: true, cost: NO_COST })
      }
      const seen = input.first && input.batchID !== undefined ? this.store.findBatch(input.batchID) : undefined
      if (seen !== undefined) {
        const piece = { syncCount: seen.syncCount, version: seen.version, replaced: [], cost: NO_COST }
        return success({ ...piece, duplicate: true, recorded: seen })
      }
      firstSync = header.value.sync_count === 0
      const applied = this.store.applyRows(header.value, input.rows, input.now, input.first)
      if (input.last !== undefined && input.batchID !== undefined) {
        this.store.recordBatch(input.batchID, {
          success: true,
          syncCount: applied.syncCount,
          version: applied.version,
          applied: input.last.applied,
          refused: input.last.refused,
          duplicate: false,
          cost: NO_COST,
        })
      }
      return success({ ...applied, duplicate: false, cost: NO_COST })
    })
    if (!outcome.ok) return outcome
    const result = { ...outcome.value, cost: this.sql.takeCost() }
    if (result.duplicate || result.unchanged === true) return success(result)
    // Only the new version: viewers fetch sanitised fragments of what changed, so a big batch is not fanned out raw.
    this.viewers.broadcast({ type: "sync", version: result.version })
    // The first sync brings the title and the counts the listing shows: publish it as promptly as a create.
    await (firstSync ? this.listing.publishPromptly() : this.listing.publishSoon())
    return success(result)
  }

  async remove(input: AuthInput): Promise<Outcome<{ success: true; sessionID: string }>> {
    const header = await this.authorize(input)
    if (!header.ok) return header
    // The legacy blob goes first: were it left, the next access would import the share again.
    await this.env.SESSIONS_STORE.delete(legacyBlobKey(input.shareID))
    await deleteShareBlobs(this.env.SESSIONS_STORE, input.shareID)
    await this.ctx.storage.deleteAll()
    // No tables are recreated: a deleted share's object keeps no storage, like one that never existed.
    this.store.forget()
    this.viewers.closeAll("share deleted")
    await this.listing.unpublish(input.shareID)
    return success({ success: true, sessionID: header.value.session_id })
  }

  /**
   * The share's head (see `ShareStore.head`) with the first page of its messages and of its parts: one call reads
   * a share of ordinary size, or a viewer's delta, whole. Never the secret.
   */
  async readHead(input: {
    shareID: string
    since?: number
    maxBytes: number
    withHtml?: boolean
  }): Promise<Outcome<FirstRead>> {
    const header = await this.load(input.shareID)
    if (header === undefined) return failure("not_found", "share not found")
    const since = input.since ?? -1
    // One read budget for what this read renders that was not rendered when written.
    const budget = input.withHtml === true ? renderBudget("read") : undefined
    return success({
      ...this.store.head(header, since),
      ...(budget === undefined ? {} : { diffHtml: this.store.diffHtml(header, since, budget) }),
      messages: this.store.rowsPage("message", since, [], input.maxBytes),
      parts: this.store.rowsPage("part", since, [], input.maxBytes, budget),
    })
  }

  /**
   * One page of messages or parts: the share is read in pages so no reply nears the Workers RPC size limit. With
   * `withHtml`, a page of parts carries their HTML (see `ShareStore.rowsPage`).
   */
  async readRows(input: {
    shareID: string
    table: PagedTable
    since?: number
    after: PageKey
    maxBytes: number
    withHtml?: boolean
  }): Promise<Outcome<RowsPage>> {
    const header = await this.load(input.shareID)
    if (header === undefined) return failure("not_found", "share not found")
    const budget = input.withHtml === true ? renderBudget("read") : undefined
    return success(this.store.rowsPage(input.table, input.since ?? -1, input.after, input.maxBytes, budget))
  }

  /**
   * What a page shows: the head and a window of whole turns (see WindowReader), with the turn index. With `upTo`,
   * the rows that existed at that version (the head is today's: the session row and diff keep no history).
   */
  async readWindow(
    input: { shareID: string } & WindowRequest,
  ): Promise<Outcome<SnapshotHead & WindowRows & { diffHtml: (string | null)[] }>> {
    const header = await this.load(input.shareID)
    if (header === undefined) return failure("not_found", "share not found")
    // Parts the window shows that no write rendered: rendered now, under one read's budget, and kept.
    const budget = renderBudget("read")
    const rows = this.windows.read(input, (messageID, id, row) =>
      this.store.rendered.latePart(messageID, id, row, budget),
    )
    const diffHtml = this.store.diffHtml(header, -1, budget)
    this.sql.takeCost()
    return success({ ...this.store.head(header), ...rows, diffHtml })
  }

  /** One part with its message, whole: the page a clipped part's "show all" opens. */
  async readPart(input: {
    shareID: string
    partID: string
  }): Promise<Outcome<SnapshotHead & { part: StoredRow; message?: StoredRow }>> {
    const header = await this.load(input.shareID)
    if (header === undefined) return failure("not_found", "share not found")
    const part = this.store.part(input.partID)
    if (part === undefined) return failure("not_found", "part not found")
    return success({ ...this.store.head(header), ...part })
  }

  async metadata(input: { shareID: string }): Promise<Outcome<SessionIndex>> {
    const header = await this.load(input.shareID)
    if (header === undefined) return failure("not_found", "share not found")
    return success(indexEntryOf(header))
  }

  /** Check the secret of a share, for callers (the RPC `openShare`) that hand out a capability bound to it. */
  async verify(input: AuthInput): Promise<Outcome<SessionIndex>> {
    const header = await this.authorize(input)
    if (!header.ok) return header
    return success(indexEntryOf(header.value))
  }

  override async fetch(request: Request): Promise<Response> {
    const shareID = new URL(request.url).searchParams.get("share") ?? ""
    const header = await this.load(shareID)
    if (header === undefined) return errorJson("not_found", "share not found")
    const response = this.viewers.accept(request, header.version)
    if (response.status === 101) await this.sweepLater()
    return response
  }

  /** An alarm no later than one idle period from now, so idle viewer sockets are closed even while nothing happens. */
  private async sweepLater(): Promise<void> {
    const due = Date.now() + VIEWER_IDLE_MS
    const pending = await this.ctx.storage.getAlarm()
    if (pending === null || pending > due) await this.ctx.storage.setAlarm(due)
  }

  override async alarm(): Promise<void> {
    // One alarm serves both the listing (publishing the current state again is harmless) and the viewers' sweep.
    await this.listing.onAlarm()
    if (this.viewers.sweep()) await this.sweepLater()
  }

  override async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.viewers.onMessage(socket, message)
  }

  override async webSocketClose(socket: WebSocket, code: number, reason: string): Promise<void> {
    this.viewers.onClose(socket, code, reason)
  }

  private async authorize(input: AuthInput): Promise<Outcome<ShareRow>> {
    if ((await this.load(input.shareID)) === undefined) return failure("not_found", "share not found")
    return this.authorized(input.shareID, await sha256Bytes(input.secret))
  }

  /** Synchronous secret check against the current header, for use inside a write transaction. */
  private authorized(shareID: string, presented: ArrayBuffer): Outcome<ShareRow> {
    const header = this.store.header()
    if (header === undefined || header.id !== shareID) return failure("not_found", "share not found")
    if (!digestMatchesHex(presented, header.secret_hash)) return failure("forbidden", "invalid secret for this share")
    return success(header)
  }

  /** The share's header, importing a seed-layout blob from R2 the first time an old share is touched. */
  private async load(shareID: string): Promise<ShareRow | undefined> {
    const header = this.store.header()
    if (header !== undefined) return header.id === shareID ? header : undefined
    this.importing ??= this.importLegacy(shareID).finally(() => {
      this.importing = undefined
    })
    return this.importing
  }

  private async importLegacy(shareID: string): Promise<ShareRow | undefined> {
    const object = await this.env.SESSIONS_STORE.get(legacyBlobKey(shareID))
    if (object === null) return undefined
    const legacy = parseLegacyShare(await object.json().catch(() => undefined))
    if (legacy === undefined) {
      console.warn(`share ${shareID}: legacy blob does not parse; not imported`)
      return undefined
    }
    const secretHash = await sha256Hex(legacy.secret)
    // Legacy items were bounded to what a SQLite row holds (see `parseLegacyShare`), so every row is inline.
    // Parts get their HTML now, under one write's budget; diff files are rendered by the store as it writes them.
    const budget = renderBudget("write")
    const render = { part: (part: Part) => renderPart(part, budget), diff: () => undefined }
    const made = await Promise.all(legacy.items.map((item) => rowsOf(item, async (text) => ({ text }), render)))
    const rows = made.flatMap((one) => (typeof one === "string" ? [] : one.writes))
    // Another request may have imported while this one awaited R2.
    const existing = this.store.header()
    if (existing !== undefined) return existing
    this.store.migrate()
    this.ctx.storage.transactionSync(() => {
      const header = this.store.insertHeader({
        id: shareID,
        sessionID: legacy.sessionID,
        secretHash,
        session: { id: legacy.sessionID },
        createdAt: legacy.createdAt,
        lastUpdated: legacy.lastUpdated,
        syncCount: legacy.syncCount,
      })
      this.store.applyRows(header, rows, legacy.lastUpdated, false)
    })
    await this.listing.publishPromptly()
    return this.store.header()
  }
}
