import { randomUUID } from "node:crypto"
import { encodedSize, LIMITS, type SyncData } from "@cloudsession/protocol"
import type { PackedBatch } from "../store/outbox-repo.ts"
import { itemKey } from "./coalesce.ts"

/** The most one batch may hold. */
export type BatchBudget = {
  /** Encoded JSON bytes of one batch's items. */
  maxBytes: number
  maxItems: number
  /**
   * Largest single item: one bigger than `maxBytes` travels alone in its own batch, as long as it fits one RPC
   * message (the server's `maxBodyBytes`, less room for the envelope). Absent: `maxBytes`.
   */
  maxItemBytes?: number
}

/**
 * 1 MiB per batch: well under the server's 4 MiB body limit (the RPC envelope and the secret ride along), within
 * the 1 MiB WebSocket message size older Workers runtimes allow, and small enough that a retry after a dropped
 * connection resends little.
 */
export const DEFAULT_BUDGET: BatchBudget = {
  maxBytes: Math.min(1024 * 1024, Math.floor(LIMITS.maxBodyBytes * 0.9)),
  maxItems: LIMITS.maxBatchItems,
  maxItemBytes: Math.floor(LIMITS.maxBodyBytes * 0.9),
}

/** One item alone is bigger than a batch may be: it can never be sent, so say which one. */
export class ItemTooLargeError extends Error {
  constructor(
    readonly key: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`item ${key} is ${bytes} bytes encoded, more than the ${maxBytes}-byte batch budget`)
    this.name = "ItemTooLargeError"
  }
}

export const newBatchID = (): string => `b_${randomUUID()}`

export type Oversized = { item: SyncData; error: ItemTooLargeError }

/** An item alone over the byte budget can never travel; the others must not wait for it. */
function oversized(item: SyncData, budget: BatchBudget): ItemTooLargeError | undefined {
  const size = encodedSize(item)
  const limit = Math.max(budget.maxBytes, budget.maxItemBytes ?? budget.maxBytes)
  return size + 2 > limit ? new ItemTooLargeError(itemKey(item), size, limit) : undefined
}

/** Split items into those that fit a batch and those that never will. */
export function partitionBySize(
  items: SyncData[],
  budget: BatchBudget = DEFAULT_BUDGET,
): { fitting: SyncData[]; tooLarge: Oversized[] } {
  const fitting: SyncData[] = []
  const tooLarge: Oversized[] = []
  for (const item of items) {
    const error = oversized(item, budget)
    if (error === undefined) fitting.push(item)
    else tooLarge.push({ item, error })
  }
  return { fitting, tooLarge }
}

/** Fill batches in order, each under both budgets (a JSON array costs 2 bytes plus a comma between items). */
export function packBatches(
  items: SyncData[],
  budget: BatchBudget = DEFAULT_BUDGET,
  makeID = newBatchID,
): PackedBatch[] {
  const batches: PackedBatch[] = []
  let current: PackedBatch = { batchID: makeID(), items: [], bytes: 2 }
  for (const item of items) {
    const tooLarge = oversized(item, budget)
    if (tooLarge !== undefined) throw tooLarge
    const size = encodedSize(item)
    const separator = current.items.length > 0 ? 1 : 0
    // An item over the batch budget (but within the item limit) fills a batch of its own.
    const fits = current.items.length < budget.maxItems && current.bytes + separator + size <= budget.maxBytes
    if (!fits && current.items.length > 0) {
      batches.push(current)
      current = { batchID: makeID(), items: [], bytes: 2 }
    }
    current.bytes += (current.items.length > 0 ? 1 : 0) + size
    current.items.push(item)
  }
  if (current.items.length > 0) batches.push(current)
  return batches
}
