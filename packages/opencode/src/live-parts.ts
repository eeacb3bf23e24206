import type { Part } from "@cloudsession/protocol"

/**
 * The latest text of parts that are streaming. OpenCode announces a text or reasoning part once, empty, then sends
 * only `message.part.delta` events (a field and the characters to append) until the part is complete; applying
 * them here is what lets a viewer see the text grow rather than appear whole at the end. Bounded: parts that
 * stopped streaming long ago are forgotten first (their final `message.part.updated` carries the whole text anyway).
 */
export class LiveParts {
  readonly #parts = new Map<string, Part>()

  constructor(private readonly capacity = 256) {}

  /** Remember the part as OpenCode sent it. */
  set(part: Part): void {
    this.#parts.delete(part.id)
    this.#parts.set(part.id, part)
    if (this.#parts.size <= this.capacity) return
    const oldest = this.#parts.keys().next().value
    if (oldest !== undefined) this.#parts.delete(oldest)
  }

  /** Append a delta to a known part's field; a new object, so a queue still holding the previous one keeps it. */
  apply(partID: string, field: string, delta: string): Part | undefined {
    const part = this.#parts.get(partID)
    if (part === undefined) return undefined
    const current: unknown = part[field]
    if (current !== undefined && typeof current !== "string") return undefined
    const next: Part = { ...part, [field]: (current ?? "") + delta }
    this.set(next)
    return next
  }

  /** A session went idle: nothing of it streams any more. */
  forgetSession(sessionID: string): void {
    for (const [id, part] of this.#parts) if (part.sessionID === sessionID) this.#parts.delete(id)
  }

  get size(): number {
    return this.#parts.size
  }
}
