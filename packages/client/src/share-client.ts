import type { ShareInfo, SyncData, SyncResult } from "@cloudsession/protocol"
import {
  asServerRefusal,
  isBatchRefusal,
  isTransient,
  type ServerRefusedError,
  ShareNotRecordedError,
} from "./errors.ts"
import { serverOrigin } from "./server-origin.ts"
import type { OutboxRow, ShareRow } from "./store/schema.ts"
import type { ShareSummary } from "./store/share-repo.ts"
import type { ShareStore } from "./store/store.ts"
import { coalesce } from "./sync/coalesce.ts"
import {
  type BatchRejected,
  type BatchSent,
  type DrainSummary,
  OutboxSender,
  type ReplaySummary,
  type RpcLink,
  type SenderOptions,
} from "./sync/outbox-sender.ts"
import { type BatchBudget, DEFAULT_BUDGET, packBatches } from "./sync/pack.ts"
import { ItemRedactor, type RedactionOptions } from "./sync/redaction.ts"
import { SyncQueue, type SyncQueueOptions } from "./sync/sync-queue.ts"

export type ShareClientOptions = {
  store: ShareStore
  link: RpcLink & { onReconnect?: (listener: () => void) => () => void }
  /** Origin of the service the link talks to: recorded with every share this client creates, and the only server
   * whose shares it will send secrets for. */
  server: string
  budget?: BatchBudget
  sender?: Omit<SenderOptions, "onBatchSent" | "onBatchRejected">
  /** Called for every batch the server acknowledged (the first one of a new share included). */
  onBatchSent?: (event: BatchSent) => void
  /** Called for every batch the server refused for its content; it is dropped from the outbox. */
  onBatchRejected?: (event: BatchRejected) => void
  /**
   * Secret redaction before the outbox (on unless `enabled: false`); `onRedacted` hears the counts per rule.
   * See `@cloudsession/protocol/redaction` for the rules.
   */
  redaction?: RedactionOptions
}

export type ShareOutcome = {
  share: ShareSummary
  /** False when the session was already shared: its record was reused and the items synced to it. */
  created: boolean
  sent: DrainSummary
}

export type UnshareOutcome = { remote: "deleted" | "already-gone" }

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown }

function settle<T>(promise: PromiseLike<T>): Promise<Settled<T>> {
  return Promise.resolve(promise).then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  )
}

function summaryOf(row: ShareRow): ShareSummary {
  const { secret: _secret, ...summary } = row
  return summary
}

/**
 * share-next: shares sessions over RPC and keeps the one local record of each share. Everything sent goes
 * through the outbox first, so what the server acknowledged is exactly what left it. A client only talks about
 * shares recorded for its own server: anything else is refused with `ServerMismatchError` before a secret leaves.
 */
export class ShareClient {
  readonly #store: ShareStore
  readonly #link: ShareClientOptions["link"]
  readonly #server: string
  readonly #budget: BatchBudget
  readonly #redactor: ItemRedactor
  readonly #sender: OutboxSender
  readonly #onBatchSent: (event: BatchSent) => void
  readonly #stopReplay: () => void
  readonly #queues = new Set<SyncQueue>()

  constructor(options: ShareClientOptions) {
    const server = serverOrigin(options.server)
    if (server === undefined) throw new TypeError(`not a server URL: ${options.server}`)
    this.#store = options.store
    this.#link = options.link
    this.#server = server
    this.#budget = options.budget ?? DEFAULT_BUDGET
    this.#redactor = new ItemRedactor(options.redaction)
    this.#onBatchSent = options.onBatchSent ?? (() => {})
    this.#sender = new OutboxSender(options.store, options.link, server, {
      ...options.sender,
      onBatchSent: this.#onBatchSent,
      onBatchRejected: options.onBatchRejected ?? (() => {}),
    })
    // After a reconnect, whatever the outbox still holds for this server goes out again, in order.
    this.#stopReplay = options.link.onReconnect?.(() => void this.#sender.drainAll().catch(() => {})) ?? (() => {})
  }

  /**
   * Share a session: create it on the server with its first batch pipelined into the same round trip, record it,
   * then send the rest. Sharing an already shared session syncs the items to the existing share instead.
   */
  async share(sessionID: string, items: SyncData[]): Promise<ShareOutcome> {
    const existing = this.#store.shares.get(sessionID)
    if (existing !== undefined) {
      this.#sender.recordHere(sessionID)
      return { share: summaryOf(existing), created: false, sent: await this.sync(sessionID, items) }
    }
    // Persisted before the share exists: if the process dies before the server answers, nothing is lost.
    const queued = this.#store.outbox.enqueue(sessionID, this.#pack(sessionID, items))
    const first = this.#store.outbox.next(sessionID)
    // Also persisted first: after a lost reply the next share of the session sends the same key and gets the same
    // share back, rather than a second one while the first stays listed with nobody holding its secret.
    const creationKey = this.#store.creations.keyFor(sessionID, this.#server)
    const stub = await this.#link.stub()
    // Both calls leave before either answer arrives: the sync names the share through the pending result.
    const created = stub.createShare(sessionID, undefined, creationKey)
    const firstSent =
      first === undefined ? undefined : settle(stub.syncShare(created.id, created.secret, first.payload, first.batchID))
    const info = await settle(created)
    if (!info.ok) throw this.#creationFailed(sessionID, queued, info.error)
    const record = await this.#record(sessionID, info.value, queued)
    // Recorded: from here on the share is found by its record, and the key would only make a stale replay possible.
    this.#store.creations.clear(sessionID)
    const rejectedFirst =
      first !== undefined && firstSent !== undefined ? this.#acknowledgeFirst(sessionID, first, await firstSent) : []
    const sent = await this.#sender.drain(sessionID)
    return {
      share: summaryOf(record),
      created: true,
      sent: { ...sent, rejected: [...rejectedFirst, ...sent.rejected] },
    }
  }

  /**
   * The server said no to creating the share: the batches queued for it would otherwise wait for a share that
   * never comes, and a later share of the session would send them. Not after a transient refusal or a lost reply,
   * where the share may yet exist and a retry needs them, and its creation key to get that share back.
   */
  #creationFailed(sessionID: string, queued: OutboxRow[], error: unknown): unknown {
    const refusal = asServerRefusal(error)
    if (refusal === undefined || isTransient(refusal)) return error
    this.#store.outbox.remove(queued.map((row) => row.seq))
    this.#store.creations.clear(sessionID)
    return refusal
  }

  /**
   * Record the new share. If that fails the secret would exist only in memory, leaving a share nobody can update
   * or delete: delete it again (best effort) and drop the batches queued for it. The creation key stays: should the
   * delete not get through either, the next share of the session gets this share back rather than orphaning it.
   */
  async #record(sessionID: string, info: ShareInfo, queued: OutboxRow[]): Promise<ShareRow> {
    try {
      return this.#store.shares.save({ sessionID, ...info, server: this.#server, source: "rpc" })
    } catch (error) {
      const remote = await this.#deleteRemote(info).then(
        () => "deleted" as const,
        () => "left" as const,
      )
      try {
        this.#store.outbox.remove(queued.map((row) => row.seq))
      } catch {
        // The store is failing as a whole; the rows are left for the next share of the session.
      }
      throw new ShareNotRecordedError(sessionID, info.id, remote, error)
    }
  }

  /**
   * The pipelined first batch: acknowledged, or refused for its content (set aside, like the sender does), or
   * refused with the share (thrown). A lost reply or a transient refusal leaves it for the drain to resend.
   */
  #acknowledgeFirst(sessionID: string, first: OutboxRow, result: Settled<SyncResult>): BatchRejected[] {
    if (!result.ok) return this.#firstRefused(sessionID, first, asServerRefusal(result.error))
    this.#store.outbox.acknowledge(first.seq)
    // A session that fits in its first batch has nothing left for the drain, which is what marks the others.
    this.#store.shares.markSynced(sessionID)
    this.#onBatchSent({
      sessionID,
      batchID: first.batchID,
      items: first.itemCount,
      bytes: first.bytes,
      duplicate: result.value.duplicate,
      remaining: this.#store.outbox.count(sessionID),
    })
    return []
  }

  #firstRefused(sessionID: string, first: OutboxRow, refusal: ServerRefusedError | undefined): BatchRejected[] {
    if (refusal === undefined || isTransient(refusal)) return []
    if (isBatchRefusal(refusal)) return [this.#sender.setAside(sessionID, first, refusal)]
    throw refusal
  }

  /** Queue items for a shared session and send everything pending for it. */
  async sync(sessionID: string, items: SyncData[]): Promise<DrainSummary> {
    this.#sender.recordHere(sessionID)
    this.#store.outbox.enqueue(sessionID, this.#pack(sessionID, items))
    return this.#sender.drain(sessionID)
  }

  /** Items on their way into the outbox: coalesced, redacted, packed. Nothing reaches the outbox another way. */
  #pack(sessionID: string, items: SyncData[]) {
    return packBatches(this.#redactor.apply(sessionID, coalesce(items)), this.#budget)
  }

  /**
   * A debounced, coalescing queue for a shared session's live changes; its batches go out through the outbox.
   * `close()` on this client closes it too, flushing what it holds into the outbox.
   */
  queue(
    sessionID: string,
    options: Omit<SyncQueueOptions, "onQueued" | "budget" | "onClose" | "prepare"> = {},
  ): SyncQueue {
    const queue: SyncQueue = new SyncQueue(this.#store.outbox, sessionID, {
      ...options,
      budget: this.#budget,
      prepare: (id, pending) => this.#redactor.apply(id, pending),
      onQueued: (id) => void this.#sender.drain(id).catch((error: unknown) => options.onError?.(error)),
      onClose: () => this.#queues.delete(queue),
    })
    this.#queues.add(queue)
    return queue
  }

  /** Send whatever sessions shared on this client's server still have pending (after a crash, for instance). */
  replayOutbox(): Promise<ReplaySummary> {
    return this.#sender.drainAll()
  }

  /** Wait for the session's outbox to empty. */
  flush(sessionID: string): Promise<DrainSummary> {
    return this.#sender.drain(sessionID)
  }

  url(sessionID: string): string | undefined {
    return this.#store.shares.get(sessionID)?.url
  }

  list(): ShareSummary[] {
    return this.#store.shares.list()
  }

  /**
   * Delete the share on the server, then the local record; a share the server no longer knows is still forgotten.
   * Only for shares of this client's server: another server's "not found" says nothing about the share.
   */
  async unshare(sessionID: string): Promise<UnshareOutcome> {
    const record = this.#sender.recordHere(sessionID)
    const remote = await this.#deleteRemote(record)
    this.#store.shares.remove(sessionID)
    return { remote }
  }

  async #deleteRemote(share: { id: string; secret: string }, attempts = 3): Promise<UnshareOutcome["remote"]> {
    const stub = await this.#link.stub()
    const result = await settle(stub.deleteShare(share.id, share.secret))
    if (result.ok) return "deleted"
    const refusal = asServerRefusal(result.error)
    if (refusal?.code === "not_found") return "already-gone"
    if (refusal !== undefined) throw refusal
    if (attempts <= 1) throw result.error
    // Lost reply: deleting again is safe (a second delete answers not_found, which counts as done).
    this.#link.reportFailure(stub, result.error instanceof Error ? result.error.message : String(result.error))
    return this.#deleteRemote(share, attempts - 1)
  }

  /**
   * Stop: open queues flush what they hold into the outbox (durable; it goes out with the next replay if the
   * connection closes first), and reconnects no longer trigger replays.
   */
  close(): void {
    for (const queue of [...this.#queues]) queue.close()
    this.#stopReplay()
  }
}
