import { type CreateOptions, ExpiresInSchema, type SyncData } from "@cloudsession/protocol"
import { type CreateContext, createShare } from "./create-share.ts"
import { deleteRemote, type RemoteDeletion } from "./delete-share.ts"
import { serverOrigin } from "./server-origin.ts"
import type { PackedBatch } from "./store/outbox-repo.ts"
import type { ShareRow } from "./store/schema.ts"
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
import {
  type BatchBudget,
  DEFAULT_BUDGET,
  ItemSizes,
  type ItemTooLargeError,
  newBatchID,
  packBatches,
  partitionBySize,
} from "./sync/pack.ts"
import { ItemRedactor, type RedactionOptions } from "./sync/redaction.ts"
import { SyncQueue, type SyncQueueOptions } from "./sync/sync-queue.ts"

/** What a `ShareClient` works with: a store from `openStore`, and a link to one server, usually `connect(...)`. */
export type ShareClientOptions = {
  /** The local store: share records (with their secrets), the outbox, pending creation keys. */
  store: ShareStore
  /** The RPC link to the server; with `onReconnect` (an `RpcConnection` has it) the outbox is replayed after each. */
  link: RpcLink & { onReconnect?: (listener: () => void) => () => void }
  /** Origin of the service the link talks to: recorded with every share this client creates, and the only server
   * whose shares it will send secrets for. */
  server: string
  /**
   * Most bytes and items per batch, and the largest item over RPC and over the streamed HTTP sync; default 1 MiB,
   * the server's item limit, 90 % of an RPC message, and the HTTP sync's body limit less its envelope.
   */
  budget?: BatchBudget
  /**
   * Send share secrets over `http://` to a host that is not this machine, as the HTTP sync of an item too big for
   * RPC does. Refused unless set (the same choice as `ConnectOptions.allowCleartext` for the link).
   */
  allowCleartext?: boolean
  /** Attempts per batch and the call timeout of the outbox sender. */
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

/** What `share` did: the share (without its secret), whether it is new, and what was sent. */
export type ShareOutcome = {
  share: ShareSummary
  /** False when the session was already shared: its record was reused and the items synced to it. */
  created: boolean
  sent: DrainSummary
}

/** What `unshare` found on the server; the local record is gone either way. */
export type UnshareOutcome = { remote: RemoteDeletion }

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
  readonly #budget: BatchBudget
  readonly #redactor: ItemRedactor
  readonly #sender: OutboxSender
  readonly #creation: CreateContext
  readonly #stopReplay: () => void
  readonly #queues = new Set<SyncQueue>()

  constructor(options: ShareClientOptions) {
    const server = serverOrigin(options.server)
    if (server === undefined) throw new TypeError(`not a server URL: ${options.server}`)
    this.#store = options.store
    this.#link = options.link
    this.#budget = options.budget ?? DEFAULT_BUDGET
    this.#redactor = new ItemRedactor(options.redaction)
    const onBatchSent = options.onBatchSent ?? (() => {})
    this.#sender = new OutboxSender(options.store, options.link, server, {
      ...options.sender,
      budget: this.#budget,
      allowCleartext: options.allowCleartext === true,
      onBatchSent,
      onBatchRejected: options.onBatchRejected ?? (() => {}),
    })
    this.#creation = { store: options.store, link: options.link, server, sender: this.#sender, onBatchSent }
    // After a reconnect, whatever the outbox still holds for this server goes out again, in order.
    this.#stopReplay = options.link.onReconnect?.(() => void this.#sender.drainAll().catch(() => {})) ?? (() => {})
  }

  /**
   * Share a session: create it on the server with its first batch pipelined into the same round trip, record it,
   * then send the rest. Sharing an already shared session syncs the items to the existing share instead. A create
   * whose reply was lost is retried by sharing the session again: it gets the same share back (`create-share.ts`).
   */
  async share(sessionID: string, items: SyncData[], options: CreateOptions = {}): Promise<ShareOutcome> {
    if (options.expiresIn !== undefined && !ExpiresInSchema.safeParse(options.expiresIn).success) {
      throw new TypeError(`expiresIn must be a duration such as 30m, 12h, 7d or 2w (got ${options.expiresIn})`)
    }
    const existing = this.#store.shares.get(sessionID)
    if (existing !== undefined) {
      this.#sender.recordHere(sessionID)
      return { share: summaryOf(existing), created: false, sent: await this.sync(sessionID, items) }
    }
    const { batches, tooLarge } = this.#pack(sessionID, items)
    const { record, rejectedFirst } = await createShare(this.#creation, sessionID, batches, options)
    const sent = await this.#sender.drain(sessionID)
    return {
      share: summaryOf(record),
      created: true,
      sent: { ...sent, rejected: [...rejectedFirst, ...sent.rejected], tooLarge },
    }
  }

  /**
   * Queue items for a shared session and send everything pending for it. An item too large for any way to the
   * server is left out (listed in `tooLarge`); the others are sent.
   */
  async sync(sessionID: string, items: SyncData[]): Promise<DrainSummary> {
    this.#sender.recordHere(sessionID)
    const { batches, tooLarge } = this.#pack(sessionID, items)
    this.#store.outbox.enqueue(sessionID, batches)
    return { ...(await this.#sender.drain(sessionID)), tooLarge }
  }

  /**
   * Items on their way into the outbox: coalesced, redacted, packed. Nothing reaches the outbox another way. One
   * that could never be sent is set apart rather than holding back the rest.
   */
  #pack(sessionID: string, items: SyncData[]): { batches: PackedBatch[]; tooLarge: ItemTooLargeError[] } {
    const sizes = new ItemSizes()
    const redacted = this.#redactor.apply(sessionID, coalesce(items), sizes)
    const { fitting, tooLarge } = partitionBySize(redacted, this.#budget, sizes)
    return {
      batches: packBatches(fitting, this.#budget, newBatchID, sizes),
      tooLarge: tooLarge.map((each) => each.error),
    }
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
      prepare: (id, pending, sizes) => this.#redactor.apply(id, pending, sizes),
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

  /** The session's share URL, from the local record (no server is asked). */
  url(sessionID: string): string | undefined {
    return this.#store.shares.get(sessionID)?.url
  }

  /** Every share in the local store, of any server, without secrets. */
  list(): ShareSummary[] {
    return this.#store.shares.list()
  }

  /**
   * Delete the share on the server, then the local record; a share the server no longer knows is still forgotten.
   * Only for shares of this client's server: another server's "not found" says nothing about the share.
   */
  async unshare(sessionID: string): Promise<UnshareOutcome> {
    const record = this.#sender.recordHere(sessionID)
    const remote = await deleteRemote(this.#link, record)
    this.#store.shares.remove(sessionID)
    return { remote }
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
