import {
  DeleteRequestSchema,
  type DeleteResult,
  type ProbeCallback,
  ProbeValueInputSchema,
  type ProbeValueOutput,
  ShareError,
  type ShareInfo,
  type ShareRpc,
  type SyncResult,
} from "@cloudsession/protocol"
import { RpcTarget } from "capnweb"
import { z } from "zod"
import { type ShareService, TRUSTED_CALLER } from "../service/share-service.ts"
import { parseOrThrow } from "../service/validate.ts"
import { ShareHandleTarget } from "./share-handle.ts"

const ProbeCallbackSchema = z.custom<ProbeCallback>((value) => typeof value === "function", "expected a function")
const ProbeReplySchema = z.string().max(64 * 1024)
/** `createShare`'s options; each one is checked by the service's create schema. */
const CreateOptionsSchema = z.strictObject({ expiresIn: z.unknown().optional() }).optional()

/** How the client reached the target: over a batch, the server cannot call the client back (see probeCallback). */
export type RpcTransportKind = "websocket" | "batch"

/**
 * The main object served at /rpc. Each method is a thin adapter: arguments arrive untrusted (`unknown`) and go
 * straight to the one `ShareService`, which validates them with the protocol's schemas and does the work.
 */
export class ShareRpcTarget extends RpcTarget implements ShareRpc {
  readonly #service: ShareService
  readonly #origin: string
  readonly #transport: RpcTransportKind

  /** `origin` is the request's, used for share URLs when `API_DOMAIN` is not set (as in the JSON API). */
  constructor(service: ShareService, origin: string, transport: RpcTransportKind) {
    super()
    this.#service = service
    this.#origin = origin
    this.#transport = transport
  }

  createShare(sessionID: unknown, initialData?: unknown, creationKey?: unknown, options?: unknown): Promise<ShareInfo> {
    const { expiresIn } = parseOrThrow(CreateOptionsSchema, options, "options") ?? {}
    return this.#service.create({ sessionID, initialData, creationKey, expiresIn }, this.#origin, TRUSTED_CALLER)
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

  /** Answers with the values as they came (capnweb encodes `Date` and `Uint8Array` both ways), plus their size. */
  probeValue(input: unknown): ProbeValueOutput {
    const value = parseOrThrow(ProbeValueInputSchema, input, "input")
    return { ...value, size: value.bytes.byteLength }
  }

  async probeCallback(callback: unknown): Promise<string> {
    // Over HTTP batch the call back could only travel in the response, which waits for this call: it would hang.
    if (this.#transport === "batch") throw new ShareError("bad_request", "callbacks need a WebSocket")
    const call = parseOrThrow(ProbeCallbackSchema, callback, "callback")
    return parseOrThrow(ProbeReplySchema, await call("server-called"), "callback reply")
  }
}
