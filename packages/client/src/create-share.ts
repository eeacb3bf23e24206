import type { CreateOptions, ShareInfo, SyncResult } from "@cloudsession/protocol"
import { deleteRemote } from "./delete-share.ts"
import {
  asServerRefusal,
  isBatchRefusal,
  isTransient,
  type ServerRefusedError,
  ShareNotRecordedError,
} from "./errors.ts"
import { type Settled, settle } from "./settle.ts"
import type { OutboxHeader, PackedBatch, QueuedBatch } from "./store/outbox-repo.ts"
import type { ShareRow } from "./store/schema.ts"
import type { ShareStore } from "./store/store.ts"
import type { BatchRejected, BatchSent, OutboxSender, RpcLink } from "./sync/outbox-sender.ts"

/** What creating a share needs from the client that asks for it. */
export type CreateContext = {
  store: ShareStore
  link: RpcLink
  /** Origin the link talks to: recorded with the share, and the only server its creation key is used for. */
  server: string
  sender: OutboxSender
  onBatchSent: (event: BatchSent) => void
}

/** The new share's record, and the first batch if the server refused it for its content (set aside). */
export type Created = { record: ShareRow; rejectedFirst: BatchRejected[] }

/**
 * The create protocol. The session's batches and a creation key are persisted before anything is sent; then
 * `createShare` (with the key) and the first batch's `syncShare` leave together, one round trip, the sync naming the
 * share through the pending result. A lost reply keeps both: the next create of the session sends the same key and
 * gets the same share back (the first batch's id makes its replay a no-op), rather than a second share while the
 * first stays listed with nobody holding its secret. Once the share is recorded the key is cleared. The rest of the
 * outbox (the first batch too, when it must go over HTTP) is left to the caller's drain.
 */
export async function createShare(
  context: CreateContext,
  sessionID: string,
  batches: PackedBatch[],
  options: CreateOptions = {},
): Promise<Created> {
  const { store, link, server } = context
  // Persisted before the share exists: if the process dies before the server answers, nothing is lost.
  const queued = store.outbox.enqueue(sessionID, batches)
  // A first batch too big for an RPC message cannot ride along: the drain sends it over HTTP once the share exists.
  // Its header first: a huge batch's payload is not read (and parsed) just to find it stays behind.
  const head = store.outbox.nextHeader(sessionID)
  const first = head !== undefined && context.sender.overHttp(head) ? undefined : head
  const firstPayload = first === undefined ? undefined : store.outbox.payload(first.seq)
  const creationKey = store.creations.keyFor(sessionID, server)
  const stub = await link.stub()
  // Both calls leave before either answer arrives.
  // Options only when there are some: a server from before they existed takes three arguments.
  const created =
    options.expiresIn === undefined
      ? stub.createShare(sessionID, undefined, creationKey)
      : stub.createShare(sessionID, undefined, creationKey, options)
  const firstSent =
    first === undefined || firstPayload === undefined
      ? undefined
      : settle(stub.syncShare(created.id, created.secret, firstPayload, first.batchID))
  const info = await settle(created)
  if (!info.ok) throw creationFailed(store, sessionID, queued, info.error)
  const record = await recordShare(context, sessionID, info.value, queued)
  // Recorded: from here on the share is found by its record, and the key would only make a stale replay possible.
  store.creations.clear(sessionID)
  const rejectedFirst =
    first !== undefined && firstSent !== undefined ? acknowledgeFirst(context, sessionID, first, await firstSent) : []
  return { record, rejectedFirst }
}

/**
 * The server said no to creating the share: the batches queued for it would otherwise wait for a share that
 * never comes, and a later share of the session would send them. Not after a transient refusal or a lost reply,
 * where the share may yet exist and a retry needs them, and its creation key to get that share back.
 */
function creationFailed(store: ShareStore, sessionID: string, queued: QueuedBatch[], error: unknown): unknown {
  const refusal = asServerRefusal(error)
  if (refusal === undefined || isTransient(refusal)) return error
  store.outbox.remove(queued.map((row) => row.seq))
  store.creations.clear(sessionID)
  return refusal
}

/**
 * Record the new share. If that fails the secret would exist only in memory, leaving a share nobody can update
 * or delete: delete it again (best effort) and drop the batches queued for it. The creation key stays: should the
 * delete not get through either, the next share of the session gets this share back rather than orphaning it.
 */
async function recordShare(
  context: CreateContext,
  sessionID: string,
  info: ShareInfo,
  queued: QueuedBatch[],
): Promise<ShareRow> {
  const { store } = context
  try {
    return store.shares.save({ sessionID, ...info, server: context.server, source: "rpc" })
  } catch (error) {
    const remote = await deleteRemote(context.link, info).then(
      () => "deleted" as const,
      () => "left" as const,
    )
    try {
      store.outbox.remove(queued.map((row) => row.seq))
    } catch {
      // The store is failing as a whole; the rows are left for the next share of the session.
    }
    throw new ShareNotRecordedError(sessionID, info.id, remote, error)
  }
}

/**
 * The pipelined first batch: acknowledged, or refused for its content (set aside, like the sender does), or
 * refused with the share (thrown). A lost reply or a transient refusal leaves it for the drain to resend.
 */
function acknowledgeFirst(
  context: CreateContext,
  sessionID: string,
  first: OutboxHeader,
  result: Settled<SyncResult>,
): BatchRejected[] {
  const { store } = context
  if (!result.ok) return firstRefused(context, sessionID, first, asServerRefusal(result.error))
  store.outbox.acknowledge(first.seq)
  // A session that fits in its first batch has nothing left for the drain, which is what marks the others.
  store.shares.markSynced(sessionID)
  context.onBatchSent({
    sessionID,
    batchID: first.batchID,
    items: first.itemCount,
    bytes: first.bytes,
    duplicate: result.value.duplicate,
    remaining: store.outbox.count(sessionID),
    refused: result.value.refused ?? [],
  })
  return []
}

function firstRefused(
  context: CreateContext,
  sessionID: string,
  first: OutboxHeader,
  refusal: ServerRefusedError | undefined,
): BatchRejected[] {
  if (refusal === undefined || isTransient(refusal)) return []
  if (isBatchRefusal(refusal)) return [context.sender.setAside(sessionID, first, refusal)]
  throw refusal
}
