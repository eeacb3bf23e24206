import { z } from "zod"
import type { ProbeCallback } from "./rpc.ts"
import type { RefusedItem, ShareInfo } from "./share.ts"
import type { SyncData } from "./sync.ts"

/**
 * The seed's RPC contract, served unchanged at `/rpc/share` for the fork's OpenCode client
 * (`OPENCODE_SHARE_TRANSPORT=rpc`), which calls it over capnweb HTTP batch with `x-opencode-share-key`. Its answers
 * keep the seed's types: `probeValue` gives `when` as an ISO string and `bytes` as a number array.
 */
export const SeedProbeInputSchema = z.object({
  when: z.date(),
  bytes: z.instanceof(Uint8Array).refine((bytes) => bytes.byteLength <= 64 * 1024, "bytes: at most 64 KiB"),
  nested: z.object({ x: z.number() }),
})
export type SeedProbeInput = z.infer<typeof SeedProbeInputSchema>
export type SeedProbeOutput = { when: string; bytes: number[]; size: number; nested: { x: number } }

/** The seed's `syncShare` answer; `refused` (ours) names items that were not stored, and why. */
export type SeedSyncResult = { success: boolean; syncCount: number; refused?: RefusedItem[] }

export interface SeedShareRpc {
  createShare(sessionID: string, initialData?: SyncData[]): Promise<ShareInfo>
  syncShare(shareID: string, secret: string, data: SyncData[]): Promise<SeedSyncResult>
  deleteShare(shareID: string, secret: string): Promise<{ success: boolean }>
  probeValue(input: SeedProbeInput): SeedProbeOutput
  probeCallback(cb: ProbeCallback): Promise<string>
}
