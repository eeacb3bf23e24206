import { ShareError } from "@cloudsession/protocol"
import type { RpcMessage } from "./messages.ts"

/**
 * What one client may make the server hold at once. Each `push` (a call), `stream` and `pipe` message makes capnweb
 * keep an entry for the client (the call's arguments while it runs, its result until released; a pipe keeps a
 * TransformStream) until the client sends `release`; nothing in capnweb bounds how many. 100 000 `pipe` messages,
 * 0.9 MB in all, held 401 MB. Our own client never has more than a few calls open (create and the first sync,
 * pipelined), so these bounds leave it plenty while a hostile one is closed long before memory matters.
 */
export const HELD_LIMITS = {
  /** Entries open at once. */
  calls: 64,
  /** Bytes of the messages behind the entries whose call has not answered yet, as a multiple of one message. */
  messagesOfBytes: 3,
} as const

const HOLDING: ReadonlySet<string> = new Set(["push", "stream", "pipe"])

type Held = { bytes: number; stream: boolean }

/**
 * Mirror of capnweb's export table for one session, built from the messages alone: capnweb numbers the client's
 * holding messages 1, 2, 3 … in arrival order (0 is the main interface), `release` frees one, a `resolve` or `reject`
 * the server sends answers one (its arguments are gone; a stream's entry is released by capnweb itself then).
 */
export class HeldCalls {
  readonly #maxCalls: number
  readonly #maxBytes: number
  readonly #held = new Map<number, Held>()
  #next = 1
  #bytes = 0

  constructor(maxMessageBytes: number) {
    this.#maxCalls = HELD_LIMITS.calls
    this.#maxBytes = HELD_LIMITS.messagesOfBytes * maxMessageBytes
  }

  /** Count a message from the client; throws (and nothing is counted) when it would hold more than allowed. */
  received(message: RpcMessage, bytes: number): void {
    const [type, id] = message
    if (type === "release") {
      if (typeof id === "number") this.#free(id)
      return
    }
    if (!HOLDING.has(type)) return
    if (this.#held.size >= this.#maxCalls) {
      throw new ShareError("too_many_requests", `at most ${this.#maxCalls} calls may be open at once`)
    }
    if (this.#bytes + bytes > this.#maxBytes) {
      throw new ShareError("too_many_requests", `calls still running hold more than ${this.#maxBytes} bytes`)
    }
    this.#held.set(this.#next, { bytes, stream: type === "stream" })
    this.#next += 1
    this.#bytes += bytes
  }

  /** Note a message the server sends: an answer frees what its call's message held. */
  sent(message: unknown): void {
    if (!Array.isArray(message) || (message[0] !== "resolve" && message[0] !== "reject")) return
    const id: unknown = message[1]
    if (typeof id !== "number") return
    const held = this.#held.get(id)
    if (held === undefined) return
    this.#bytes -= held.bytes
    if (held.stream) {
      this.#held.delete(id)
      return
    }
    this.#held.set(id, { bytes: 0, stream: false })
  }

  #free(id: number): void {
    const held = this.#held.get(id)
    if (held === undefined) return
    this.#bytes -= held.bytes
    this.#held.delete(id)
  }
}
