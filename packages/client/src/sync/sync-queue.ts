import type { SyncData } from "@cloudsession/protocol"
import type { OutboxRepo } from "../store/outbox-repo.ts"
import { Coalescer } from "./coalesce.ts"
import { type BatchBudget, DEFAULT_BUDGET, packBatches } from "./pack.ts"

export type SyncQueueOptions = {
  /** How long changes gather before they are packed; the first change of a quiet period starts the clock. */
  debounceMs?: number
  budget?: BatchBudget
  /** Called after a flush put batches into the outbox (typically: drain it). */
  onQueued?: (sessionID: string) => void
  /** A timed flush failed (an item too large for any batch); the item stays out of the outbox. */
  onError?: (error: unknown) => void
}

/**
 * Collects a session's live changes. Repeated updates of one item (a streaming text part) coalesce to the latest
 * version; after a short debounce they are packed into batches under the byte budget and written to the outbox,
 * from where the sender delivers them. The window is measured from the first change, not the last, so a steady
 * stream of updates still flushes every `debounceMs`.
 */
export class SyncQueue {
  readonly #pending = new Coalescer()
  readonly #debounceMs: number
  readonly #budget: BatchBudget
  readonly #onQueued: (sessionID: string) => void
  readonly #onError: (error: unknown) => void
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly outbox: OutboxRepo,
    readonly sessionID: string,
    options: SyncQueueOptions = {},
  ) {
    this.#debounceMs = options.debounceMs ?? 250
    this.#budget = options.budget ?? DEFAULT_BUDGET
    this.#onQueued = options.onQueued ?? (() => {})
    this.#onError = options.onError ?? (() => {})
  }

  push(...items: SyncData[]): void {
    for (const item of items) this.#pending.add(item)
    // A full batch's worth waiting gains nothing from more waiting.
    if (this.#pending.size >= this.#budget.maxItems) {
      this.flush()
      return
    }
    this.#timer ??= setTimeout(() => this.#flushOnTimer(), this.#debounceMs)
  }

  /** Pack what is pending into the outbox now; returns the number of batches queued. */
  flush(): number {
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#pending.size === 0) return 0
    const batches = packBatches(this.#pending.take(), this.#budget)
    this.outbox.enqueue(this.sessionID, batches)
    this.#onQueued(this.sessionID)
    return batches.length
  }

  #flushOnTimer(): void {
    try {
      this.flush()
    } catch (error) {
      this.#onError(error)
    }
  }

  get pendingItems(): number {
    return this.#pending.size
  }
}
