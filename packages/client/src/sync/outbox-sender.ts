import type { ErrorCode, ShareRpc, SyncResult } from "@cloudsession/protocol"
import type { RpcStub } from "capnweb"
import { backoffDelay, sleep } from "../connection/backoff.ts"
import { asServerRefusal, NotSharedError } from "../errors.ts"
import type { OutboxRow } from "../store/schema.ts"
import type { ShareStore } from "../store/store.ts"

/** What the sender needs from a connection: a live stub, and a way to say a call on it went unanswered. */
export type RpcLink = {
  stub(): Promise<RpcStub<ShareRpc>>
  reportFailure(stub: RpcStub<ShareRpc>, reason: string): void
}

export type BatchSent = {
  sessionID: string
  batchID: string
  items: number
  bytes: number
  /** The server had applied this batch already (a replay after a lost reply). */
  duplicate: boolean
  /** Batches of this session still waiting after this one. */
  remaining: number
}

export type SenderOptions = {
  /** Attempts per batch before giving up on transport errors (each waits for a reconnect first). */
  maxAttempts?: number
  /** A call unanswered this long is treated as lost: the session is dropped and the batch resent. */
  callTimeoutMs?: number
  onBatchSent?: (event: BatchSent) => void
}

export type DrainSummary = { batches: number; items: number; duplicates: number }

class CallTimeout extends Error {}

/** Server answers that say "not now" rather than "no": the same batch may succeed on a later attempt. */
const TRANSIENT_CODES = new Set<ErrorCode>(["unavailable", "too_many_requests"])

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CallTimeout(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Sends a session's outbox to the server in order, one batch at a time, deleting each batch only after the
 * server acknowledged it. A batch whose reply was lost is resent with the same batch id, which the server applies
 * at most once, so a replay can neither lose nor duplicate an item.
 */
export class OutboxSender {
  readonly #store: ShareStore
  readonly #link: RpcLink
  readonly #maxAttempts: number
  readonly #callTimeoutMs: number
  readonly #onBatchSent: (event: BatchSent) => void
  /** One drain per session at a time: batches must arrive in the order they were queued. */
  readonly #running = new Map<string, Promise<DrainSummary>>()

  constructor(store: ShareStore, link: RpcLink, options: SenderOptions = {}) {
    this.#store = store
    this.#link = link
    this.#maxAttempts = options.maxAttempts ?? 8
    this.#callTimeoutMs = options.callTimeoutMs ?? 30_000
    this.#onBatchSent = options.onBatchSent ?? (() => {})
  }

  /** Send everything queued for the session (including batches queued while this runs). */
  drain(sessionID: string): Promise<DrainSummary> {
    const previous = this.#running.get(sessionID) ?? Promise.resolve(undefined)
    const next = previous
      .catch(() => undefined)
      .then(() => this.#drainNow(sessionID))
      .finally(() => {
        if (this.#running.get(sessionID) === next) this.#running.delete(sessionID)
      })
    this.#running.set(sessionID, next)
    return next
  }

  /** Replay every session's pending batches (after a reconnect or a crash), oldest session first. */
  async drainAll(): Promise<DrainSummary> {
    const total: DrainSummary = { batches: 0, items: 0, duplicates: 0 }
    for (const sessionID of this.#store.outbox.sessionsWithPending()) {
      if (this.#store.shares.get(sessionID) === undefined) continue
      const summary = await this.drain(sessionID)
      total.batches += summary.batches
      total.items += summary.items
      total.duplicates += summary.duplicates
    }
    return total
  }

  async #drainNow(sessionID: string): Promise<DrainSummary> {
    const summary: DrainSummary = { batches: 0, items: 0, duplicates: 0 }
    for (let row = this.#store.outbox.next(sessionID); row !== undefined; row = this.#store.outbox.next(sessionID)) {
      const result = await this.#send(sessionID, row)
      this.#store.outbox.acknowledge(row.seq)
      summary.batches += 1
      summary.items += row.itemCount
      summary.duplicates += result.duplicate ? 1 : 0
      this.#onBatchSent({
        sessionID,
        batchID: row.batchID,
        items: row.itemCount,
        bytes: row.bytes,
        duplicate: result.duplicate,
        remaining: this.#store.outbox.count(sessionID),
      })
    }
    if (summary.batches > 0) this.#store.shares.markSynced(sessionID)
    return summary
  }

  async #send(sessionID: string, row: OutboxRow): Promise<SyncResult> {
    let lastError: unknown
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt++) {
      // Read the record on every attempt: an unshare in between must stop the replay, not resurrect the share.
      const share = this.#store.shares.get(sessionID)
      if (share === undefined) throw new NotSharedError(sessionID)
      this.#store.outbox.recordAttempt(row.seq)
      const stub = await this.#link.stub()
      try {
        return await withTimeout(stub.syncShare(share.id, share.secret, row.payload, row.batchID), this.#callTimeoutMs)
      } catch (error) {
        lastError = error
        const refusal = asServerRefusal(error)
        if (refusal !== undefined && !TRANSIENT_CODES.has(refusal.code)) throw refusal
        if (refusal !== undefined) {
          // The server is busy or going away: wait, then resend (the session itself breaks if the socket closes).
          await sleep(backoffDelay(attempt))
          continue
        }
        this.#link.reportFailure(stub, error instanceof Error ? error.message : String(error))
      }
    }
    throw lastError
  }
}
