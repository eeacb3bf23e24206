import type { Model, SyncData } from "@cloudsession/protocol"

/**
 * The identity of what an item changes. Two items with the same key describe the same thing, so only the later
 * one needs to travel. `session_diff` is the whole current diff and replaces the stored set, hence one key.
 */
export function itemKey(item: SyncData): string {
  if (item.type === "session") return "session"
  if (item.type === "session_diff") return "session_diff"
  if (item.type === "model") return "model"
  return `${item.type}:${item.data.id}`
}

function mergeModels(earlier: Model[], later: Model[]): Model[] {
  const byId = new Map(earlier.map((model) => [model.id, model]))
  for (const model of later) byId.set(model.id, model)
  return [...byId.values()]
}

/** Keeps the latest version of every item; the first time an item was seen fixes its place in the order. */
export class Coalescer {
  readonly #items = new Map<string, SyncData>()

  add(item: SyncData): void {
    const key = itemKey(item)
    const earlier = this.#items.get(key)
    // Model items are lists; a later list updates models by id rather than dropping ones it does not mention.
    if (item.type === "model" && earlier?.type === "model") {
      this.#items.set(key, { type: "model", data: mergeModels(earlier.data, item.data) })
      return
    }
    this.#items.set(key, item)
  }

  get size(): number {
    return this.#items.size
  }

  /** Everything buffered, in order; the buffer keeps it until `settle` says it is safely elsewhere. */
  items(): SyncData[] {
    return [...this.#items.values()]
  }

  /**
   * Forget items taken by `items()` that are now stored elsewhere. An item updated since then is a newer version
   * that still has to travel, so it stays.
   */
  settle(taken: Iterable<SyncData>): void {
    for (const item of taken) {
      const key = itemKey(item)
      if (this.#items.get(key) === item) this.#items.delete(key)
    }
  }

  /** Everything buffered, in order, leaving the buffer empty. */
  take(): SyncData[] {
    const items = [...this.#items.values()]
    this.#items.clear()
    return items
  }
}

export function coalesce(items: Iterable<SyncData>): SyncData[] {
  const coalescer = new Coalescer()
  for (const item of items) coalescer.add(item)
  return coalescer.take()
}
