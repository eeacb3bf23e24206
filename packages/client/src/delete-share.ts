import { asServerRefusal } from "./errors.ts"
import { settle } from "./settle.ts"
import type { RpcLink } from "./sync/outbox-sender.ts"

/** What became of the share on the server: deleted now, or already unknown to it. */
export type RemoteDeletion = "deleted" | "already-gone"

/**
 * Delete a share on the server. A lost reply is retried: deleting again is safe, since a second delete answers
 * `not_found`, which counts as done. Any other refusal is thrown.
 */
export async function deleteRemote(
  link: RpcLink,
  share: { id: string; secret: string },
  attempts = 3,
): Promise<RemoteDeletion> {
  const stub = await link.stub()
  const result = await settle(stub.deleteShare(share.id, share.secret))
  if (result.ok) return "deleted"
  const refusal = asServerRefusal(result.error)
  if (refusal?.code === "not_found" || refusal?.code === "gone") return "already-gone"
  if (refusal !== undefined) throw refusal
  if (attempts <= 1) throw result.error
  link.reportFailure(stub, result.error instanceof Error ? result.error.message : String(result.error))
  return deleteRemote(link, share, attempts - 1)
}
