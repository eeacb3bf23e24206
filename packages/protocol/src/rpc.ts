import { z } from "zod"
import { LIMITS } from "./limits.ts"
import type { DeleteResult, SessionIndex, ShareInfo, SyncResult } from "./share.ts"
import type { SyncData } from "./sync.ts"

/** Versioned WebSocket subprotocol of `/rpc`. Browsers send the token as a second subprotocol next to it. */
export const RPC_SUBPROTOCOL = "cloudsession.v1"
/** Prefix that marks the token entry in `Sec-WebSocket-Protocol` (`bearer.<token>`). */
export const RPC_TOKEN_SUBPROTOCOL_PREFIX = "bearer."

/** Room for capnweb's framing around a batch in one RPC message. */
const MESSAGE_ENVELOPE_BYTES = 1024 * 1024

/** Largest RPC message where batches are at most `batchBytes`: one WebSocket message carries one call. */
export function rpcMessageLimit(batchBytes: number): number {
  return batchBytes + MESSAGE_ENVELOPE_BYTES
}

/**
 * Bounds of the `/rpc` connection: a message holds a full batch (`LIMITS.maxBodyBytes`) plus capnweb's framing; an
 * idle socket (no message from the client) is closed.
 */
export const RPC_LIMITS = {
  maxMessageBytes: rpcMessageLimit(LIMITS.maxBodyBytes),
  idleTimeoutSeconds: 300,
} as const

/** What `probeValue` accepts: exercises capnweb's encoding of `Date`, `Uint8Array` and nested objects. */
export const ProbeValueInputSchema = z.object({
  when: z.date(),
  bytes: z.instanceof(Uint8Array).refine((bytes) => bytes.byteLength <= 64 * 1024, "bytes: at most 64 KiB"),
  nested: z.object({
    label: z.string().max(1024),
    values: z.array(z.number()).max(1024),
    inner: z.object({ flag: z.boolean() }).optional(),
  }),
})

export type ProbeValueInput = z.infer<typeof ProbeValueInputSchema>

/** `probeValue`'s answer: the input as it came (a `Date`, a `Uint8Array`, the nested object) and the byte count. */
export type ProbeValueOutput = ProbeValueInput & { size: number }

export type ProbeCallback = (message: string) => string | Promise<string>

/** A capability bound to one share: whoever holds it may sync and delete without resending the secret. */
export interface ShareHandle {
  sync(data: SyncData[], batchID?: string): Promise<SyncResult>
  delete(): Promise<DeleteResult>
  info(): Promise<SessionIndex>
}

/** Options of `createShare`, as in `CreateRequestSchema`: `expiresIn` such as `"7d"`. */
export type CreateOptions = { expiresIn?: string }

/** The main RPC interface served at `/rpc` (capnweb, over WebSocket or HTTP batch). */
export interface ShareRpc {
  /** With `creationKey` (see `CreateRequestSchema`), sending the same create again returns the same share. */
  createShare(
    sessionID: string,
    initialData?: SyncData[],
    creationKey?: string,
    options?: CreateOptions,
  ): Promise<ShareInfo>
  syncShare(shareID: string, secret: string, data: SyncData[], batchID?: string): Promise<SyncResult>
  deleteShare(shareID: string, secret: string): Promise<DeleteResult>
  openShare(shareID: string, secret: string): Promise<ShareHandle>
  probeValue(input: ProbeValueInput): ProbeValueOutput
  /** Calls `cb` back over the connection: needs a WebSocket (over HTTP batch it fails with `bad_request`). */
  probeCallback(cb: ProbeCallback): Promise<string>
}
