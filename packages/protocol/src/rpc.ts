import type { DeleteResult, SessionIndex, ShareInfo, SyncResult } from "./share.ts"
import type { SyncData } from "./sync.ts"

/** Versioned WebSocket subprotocol of `/rpc`. Browsers send the token as a second subprotocol next to it. */
export const RPC_SUBPROTOCOL = "cloudsession.v1"
/** Prefix that marks the token entry in `Sec-WebSocket-Protocol` (`bearer.<token>`). */
export const RPC_TOKEN_SUBPROTOCOL_PREFIX = "bearer."

export type ProbeValueInput = {
  when: Date
  bytes: Uint8Array
  nested: { label: string; values: number[]; inner?: { flag: boolean } }
}

export type ProbeValueOutput = {
  when: string
  bytes: number[]
  size: number
  nested: ProbeValueInput["nested"]
}

export type ProbeCallback = (message: string) => string | Promise<string>

/** A capability bound to one share: whoever holds it may sync and delete without resending the secret. */
export interface ShareHandle {
  sync(data: SyncData[], batchID?: string): Promise<SyncResult>
  delete(): Promise<DeleteResult>
  info(): Promise<SessionIndex>
}

/** The main RPC interface served at `/rpc` (capnweb, over WebSocket or HTTP batch). */
export interface ShareRpc {
  createShare(sessionID: string, initialData?: SyncData[]): Promise<ShareInfo>
  syncShare(shareID: string, secret: string, data: SyncData[], batchID?: string): Promise<SyncResult>
  deleteShare(shareID: string, secret: string): Promise<DeleteResult>
  openShare(shareID: string, secret: string): Promise<ShareHandle>
  probeValue(input: ProbeValueInput): ProbeValueOutput
  probeCallback(cb: ProbeCallback): Promise<string>
}
