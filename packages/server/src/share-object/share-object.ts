import { DurableObject } from "cloudflare:workers"
import type { Part, SessionIndex, SyncResult } from "@cloudsession/protocol"
import { digestMatchesHex, hexDigestsEqual, sha256Bytes, sha256Hex } from "../crypto/crypto.ts"
import type { Env } from "../env.ts"
import { ListingPublisher } from "../listing/publisher.ts"
import { takeAnonymous } from "../quota/anonymous.ts"
import { deleteShareBlobs } from "../storage/blobs.ts"
import { MeteredSql } from "../storage/metered-sql.ts"
import { type FramedPage, framedPage, type RowFraming } from "./framed-rows.ts"
import { legacyBlobKey, parseLegacyShare } from "./legacy.ts"
import { errorJson, failure, type Outcome, refusedFor, success } from "./outcome.ts"
import { renderBudget, renderPart } from "./rendered.ts"
import { type PieceInput, type PieceResult, rowsOf, type ShareQuota, type SyncThrottle } from "./row-writes.ts"
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
import { type TranscriptCursor, type TranscriptPage, TranscriptPages } from "./transcript-pages.ts"
import { VIEWER_IDLE_MS, Viewers } from "./viewers.ts"
import { WindowReader, type WindowRequest, type WindowRows } from "./window.ts"

export type CreateInput = {
  shareID: string
  sessionID: string
  secretHash: string
  now: number
  /** When the share deletes itself (ms); absent: never. */
  expiresAt?: number
  /** Created without a token: the anonymous quotas apply to it for the rest of its life. */
  anonymous?: boolean
}

/** Why a share went, kept in its tombstone and said in its 410. */
export type DeletionReason = "deleted" | "deleted by the server's owner" | "expired"

/** Placeholder inside a transaction: the real cost is taken once it committed. */
const NO_COST = { rowsRead: 0, rowsWritten: 0, bytesWritten: 0 }

export type AuthInput = { shareID: string; secret: string }

/** Thrown inside a write transaction to roll it back: the piece would take an anonymous share over its quota. */
class OverQuota extends Error {}

type Size = { storedBytes: number; itemCount: number }

/**
 * Refuse a piece that takes the share past its quota. One that does not make it bigger passes even over it (a quota
 * lowered since, rows counted late), so the share can always be updated in place or shrunk.
 */
function quotaCheck(quota: ShareQuota | undefined, before: Size, after: Size): void {
  if (quota === undefined) return
  if (after.storedBytes > quota.maxBytes && after.storedBytes > before.storedBytes) {
    throw new OverQuota(`a share created without a token holds at most ${quota.maxBytes} bytes`)
  }
  if (after.itemCount > quota.maxItems && after.itemCount > before.itemCount) {
    throw new OverQuota(`a share created without a token holds at most ${quota.maxItems} items`)
  }
}

function sizeOf(header: ShareRow): Size {
  const itemCount = header.message_count + header.part_count + header.diff_count + header.model_count
  return { storedBytes: header.stored_bytes, itemCount }
}

/** A transaction that may be rolled back by `OverQuota`: its outcome, or the 413 the quota gives. */
function withinQuota<T>(run: () => Outcome<T>): Outcome<T> {
  try {
    return run()
  } catch (error) {
    if (error instanceof OverQuota) return failure("payload_too_large", error.message)
    throw error
  }
}

/**
 * One share: its single writer (every sync is a SQLite transaction inside this object, so concurrent syncs
 * serialise instead of overwriting each other), its listing entry (directory and R2), and its viewers' live sockets.
 */
export class ShareObject extends DurableObject<Env> {
  private readonly sql: MeteredSql
  private readonly store: ShareStore
  private readonly viewers: Viewers
  private readonly windows: WindowReader
  private readonly transcript: TranscriptPages
  private importing: Promise<ShareRow | undefined> | undefined
  private readonly listing: ListingPublisher

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.sql = new MeteredSql(ctx.storage.sql)
    this.store = new ShareStore(ctx.storage, this.sql)
    this.viewers = new Viewers(ctx)
    this.windows = new WindowReader(this.sql)
    this.transcript = new TranscriptPages(this.sql, env.SESSIONS_STORE)
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
    const gone = this.goneOutcome<SyncResult>()
    if (gone !== undefined) return gone
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
        expiresAt: input.expiresAt,
        anonymous: input.anonymous,
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
    await this.armExpiry()
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
    const loaded = await this.load(input.shareID)
    if (loaded === undefined) return this.missing()
    const quota = loaded.anonymous === 1 ? input.quota : undefined
    const presented = await sha256Bytes(input.secret)
    this.sql.takeCost()
    let firstSync = false
    const outcome = withinQuota(() =>
      this.ctx.storage.transactionSync((): Outcome<PieceResult> => {
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
        quotaCheck(quota, sizeOf(header.value), applied)
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
        const { version, syncCount, replaced } = applied
        return success({ version, syncCount, replaced, duplicate: false, cost: NO_COST })
      }),
    )
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
    await this.destroy(input.shareID, "deleted")
    return success({ success: true, sessionID: header.value.session_id })
  }

  /** The server's owner deletes a share; no secret needed (the owner's token was checked in front). */
  async ownerRemove(input: { shareID: string }): Promise<Outcome<{ success: true; sessionID: string }>> {
    const header = await this.load(input.shareID)
    if (header === undefined) return this.missing()
    await this.destroy(input.shareID, "deleted by the server's owner")
    return success({ success: true, sessionID: header.session_id })
  }

  /**
   * The server's owner replaces a share's secret (one the store lost, or one that leaked). The holder of the old
   * one is told, on its next sync or delete, that the owner rotated it.
   */
  async rotateSecret(input: { shareID: string; secretHash: string }): Promise<Outcome<SessionIndex>> {
    const header = await this.load(input.shareID)
    if (header === undefined) return this.missing()
    this.store.rotateSecret(input.secretHash)
    this.sql.takeCost()
    return this.entryNow()
  }

  /** The server's owner sets (a time in ms) or clears (null) the moment the share deletes itself. */
  async setExpiry(input: { shareID: string; expiresAt: number | null }): Promise<Outcome<SessionIndex>> {
    const header = await this.load(input.shareID)
    if (header === undefined) return this.missing()
    this.store.setExpiry(input.expiresAt)
    this.sql.takeCost()
    await this.armExpiry()
    await this.listing.publishPromptly()
    return this.entryNow()
  }

  /** The server's owner puts the share on the public listing, or takes it off. */
  async setListed(input: { shareID: string; listed: boolean }): Promise<Outcome<SessionIndex>> {
    const header = await this.load(input.shareID)
    if (header === undefined) return this.missing()
    this.store.setListed(input.listed)
    this.sql.takeCost()
    await this.listing.publishPromptly()
    return this.entryNow()
  }

  private entryNow(): Outcome<SessionIndex> {
    const header = this.store.header()
    return header === undefined ? this.missing() : success(indexEntryOf(header))
  }

  /**
   * A create whose initial data failed (see `ShareService.create`): the share goes as if it had never been made, with
   * no tombstone, so the same create (same key) may be sent again.
   */
  async discard(input: AuthInput): Promise<Outcome<{ success: true }>> {
    const header = await this.authorize(input)
    if (!header.ok) return header
    await this.wipe(input.shareID)
    return success({ success: true })
  }

  /**
   * Delete everything the share stored (rows, its R2 objects, its listing entries) and keep only a tombstone, so
   * every route answers 410 Gone from now on; its viewers' sockets are closed. The tables go and the tombstone comes
   * with nothing awaited in between that would let another request in (storage calls hold the object's input gate):
   * a sync racing the delete lands before it, and is wiped, or is answered 410, never 404.
   */
  private async destroy(shareID: string, reason: DeletionReason): Promise<void> {
    await this.ctx.storage.deleteAll()
    this.store.forget()
    this.store.bury(Date.now(), reason)
    this.viewers.closeAll("share deleted")
    await this.removeElsewhere(shareID)
  }

  /** The share goes without a tombstone, as if it had never been made (see `discard`). */
  private async wipe(shareID: string): Promise<void> {
    await this.ctx.storage.deleteAll()
    this.store.forget()
    await this.removeElsewhere(shareID)
  }

  /**
   * What the share has outside its object: the seed-era blob (a tombstone keeps `load` from importing it again
   * meanwhile), its rows' R2 objects (a sync's piece refused from now on deletes those it had just put there), and
   * its listing entries.
   */
  private async removeElsewhere(shareID: string): Promise<void> {
    await this.env.SESSIONS_STORE.delete(legacyBlobKey(shareID))
    await deleteShareBlobs(this.env.SESSIONS_STORE, shareID)
    await this.listing.unpublish(shareID)
  }

  /** 410 for a share that was here and went, 404 for one that never was. */
  private missing<T>(): Outcome<T> {
    return this.goneOutcome<T>() ?? failure("not_found", "share not found")
  }

  private goneOutcome<T>(): Outcome<T> | undefined {
    const tombstone = this.store.tombstone()
    if (tombstone === undefined) return undefined
    const when = new Date(tombstone.deletedAt).toISOString()
    return failure("gone", `this share was ${tombstone.reason} (${when}); it is not coming back`)
  }

  /** The alarm covers the expiry too: set it for the deadline unless an earlier wake-up is already due. */
  private async armExpiry(): Promise<void> {
    const expiresAt = this.store.header()?.expires_at ?? null
    if (expiresAt === null) return
    const current = await this.ctx.storage.getAlarm()
    if (current === null || current > expiresAt) await this.ctx.storage.setAlarm(expiresAt)
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
    if (header === undefined) return this.missing()
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
    if (header === undefined) return this.missing()
    const budget = input.withHtml === true ? renderBudget("read") : undefined
    return success(this.store.rowsPage(input.table, input.since ?? -1, input.after, input.maxBytes, budget))
  }

  /** One page of messages or parts for a streamed answer, framed and encoded (see `FramedPage`). */
  async readFramedRows(input: {
    shareID: string
    table: PagedTable
    since?: number
    after: PageKey
    maxBytes: number
    framing: RowFraming
  }): Promise<Outcome<FramedPage>> {
    const header = await this.load(input.shareID)
    if (header === undefined) return this.missing()
    const page = this.store.rowsPage(input.table, input.since ?? -1, input.after, input.maxBytes)
    return success(framedPage(page, input.framing))
  }

  /** A page of the share's Markdown transcript from `cursor` on (see `TranscriptPages`). */
  async readTranscript(input: { shareID: string; cursor: TranscriptCursor }): Promise<Outcome<TranscriptPage>> {
    const header = await this.load(input.shareID)
    if (header === undefined) return this.missing()
    return success(await this.transcript.page(input.shareID, input.cursor))
  }

  /**
   * What a page shows: the head and a window of whole turns (see WindowReader), with the turn index. With `upTo`,
   * the rows that existed at that version (the head is today's: the session row and diff keep no history).
   */
  async readWindow(
    input: { shareID: string } & WindowRequest,
  ): Promise<Outcome<SnapshotHead & WindowRows & { diffHtml: (string | null)[] }>> {
    const header = await this.load(input.shareID)
    if (header === undefined) return this.missing()
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
    if (header === undefined) return this.missing()
    const part = this.store.part(input.partID)
    if (part === undefined) return failure("not_found", "part not found")
    return success({ ...this.store.head(header), ...part })
  }

  async metadata(input: { shareID: string }): Promise<Outcome<SessionIndex>> {
    const header = await this.load(input.shareID)
    if (header === undefined) return this.missing()
    return success(indexEntryOf(header))
  }

  /**
   * Check the secret of a share, for callers (the RPC `openShare`, a sync before its first piece) that act on it with
   * the secret. With `throttle` (a sync from anyone but a token holder), a share created without a token also takes
   * one sync from the anonymous rate: past it, a 429 and nothing is applied.
   */
  async verify(input: AuthInput & { throttle?: SyncThrottle }): Promise<Outcome<SessionIndex>> {
    const header = await this.authorize(input)
    if (!header.ok) return header
    if (input.throttle !== undefined && header.value.anonymous === 1) {
      const { client, perClient, global } = input.throttle
      const decision = await takeAnonymous(this.env, "sync", client, { perClient, global })
      if (!decision.ok) {
        return refusedFor("syncs of shares created without a token are coming too fast", decision.retryAfterSeconds)
      }
    }
    return success(indexEntryOf(header.value))
  }

  override async fetch(request: Request): Promise<Response> {
    const shareID = new URL(request.url).searchParams.get("share") ?? ""
    const header = await this.load(shareID)
    if (header === undefined) {
      const refused = this.missing<never>()
      return refused.ok ? errorJson("not_found", "share not found") : errorJson(refused.code, refused.message)
    }
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

  /**
   * One alarm serves three purposes: the listing write after a burst of syncs, the idle viewers' sweep, and the
   * share's expiry. At or past the deadline the share is deleted with everything it stored; otherwise the listing is
   * written, idle sockets are closed, and the alarm is set again for the earliest deadline left.
   */
  override async alarm(): Promise<void> {
    const header = this.store.header()
    if (header?.expires_at !== null && header?.expires_at !== undefined && header.expires_at <= Date.now()) {
      await this.destroy(header.id, "expired")
      return
    }
    // Publishing the current state again is harmless; the expiry is armed last (each keeps the earliest deadline).
    await this.listing.onAlarm()
    if (this.viewers.sweep()) await this.sweepLater()
    await this.armExpiry()
  }

  override async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.viewers.onMessage(socket, message)
  }

  override async webSocketClose(socket: WebSocket, code: number, reason: string): Promise<void> {
    this.viewers.onClose(socket, code, reason)
  }

  private async authorize(input: AuthInput): Promise<Outcome<ShareRow>> {
    if ((await this.load(input.shareID)) === undefined) return this.missing()
    return this.authorized(input.shareID, await sha256Bytes(input.secret))
  }

  /** Synchronous secret check against the current header, for use inside a write transaction. */
  private authorized(shareID: string, presented: ArrayBuffer): Outcome<ShareRow> {
    const header = this.store.header()
    if (header === undefined || header.id !== shareID) return this.missing()
    if (digestMatchesHex(presented, header.secret_hash)) return success(header)
    if (header.previous_secret_hash !== null && digestMatchesHex(presented, header.previous_secret_hash)) {
      return failure(
        "forbidden",
        "the server's owner replaced this share's secret: the one this client holds no longer works (ask the owner for the new one, or share the session again)",
      )
    }
    return failure("forbidden", "invalid secret for this share")
  }

  /** The share's header, importing a seed-layout blob from R2 the first time an old share is touched. */
  private async load(shareID: string): Promise<ShareRow | undefined> {
    const header = this.store.header()
    if (header !== undefined) return header.id === shareID ? header : undefined
    // A deleted share is never imported again, even while its seed-era blob is still being deleted.
    if (this.store.tombstone() !== undefined) return undefined
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
