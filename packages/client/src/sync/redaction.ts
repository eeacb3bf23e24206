import type { SyncData } from "@cloudsession/protocol"
import { type RedactionCounts, redactItems } from "@cloudsession/protocol/redaction"

/** Secrets replaced in one session's items on their way into the outbox: counts per rule, never the values. */
export type RedactionEvent = { sessionID: string; counts: RedactionCounts; total: number }

/** Whether items are redacted before the outbox (`ShareClientOptions.redaction`), and who hears about it. */
export type RedactionOptions = {
  /** False sends items exactly as given (the opt-out); default true. */
  enabled?: boolean
  /** Called whenever items about to enter the outbox had secrets replaced. */
  onRedacted?: (event: RedactionEvent) => void
}

/**
 * The one step every item passes before the outbox: secrets found by the protocol's rules become
 * `[redacted:<rule>]`, so what is stored locally for sending, and then the server, never holds them.
 */
export class ItemRedactor {
  readonly #enabled: boolean
  readonly #onRedacted: (event: RedactionEvent) => void

  constructor(options: RedactionOptions = {}) {
    this.#enabled = options.enabled ?? true
    this.#onRedacted = options.onRedacted ?? (() => {})
  }

  get enabled(): boolean {
    return this.#enabled
  }

  /** The items with secrets replaced, in the same order and number (an item without one is the same object). */
  apply(sessionID: string, items: SyncData[]): SyncData[] {
    if (!this.#enabled || items.length === 0) return items
    const result = redactItems(items)
    if (result.total > 0) this.#onRedacted({ sessionID, counts: result.counts, total: result.total })
    return result.items
  }
}
