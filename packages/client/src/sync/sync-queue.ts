import type { SyncData } from "@cloudsession/protocol"
import type { OutboxRepo } from "../store/outbox-repo.ts"
import { Coalescer } from "./coalesce.ts"
import { type BatchBudget, DEFAULT_BUDGET, ItemSizes, newBatchID, packBatches, partitionBySize } from "./pack.ts"

/** Where a queue puts its batches: the outbox (only its atomic enqueue is needed). */
export type QueueOutbox = Pick<OutboxRepo, "enqueue">

/** How a `SyncQueue` gathers changes; `ShareClient.queue` sets `budget`, `prepare`, `onQueued` and `onClose` itself. */
export type SyncQueueOptions = {
  /** How long changes gather before they are packed; the first change of a quiet period starts the clock. */
  debounceMs?: number
  budget?: BatchBudget
  /** Called after a flush put batches into the outbox (typically: drain it). */
  onQueued?: (sessionID: string) => void
  /**
   * A problem the caller did not ask to see thrown: an item too large for any batch (dropped; the others are
   * queued), or a timed or `push`-triggered flush the outbox refused (the items stay buffered for the next flush).
   */
  onError?: (error: unknown) => void
  /** Called once, when the queue is closed. */
  onClose?: () => void
  /**
   * Applied to what is pending right before it is packed (the client's redaction); must keep the items' order and
   * number. Runs on the coalesced latest versions only, so a streaming part is scanned once per flush. `sizes` is
   * the packing's, for JSON the step already made.
   */
  prepare?: (sessionID: string, items: SyncData[], sizes: ItemSizes) => SyncData[]
}

/**
 * Collects a session's live changes. Repeated updates of one item (a streaming text part) coalesce to the latest
 * version; after a short debounce they are packed into batches under the byte budget and written to the outbox,
 * from where the sender delivers them. The window is measured from the first change, not the last, so a steady
 * stream of updates still flushes every `debounceMs`. Items leave the buffer only once the outbox holds them.
 */
export class SyncQueue {
  readonly #pending = new Coalescer()
  readonly #debounceMs: number
  readonly #budget: BatchBudget
  readonly #onQueued: (sessionID: string) => void
  readonly #onError: (error: unknown) => void
  readonly #onClose: () => void
  readonly #prepare: (sessionID: string, items: SyncData[], sizes: ItemSizes) => SyncData[]
  #timer: ReturnType<typeof setTimeout> | undefined
  #closed = false

  constructor(
    private readonly outbox: QueueOutbox,
    readonly sessionID: string,
    options: SyncQueueOptions = {},
  ) {
    this.#debounceMs = options.debounceMs ?? 250
    this.#budget = options.budget ?? DEFAULT_BUDGET
    this.#onQueued = options.onQueued ?? (() => {})
    this.#onError = options.onError ?? (() => {})
    this.#onClose = options.onClose ?? (() => {})
    this.#prepare = options.prepare ?? ((_sessionID, items) => items)
  }

  push(...items: SyncData[]): void {
    if (this.#closed) throw new Error(`the sync queue of ${this.sessionID} is closed`)
    for (const item of items) this.#pending.add(item)
    // A full batch's worth waiting gains nothing from more waiting.
    if (this.#pending.size >= this.#budget.maxItems) {
      this.#flushReporting()
      return
    }
    this.#timer ??= setTimeout(() => this.#flushReporting(), this.#debounceMs)
  }

  /**
   * Pack what is pending into the outbox now; returns the number of batches queued. Throws if the outbox refuses
   * the write (the items stay buffered). An item too large for any batch is dropped and reported through `onError`.
   */
  flush(): number {
    this.#cancelTimer()
    const taken = this.#pending.items()
    // Prepared, partitioned and packed in this one synchronous step: each item is serialised once to be measured.
    const sizes = new ItemSizes()
    const prepared = this.#prepare(this.sessionID, taken, sizes)
    // The buffer knows the items it handed out, not their prepared copies.
    const originals = new Map(prepared.map((item, index) => [item, taken[index] ?? item]))
    const original = (item: SyncData) => originals.get(item) ?? item
    const { fitting, tooLarge } = partitionBySize(prepared, this.#budget, sizes)
    // Nothing could ever send these; dropping them now keeps them from holding back the rest forever.
    this.#pending.settle(tooLarge.map((rejected) => original(rejected.item)))
    try {
      return this.#write(fitting, original, sizes)
    } finally {
      for (const rejected of tooLarge) this.#onError(rejected.error)
    }
  }

  /** Flush what is pending and stop: later pushes throw, and no timer is left behind. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#flushReporting()
    this.#cancelTimer()
    this.#onClose()
  }

  get pendingItems(): number {
    return this.#pending.size
  }

  get closed(): boolean {
    return this.#closed
  }

  #write(items: SyncData[], original: (item: SyncData) => SyncData, sizes: ItemSizes): number {
    if (items.length === 0) return 0
    const batches = packBatches(items, this.#budget, newBatchID, sizes)
    this.outbox.enqueue(this.sessionID, batches)
    this.#pending.settle(items.map(original))
    this.#onQueued(this.sessionID)
    return batches.length
  }

  #flushReporting(): void {
    try {
      this.flush()
    } catch (error) {
      this.#onError(error)
    }
  }

  #cancelTimer(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
