import {
  type ProbeCallback,
  SeedProbeInputSchema,
  type SeedProbeOutput,
  type SeedShareRpc,
  type SeedSyncResult,
  ShareError,
  type ShareInfo,
} from "@cloudsession/protocol"
import { RpcTarget } from "capnweb"
import { z } from "zod"
import { type ShareService, TRUSTED_CALLER } from "../service/share-service.ts"
import { parseOrThrow } from "../service/validate.ts"
import type { RpcTransportKind } from "./share-rpc.ts"

const ProbeCallbackSchema = z.custom<ProbeCallback>((value) => typeof value === "function", "expected a function")
const ProbeReplySchema = z.string().max(64 * 1024)

/**
 * The seed's contract at `/rpc/share`, for the fork's OpenCode client: the same five methods with the seed's
 * answers, each a thin adapter over the one `ShareService` (so the same validation, limits and storage as `/rpc`).
 */
export class SeedShareRpcTarget extends RpcTarget implements SeedShareRpc {
  readonly #service: ShareService
  readonly #origin: string
  readonly #transport: RpcTransportKind

  constructor(service: ShareService, origin: string, transport: RpcTransportKind) {
    super()
    this.#service = service
    this.#origin = origin
    this.#transport = transport
  }

  async createShare(sessionID: unknown, initialData?: unknown): Promise<ShareInfo> {
    const share = await this.#service.create({ sessionID, initialData }, this.#origin, TRUSTED_CALLER)
    return { id: share.id, url: share.url, secret: share.secret }
  }

  async syncShare(shareID: unknown, secret: unknown, data: unknown): Promise<SeedSyncResult> {
    const result = await this.#service.sync(shareID, { secret, data })
    return result.refused.length === 0
      ? { success: true, syncCount: result.syncCount }
      : { success: true, syncCount: result.syncCount, refused: result.refused }
  }

  async deleteShare(shareID: unknown, secret: unknown): Promise<{ success: boolean }> {
    await this.#service.remove(shareID, { secret })
    return { success: true }
  }

  /** The seed's answer types: `when` as an ISO string, `bytes` as plain numbers. */
  probeValue(input: unknown): SeedProbeOutput {
    const value = parseOrThrow(SeedProbeInputSchema, input, "input")
    return {
      when: value.when.toISOString(),
      bytes: Array.from(value.bytes),
      size: value.bytes.byteLength,
      nested: { x: value.nested.x },
    }
  }

  async probeCallback(callback: unknown): Promise<string> {
    if (this.#transport === "batch") throw new ShareError("bad_request", "callbacks need a WebSocket")
    const call = parseOrThrow(ProbeCallbackSchema, callback, "callback")
    return parseOrThrow(ProbeReplySchema, await call("server-called"), "callback reply")
  }
}
