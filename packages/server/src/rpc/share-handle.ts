import type { DeleteResult, SessionIndex, ShareHandle, SyncResult } from "@cloudsession/protocol"
import { RpcTarget } from "capnweb"
import type { ShareService } from "../service/share-service.ts"

/**
 * A capability bound to one share, handed out by `openShare` once the secret checked out. The secret stays on the
 * server for the life of the connection, so a long-lived client sends it once; every call still goes through the
 * service, which validates its arguments and re-checks the secret in the share's Durable Object.
 */
export class ShareHandleTarget extends RpcTarget implements ShareHandle {
  readonly #service: ShareService
  readonly #shareID: string
  readonly #secret: string

  constructor(service: ShareService, shareID: string, secret: string) {
    super()
    this.#service = service
    this.#shareID = shareID
    this.#secret = secret
  }

  sync(data: unknown, batchID?: unknown): Promise<SyncResult> {
    return this.#service.sync(this.#shareID, { secret: this.#secret, data, batchID })
  }

  delete(): Promise<DeleteResult> {
    return this.#service.remove(this.#shareID, { secret: this.#secret })
  }

  info(): Promise<SessionIndex> {
    return this.#service.metadata(this.#shareID)
  }
}
