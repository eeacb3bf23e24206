import type { SyncData } from "@cloudsession/protocol"
import { type RedactionCounts, redactItems, StreamRedactor } from "@cloudsession/protocol/redaction"
import type { ItemSizes } from "./pack.ts"

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
 * Characters of strings above which an item is redacted in windows (`StreamRedactor`, as the server redacts what
 * the streamed sync brings) rather than scanned whole: the rules' passes over one 60 MiB text held about 13 times
 * its size at once. The streaming redactor's window is 1 MiB, and under one window it gives `redactItem`'s output.
 */
export const WINDOWED_CHARS = 1024 * 1024

/** Pieces a long string is handed to the streaming redactor in (slices of a flat string share its characters). */
const CHUNK_CHARS = 256 * 1024

/** Characters in the value's strings, counting no further than `limit`. */
function stringChars(value: unknown, limit: number, sum = 0): number {
  if (sum > limit) return sum
  if (typeof value === "string") return sum + value.length
  if (Array.isArray(value)) return value.reduce<number>((total, entry) => stringChars(entry, limit, total), sum)
  if (typeof value !== "object" || value === null) return sum
  return Object.values(value).reduce<number>((total, entry) => stringChars(entry, limit, total), sum)
}

/** The value as `JSON.stringify` writes it, pushed through the redactor; what it releases is collected in `out`. */
function feed(value: unknown, key: string, redactor: StreamRedactor, out: string[]): void {
  if (typeof value === "string") {
    redactor.startString(key)
    for (let at = 0; at < value.length; at += CHUNK_CHARS) {
      redactor.stringChunk(value.slice(at, at + CHUNK_CHARS))
      out.push(redactor.take())
    }
    redactor.endString()
    return
  }
  if (Array.isArray(value)) {
    redactor.raw("[")
    value.forEach((entry, index) => {
      if (index > 0) redactor.raw(",")
      if (entry === undefined || typeof entry === "function") redactor.raw("null")
      else feed(entry, key, redactor, out)
    })
    redactor.raw("]")
    return
  }
  if (typeof value === "object" && value !== null) {
    feedObject(value, redactor, (name, entry) => feed(entry, name, redactor, out))
    return
  }
  redactor.raw(JSON.stringify(value) ?? "null")
}

/** An object's members as `JSON.stringify` writes them (undefined and functions left out), each through `member`. */
function feedObject(value: object, redactor: StreamRedactor, member: (name: string, entry: unknown) => void): void {
  redactor.raw("{")
  let first = true
  for (const [name, entry] of Object.entries(value)) {
    if (entry === undefined || typeof entry === "function") continue
    redactor.raw(`${first ? "" : ","}${JSON.stringify(name)}:`)
    first = false
    member(name, entry)
  }
  redactor.raw("}")
}

/**
 * One big item redacted window by window: its data's JSON goes through `StreamRedactor`. What comes out, made the
 * JSON array of the item alone, is both parsed back (the redacted item) and handed to `sizes`, so packing and the
 * outbox store that text rather than serialise the item again.
 */
function redactWindowed(
  item: SyncData,
  sizes: ItemSizes | undefined,
): { item: SyncData; counts: RedactionCounts; total: number } {
  const redactor = new StreamRedactor()
  const out: string[] = []
  redactor.raw("[")
  // Only the data is redacted, as `redactItem` does (the rest, the type, goes out as it is).
  feedObject(item, redactor, (name, value) =>
    name === "data" ? feed(value, "", redactor, out) : redactor.raw(JSON.stringify(value)),
  )
  redactor.raw("]")
  out.push(redactor.finish())
  const counts = redactor.counts
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0)
  const json = out.join("")
  out.length = 0
  // The schema's shape is kept: only string values changed, and ids are never touched.
  const redacted = total === 0 ? item : (JSON.parse(json) as SyncData[])[0]
  if (redacted === undefined) throw new Error("the windowed redaction lost its item")
  sizes?.remember(redacted, json)
  return { item: redacted, counts, total }
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

  /**
   * The items with secrets replaced, in the same order and number (an item without one is the same object).
   * `sizes`: the packing that follows, told the JSON of big items redacted in windows.
   */
  apply(sessionID: string, items: SyncData[], sizes?: ItemSizes): SyncData[] {
    if (!this.#enabled || items.length === 0) return items
    const big = items.map((item) => stringChars(item.data, WINDOWED_CHARS) > WINDOWED_CHARS)
    const small = redactItems(items.filter((_, index) => big[index] !== true))
    const counts: RedactionCounts = { ...small.counts }
    let total = small.total
    let next = 0
    const result = items.map((item, index) => {
      if (big[index] !== true) return small.items[next++] ?? item
      const windowed = redactWindowed(item, sizes)
      for (const [rule, count] of Object.entries(windowed.counts)) counts[rule] = (counts[rule] ?? 0) + count
      total += windowed.total
      return windowed.item
    })
    if (total > 0) this.#onRedacted({ sessionID, counts, total })
    return result
  }
}
