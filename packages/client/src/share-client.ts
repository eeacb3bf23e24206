import type { SyncData, SyncResult } from "@cloudsession/protocol"
import { asServerRefusal, NotSharedError } from "./errors.ts"
import type { ShareRow } from "./store/schema.ts"
import type { ShareSummary } from "./store/share-repo.ts"
import type { ShareStore } from "./store/store.ts"
import { coalesce } from "./sync/coalesce.ts"
import {
  type BatchSent,
  type DrainSummary,
  OutboxSender,
  type RpcLink,
  type SenderOptions,
} from "./sync/outbox-sender.ts"
import { type BatchBudget, DEFAULT_BUDGET, packBatches } from "./sync/pack.ts"
import { SyncQueue, type SyncQueueOptions } from "./sync/sync-queue.ts"

export type ShareClientOptions = {
  store: ShareStore
  link: RpcLink & { onReconnect?: (listener: () => void) => () => void }
  /** Origin of the service, recorded with every share this client creates. */
  server: string
  budget?: BatchBudget
  sender?: Omit<SenderOptions, "onBatchSent">
  /** Called for every batch the server acknowledged (the first one of a new share included). */
  onBatchSent?: (event: BatchSent) => void
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
 * through the outbox first, so what the server acknowledged is exactly what left it.
 */
export class ShareClient {
  readonly #store: ShareStore
  readonly #link: ShareClientOptions["link"]
  readonly #server: string
  readonly #budget: BatchBudget
  readonly #sender: OutboxSender
  readonly #onBatchSent: (event: BatchSent) => void
  readonly #stopReplay: () => void

  constructor(options: ShareClientOptions) {
    this.#store = options.store
    this.#link = options.link
    this.#server = options.server
    this.#budget = options.budget ?? DEFAULT_BUDGET
    this.#onBatchSent = options.onBatchSent ?? (() => {})
    this.#sender = new OutboxSender(options.store, options.link, {
      ...options.sender,
      onBatchSent: this.#onBatchSent,
    })
    // After a reconnect, whatever the outbox still holds goes out again, in order.
    this.#stopReplay = options.link.onReconnect?.(() => void this.#sender.drainAll().catch(() => {})) ?? (() => {})
  }

  /**
   * Share a session: create it on the server with its first batch pipelined into the same round trip, record it,
   * then send the rest. Sharing an already shared session syncs the items to the existing share instead.
   */
  async share(sessionID: string, items: SyncData[]): Promise<ShareOutcome> {
    const existing = this.#store.shares.get(sessionID)
    if (existing !== undefined) {
      return { share: summaryOf(existing), created: false, sent: await this.sync(sessionID, items) }
    }
    // Persisted before the share exists: if the process dies before the server answers, nothing is lost.
    this.#store.outbox.enqueue(sessionID, packBatches(coalesce(items), this.#budget))
    const first = this.#store.outbox.next(sessionID)
    const stub = await this.#link.stub()
    // Both calls leave before either answer arrives: the sync names the share through the pending result.
    const created = stub.createShare(sessionID)
    const firstSent =
      first === undefined ? undefined : settle(stub.syncShare(created.id, created.secret, first.payload, first.batchID))
    const info = await settle(created)
    if (!info.ok) throw asServerRefusal(info.error) ?? info.error
    const record = this.#store.shares.save({ sessionID, ...info.value, server: this.#server, source: "rpc" })
    if (first !== undefined && firstSent !== undefined) this.#acknowledgeFirst(sessionID, first, await firstSent)
    return { share: summaryOf(record), created: true, sent: await this.#sender.drain(sessionID) }
  }

  /** A refused first batch stops here; a lost reply is left in the outbox for the drain to resend (same id). */
  #acknowledgeFirst(
    sessionID: string,
    first: { seq: number; batchID: string; itemCount: number; bytes: number },
    result: Settled<SyncResult>,
  ): void {
    if (!result.ok) {
      const refusal = asServerRefusal(result.error)
      if (refusal !== undefined) throw refusal
      return
    }
    this.#store.outbox.acknowledge(first.seq)
    this.#onBatchSent({
      sessionID,
      batchID: first.batchID,
      items: first.itemCount,
      bytes: first.bytes,
      duplicate: result.value.duplicate,
      remaining: this.#store.outbox.count(sessionID),
    })
  }

  /** Queue items for a shared session and send everything pending for it. */
  async sync(sessionID: string, items: SyncData[]): Promise<DrainSummary> {
    if (this.#store.shares.get(sessionID) === undefined) throw new NotSharedError(sessionID)
    this.#store.outbox.enqueue(sessionID, packBatches(coalesce(items), this.#budget))
    return this.#sender.drain(sessionID)
  }

  /** A debounced, coalescing queue for a shared session's live changes; its batches go out through the outbox. */
  queue(sessionID: string, options: Omit<SyncQueueOptions, "onQueued" | "budget"> = {}): SyncQueue {
    return new SyncQueue(this.#store.outbox, sessionID, {
      ...options,
      budget: this.#budget,
      onQueued: (id) => void this.#sender.drain(id).catch((error: unknown) => options.onError?.(error)),
    })
  }

  /** Send whatever any session still has pending (after a crash, for instance). */
  replayOutbox(): Promise<DrainSummary> {
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

  /** Delete the share on the server, then the local record; a share the server no longer knows is still forgotten. */
  async unshare(sessionID: string): Promise<UnshareOutcome> {
    const record = this.#store.shares.get(sessionID)
    if (record === undefined) throw new NotSharedError(sessionID)
    const remote = await this.#deleteRemote(record)
    this.#store.shares.remove(sessionID)
    return { remote }
  }

  async #deleteRemote(record: ShareRow, attempts = 3): Promise<UnshareOutcome["remote"]> {
    const stub = await this.#link.stub()
    const result = await settle(stub.deleteShare(record.id, record.secret))
    if (result.ok) return "deleted"
    const refusal = asServerRefusal(result.error)
    if (refusal?.code === "not_found") return "already-gone"
    if (refusal !== undefined) throw refusal
    if (attempts <= 1) throw result.error
    // Lost reply: deleting again is safe (a second delete answers not_found, which counts as done).
    this.#link.reportFailure(stub, result.error instanceof Error ? result.error.message : String(result.error))
    return this.#deleteRemote(record, attempts - 1)
  }

  close(): void {
    this.#stopReplay()
  }
}
