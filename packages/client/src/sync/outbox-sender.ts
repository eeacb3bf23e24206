import type { ErrorCode, RefusedItem, ShareRpc } from "@cloudsession/protocol"
import type { RpcStub } from "capnweb"
import { backoffDelay, sleep } from "../connection/backoff.ts"
import { CleartextRefusedError } from "../connection/errors.ts"
import { type HttpSyncReply, syncOverHttp } from "../connection/http-sync.ts"
import {
  asServerRefusal,
  isBatchRefusal,
  isTransient,
  NotSharedError,
  ServerMismatchError,
  ServerRefusedError,
} from "../errors.ts"
import { serverOrigin } from "../server-origin.ts"
import type { OutboxHeader } from "../store/outbox-repo.ts"
import type { ShareRow } from "../store/schema.ts"
import type { ShareStore } from "../store/store.ts"
import { type BatchBudget, DEFAULT_BUDGET, type ItemTooLargeError, travelsOverHttp } from "./pack.ts"

/** What the sender needs from a connection: a live stub, and a way to say a call on it went unanswered. */
export type RpcLink = {
  stub(): Promise<RpcStub<ShareRpc>>
  reportFailure(stub: RpcStub<ShareRpc>, reason: string): void
}

/** A batch the server acknowledged (`onBatchSent`). */
export type BatchSent = {
  sessionID: string
  batchID: string
  items: number
  bytes: number
  /** The server had applied this batch already (a replay after a lost reply). */
  duplicate: boolean
  /** Batches of this session still waiting after this one. */
  remaining: number
  /** Items of this batch the server did not store (the rest of the batch it did), each with its reason. */
  refused: RefusedItem[]
}

/** A batch the server refused for its content (too large, malformed): taken out of the outbox so later ones flow. */
export type BatchRejected = {
  sessionID: string
  batchID: string
  items: number
  bytes: number
  code: ErrorCode
  reason: string
}

/** How persistently the outbox sender resends, and whom it tells. */
export type SenderOptions = {
  /** Attempts per batch before giving up on transport errors (each waits for a reconnect first). */
  maxAttempts?: number
  /** A call unanswered this long is treated as lost: the session is dropped and the batch resent. */
  callTimeoutMs?: number
  /** The budget the batches were packed with: a batch over its RPC limit is sent over the streamed HTTP sync. */
  budget?: BatchBudget
  /** Send a share secret over `http://` to a host that is not this machine (the HTTP sync; refused otherwise). */
  allowCleartext?: boolean
  onBatchSent?: (event: BatchSent) => void
  onBatchRejected?: (event: BatchRejected) => void
}

/** What one drain of a session's outbox sent. */
export type DrainSummary = {
  batches: number
  items: number
  duplicates: number
  /** Batches the server refused and that were dropped from the outbox (their items were not stored). */
  rejected: BatchRejected[]
  /** Items no way to the server takes (too large): never queued; the others were sent without them. */
  tooLarge: ItemTooLargeError[]
}

/** A replay of every session: what went out, and the sessions whose share refused it (their batches stay). */
export type ReplaySummary = DrainSummary & { failed: { sessionID: string; error: unknown }[] }

class CallTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CallTimeout(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

export const emptySummary = (): DrainSummary => ({ batches: 0, items: 0, duplicates: 0, rejected: [], tooLarge: [] })

/** Problems of one session's share (refused, unshared, elsewhere): a replay of the others goes on without it. */
const isSessionProblem = (error: unknown): boolean =>
  error instanceof ServerRefusedError || error instanceof NotSharedError || error instanceof ServerMismatchError

/**
 * Sends a session's outbox to the server in order, one batch at a time, deleting each batch only after the
 * server acknowledged it. A batch whose reply was lost is resent with the same batch id, which the server applies
 * at most once, so a replay can neither lose nor duplicate an item. Only shares recorded for this sender's server
 * are sent: a secret never travels to another server.
 */
export class OutboxSender {
  readonly #store: ShareStore
  readonly #link: RpcLink
  readonly #server: string
  readonly #maxAttempts: number
  readonly #callTimeoutMs: number
  readonly #budget: BatchBudget
  readonly #allowCleartext: boolean
  readonly #onBatchSent: (event: BatchSent) => void
  readonly #onBatchRejected: (event: BatchRejected) => void
  /** One drain per session at a time: batches must arrive in the order they were queued. */
  readonly #running = new Map<string, Promise<DrainSummary>>()

  /** `server` is the origin (as `serverOrigin` gives it) the link talks to. */
  constructor(store: ShareStore, link: RpcLink, server: string, options: SenderOptions = {}) {
    this.#store = store
    this.#link = link
    this.#server = server
    this.#maxAttempts = options.maxAttempts ?? 8
    this.#callTimeoutMs = options.callTimeoutMs ?? 30_000
    this.#budget = options.budget ?? DEFAULT_BUDGET
    this.#allowCleartext = options.allowCleartext === true
    this.#onBatchSent = options.onBatchSent ?? (() => {})
    this.#onBatchRejected = options.onBatchRejected ?? (() => {})
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

  /**
   * Replay the pending batches of every session shared on this server (after a reconnect or a crash), oldest
   * session first. Sessions recorded for another server, or for no known server, are left alone. A session whose
   * share refuses does not stop the others; losing the connection does.
   */
  async drainAll(): Promise<ReplaySummary> {
    const total: ReplaySummary = { ...emptySummary(), failed: [] }
    for (const sessionID of this.#store.outbox.sessionsWithPending()) {
      const share = this.#store.shares.get(sessionID)
      if (share?.server == null || serverOrigin(share.server) !== this.#server) continue
      try {
        const summary = await this.drain(sessionID)
        total.batches += summary.batches
        total.items += summary.items
        total.duplicates += summary.duplicates
        total.rejected.push(...summary.rejected)
      } catch (error) {
        if (!isSessionProblem(error)) throw error
        total.failed.push({ sessionID, error })
      }
    }
    return total
  }

  /** Take a batch the server refused for its content out of the outbox, and say so. */
  setAside(sessionID: string, row: OutboxHeader, refusal: ServerRefusedError): BatchRejected {
    this.#store.outbox.acknowledge(row.seq)
    const event: BatchRejected = {
      sessionID,
      batchID: row.batchID,
      items: row.itemCount,
      bytes: row.bytes,
      code: refusal.code,
      reason: refusal.message,
    }
    this.#onBatchRejected(event)
    return event
  }

  /** Whether this outbox row goes over the streamed HTTP sync (too big for one RPC message) rather than RPC. */
  overHttp(row: OutboxHeader): boolean {
    return travelsOverHttp(row.bytes, this.#budget)
  }

  /** The record of a session this sender may send for: it exists and lives on this sender's server. */
  recordHere(sessionID: string): ShareRow {
    const share = this.#store.shares.get(sessionID)
    if (share === undefined) throw new NotSharedError(sessionID)
    // Legacy rows whose URL named no server: the caller chose the server for them explicitly.
    if (share.server === null) return share
    const recorded = serverOrigin(share.server) ?? share.server
    if (recorded !== this.#server) throw new ServerMismatchError(sessionID, recorded, this.#server)
    return share
  }

  async #drainNow(sessionID: string): Promise<DrainSummary> {
    const summary = emptySummary()
    const outbox = this.#store.outbox
    for (let row = outbox.nextHeader(sessionID); row !== undefined; row = outbox.nextHeader(sessionID)) {
      const result = await this.#send(sessionID, row)
      if (result instanceof ServerRefusedError) {
        summary.rejected.push(this.setAside(sessionID, row, result))
        continue
      }
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
        refused: result.refused ?? [],
      })
    }
    if (summary.batches > 0) this.#store.shares.markSynced(sessionID)
    return summary
  }

  /**
   * The server's answer, or its refusal of this batch's content; refusals of the share itself are thrown. A lost
   * answer is resent with the same batch id: over RPC on a fresh session, over HTTP after a backoff.
   */
  async #send(sessionID: string, row: OutboxHeader): Promise<HttpSyncReply | ServerRefusedError> {
    const overHttp = this.overHttp(row)
    // Read once for all attempts: over RPC the parsed items, over HTTP the stored JSON text as it is (a batch that
    // big is one item, and parsing it only to encode it again would hold two more copies of it).
    const payload = overHttp ? this.#store.outbox.payloadText(row.seq) : this.#store.outbox.payload(row.seq)
    if (payload === undefined) throw new Error(`outbox batch ${row.batchID} vanished while being sent`)
    let lastError: unknown
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt++) {
      // Read the record on every attempt: an unshare in between must stop the replay, not resurrect the share.
      const share = this.recordHere(sessionID)
      this.#store.outbox.recordAttempt(row.seq)
      const stub = overHttp ? undefined : await this.#link.stub()
      try {
        if (payload instanceof Uint8Array) return await this.#postOverHttp(share, row, payload)
        if (stub === undefined) throw new Error("unreachable: a parsed payload goes over RPC")
        return await withTimeout(stub.syncShare(share.id, share.secret, payload, row.batchID), this.#callTimeoutMs)
      } catch (error) {
        if (error instanceof CleartextRefusedError) throw error
        lastError = error
        const refusal = asServerRefusal(error)
        if (refusal !== undefined && isBatchRefusal(refusal)) return refusal
        if (refusal !== undefined && !isTransient(refusal)) throw refusal
        if (refusal !== undefined || stub === undefined) {
          // The server is busy or going away, or an HTTP answer was lost: wait, then resend (the RPC session
          // itself breaks if the socket closes).
          await sleep(backoffDelay(attempt))
          continue
        }
        this.#link.reportFailure(stub, error instanceof Error ? error.message : String(error))
      }
    }
    throw lastError
  }

  /** The batch through the streamed HTTP sync, to the share's own server (the record was checked to name it). */
  #postOverHttp(share: ShareRow, row: OutboxHeader, payload: Uint8Array): Promise<HttpSyncReply> {
    return syncOverHttp({
      server: this.#server,
      shareID: share.id,
      secret: share.secret,
      batchID: row.batchID,
      payload,
      bytes: row.bytes,
      timeoutMs: this.#callTimeoutMs,
      allowCleartext: this.#allowCleartext,
    })
  }
}
