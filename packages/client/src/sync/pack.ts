import { randomUUID } from "node:crypto"
import { LIMITS, type SyncData } from "@cloudsession/protocol"
import { SYNC_ENVELOPE_BYTES } from "../connection/http-sync.ts"
import type { PackedBatch } from "../store/outbox-repo.ts"
import { itemKey } from "./coalesce.ts"

/** The most one batch may hold, and the largest item each way to the server takes. */
export type BatchBudget = {
  /** Encoded JSON bytes of one batch's items. */
  maxBytes: number
  maxItems: number
  /**
   * Largest single item sent over RPC: one bigger than `maxBytes` travels alone in its own batch, as long as it fits
   * one RPC message (the server's `maxBodyBytes`, less room for the envelope). Absent: `maxBytes`.
   */
  maxItemBytes?: number
  /**
   * Largest single item at all: one too big for an RPC message travels alone over the streamed HTTP sync
   * (`connection/http-sync.ts`), whose body may be `maxSyncBodyBytes`, less its envelope. Absent: none goes that way,
   * and an item over the RPC limit is `ItemTooLargeError`.
   */
  maxStreamedItemBytes?: number
}

/**
 * 1 MiB per batch: well under the server's 8 MiB RPC message limit (the envelope and the secret ride along), within
 * the 1 MiB WebSocket message size older Workers runtimes allow, and small enough that a retry after a dropped
 * connection resends little. An item up to 90 % of an RPC message still goes over RPC, alone; a bigger one goes
 * over the streamed HTTP sync, up to its whole body limit.
 */
export const DEFAULT_BUDGET: BatchBudget = {
  maxBytes: Math.min(1024 * 1024, Math.floor(LIMITS.maxBodyBytes * 0.9)),
  maxItems: LIMITS.maxBatchItems,
  maxItemBytes: Math.floor(LIMITS.maxBodyBytes * 0.9),
  maxStreamedItemBytes: LIMITS.maxSyncBodyBytes - SYNC_ENVELOPE_BYTES,
}

/** Encoded bytes (brackets included) of the largest batch that still goes over RPC. */
export const rpcLimit = (budget: BatchBudget): number =>
  Math.max(budget.maxBytes, budget.maxItemBytes ?? budget.maxBytes)

/**
 * A batch of `bytes` (an outbox row's) too big for one RPC message, sent over HTTP instead; `packBatches` gives such
 * a batch one item.
 */
export const travelsOverHttp = (bytes: number, budget: BatchBudget): boolean => bytes > rpcLimit(budget)

/** One item alone is bigger than any way to the server takes: it can never be sent, so say which one. */
export class ItemTooLargeError extends Error {
  constructor(
    readonly key: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`item ${key} is ${bytes} bytes encoded, more than the ${maxBytes} bytes one item may have`)
    this.name = "ItemTooLargeError"
  }
}

export const newBatchID = (): string => `b_${randomUUID()}`

export type Oversized = { item: SyncData; error: ItemTooLargeError }

/** Items this big are alone in their batch (over the default batch budget): their JSON is kept for the outbox. */
const KEEP_JSON_BYTES = 1024 * 1024

/**
 * Each item's encoded size, measured once: the protocol's `encodedSize` (what the server checks), counted off the
 * JSON text rather than by encoding it into a second copy. Partitioning and then packing the same items share one
 * (only for items that cannot change in between: one synchronous step). A big item's JSON, as the array of it alone,
 * is kept, so the outbox stores that text instead of serialising the item once more: for a 60 MiB item each copy
 * is 60 MiB more in the user's process.
 */
export class ItemSizes {
  readonly #sizes = new WeakMap<SyncData, number>()
  readonly #json = new WeakMap<SyncData, string>()

  size(item: SyncData): number {
    const known = this.#sizes.get(item)
    if (known !== undefined) return known
    const json = JSON.stringify([item])
    // Less the array's brackets: the size of the item alone.
    const size = Buffer.byteLength(json, "utf8") - 2
    this.#sizes.set(item, size)
    if (size >= KEEP_JSON_BYTES) this.#json.set(item, json)
    return size
  }

  /**
   * What `size` would measure, from JSON already made (the windowed redaction's output): `aloneJson` must be
   * `JSON.stringify([item])`.
   */
  remember(item: SyncData, aloneJson: string): void {
    const size = Buffer.byteLength(aloneJson, "utf8") - 2
    this.#sizes.set(item, size)
    if (size >= KEEP_JSON_BYTES) this.#json.set(item, aloneJson)
  }

  /** `JSON.stringify([item])`, if `size` kept it. */
  aloneJson(item: SyncData): string | undefined {
    return this.#json.get(item)
  }
}

/** An item alone over the byte budget can never travel; the others must not wait for it. */
function oversized(item: SyncData, size: number, budget: BatchBudget): ItemTooLargeError | undefined {
  const limit = Math.max(rpcLimit(budget), budget.maxStreamedItemBytes ?? 0)
  return size + 2 > limit ? new ItemTooLargeError(itemKey(item), size, limit) : undefined
}

/** Split items into those that fit a batch and those that never will. */
export function partitionBySize(
  items: SyncData[],
  budget: BatchBudget = DEFAULT_BUDGET,
  sizes: ItemSizes = new ItemSizes(),
): { fitting: SyncData[]; tooLarge: Oversized[] } {
  const fitting: SyncData[] = []
  const tooLarge: Oversized[] = []
  for (const item of items) {
    const error = oversized(item, sizes.size(item), budget)
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
  sizes: ItemSizes = new ItemSizes(),
): PackedBatch[] {
  const batches: PackedBatch[] = []
  let current: PackedBatch = { batchID: makeID(), items: [], bytes: 2 }
  for (const item of items) {
    const size = sizes.size(item)
    const tooLarge = oversized(item, size, budget)
    if (tooLarge !== undefined) throw tooLarge
    const separator = current.items.length > 0 ? 1 : 0
    // An item over the batch budget (but within the item limit) fills a batch of its own; over the RPC limit, that
    // batch goes over HTTP (`travelsOverHttp`).
    const fits = current.items.length < budget.maxItems && current.bytes + separator + size <= budget.maxBytes
    if (!fits && current.items.length > 0) {
      batches.push(withJson(current, sizes))
      current = { batchID: makeID(), items: [], bytes: 2 }
    }
    current.bytes += (current.items.length > 0 ? 1 : 0) + size
    current.items.push(item)
  }
  if (current.items.length > 0) batches.push(withJson(current, sizes))
  return batches
}

/** A batch of one big item carries that item's JSON array, ready to store. */
function withJson(batch: PackedBatch, sizes: ItemSizes): PackedBatch {
  const [only] = batch.items
  const json = batch.items.length === 1 && only !== undefined ? sizes.aloneJson(only) : undefined
  return json === undefined ? batch : { ...batch, json }
}
