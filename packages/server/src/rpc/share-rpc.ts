import {
  DeleteRequestSchema,
  type DeleteResult,
  type ProbeCallback,
  ProbeValueInputSchema,
  type ProbeValueOutput,
  type ShareInfo,
  type ShareRpc,
  type SyncResult,
} from "@cloudsession/protocol"
import { RpcTarget } from "capnweb"
import { z } from "zod"
import type { ShareService } from "../service/share-service.ts"
import { parseOrThrow } from "../service/validate.ts"
import { ShareHandleTarget } from "./share-handle.ts"

const ProbeCallbackSchema = z.custom<ProbeCallback>((value) => typeof value === "function", "expected a function")
const ProbeReplySchema = z.string().max(64 * 1024)

/**
 * The main object served at /rpc. Each method is a thin adapter: arguments arrive untrusted (`unknown`) and go
 * straight to the one `ShareService`, which validates them with the protocol's schemas and does the work.
 */
export class ShareRpcTarget extends RpcTarget implements ShareRpc {
  readonly #service: ShareService
  readonly #origin: string

  /** `origin` is the request's, used for share URLs when `API_DOMAIN` is not set (as in the JSON API). */
  constructor(service: ShareService, origin: string) {
    super()
    this.#service = service
    this.#origin = origin
  }

  createShare(sessionID: unknown, initialData?: unknown): Promise<ShareInfo> {
    return this.#service.create({ sessionID, initialData }, this.#origin)
  }

  syncShare(shareID: unknown, secret: unknown, data: unknown, batchID?: unknown): Promise<SyncResult> {
    return this.#service.sync(shareID, { secret, data, batchID })
  }

  deleteShare(shareID: unknown, secret: unknown): Promise<DeleteResult> {
    return this.#service.remove(shareID, { secret })
  }

  async openShare(shareID: unknown, secret: unknown): Promise<ShareHandleTarget> {
    // Parsed here too (the service checks it again) because the handle keeps the secret as a typed string.
    const request = parseOrThrow(DeleteRequestSchema, { secret }, "arguments")
    const share = await this.#service.verify(shareID, request.secret)
    return new ShareHandleTarget(this.#service, share.id, request.secret)
  }

  probeValue(input: unknown): ProbeValueOutput {
    const value = parseOrThrow(ProbeValueInputSchema, input, "input")
    return {
      when: value.when.toISOString(),
      bytes: Array.from(value.bytes),
      size: value.bytes.byteLength,
      nested: value.nested,
    }
  }

  async probeCallback(callback: unknown): Promise<string> {
    const call = parseOrThrow(ProbeCallbackSchema, callback, "callback")
    return parseOrThrow(ProbeReplySchema, await call("server-called"), "callback reply")
  }
}
