import type { ShareInfo, SyncData, SyncResult } from "@cloudsession/protocol"

/** What the scenarios read back: ids to count, and how many batches the server applied (each exactly once). */
export type Snapshot = { parts: { id: string }[]; diffs: unknown[]; metadata: { syncCount: number } }

/** The JSON API as the benchmark drives it: one request per call, keep-alive connections (Node's fetch). */
export class HttpApi {
  readonly base: string

  constructor(base: string) {
    this.base = base
  }

  async create(sessionID: string, initialData?: SyncData[]): Promise<ShareInfo> {
    return this.post("/api/share", { sessionID, initialData }) as Promise<ShareInfo>
  }

  async sync(share: ShareInfo, data: SyncData[], batchID?: string): Promise<SyncResult> {
    return this.post(`/api/share/${share.id}/sync`, { secret: share.secret, data, batchID }) as Promise<SyncResult>
  }

  /** A sync whose body is already written (to send upstream's exact bytes, or to know their size). */
  async syncText(shareID: string, body: string): Promise<SyncResult> {
    return this.postText(`/api/share/${shareID}/sync`, body) as Promise<SyncResult>
  }

  async partCount(shareID: string): Promise<number> {
    const response = await fetch(`${this.base}/api/share/${shareID}/metadata`)
    const body = (await response.json()) as { partCount: number }
    return body.partCount
  }

  async snapshot(shareID: string): Promise<Snapshot> {
    const response = await fetch(`${this.base}/api/share/${shareID}`)
    return (await response.json()) as Snapshot
  }

  private async post(path: string, body: unknown): Promise<unknown> {
    return this.postText(path, JSON.stringify(body))
  }

  private async postText(path: string, body: string): Promise<unknown> {
    const response = await fetch(`${this.base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    })
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`)
    return response.json()
  }
}

/**
 * Vars the benchmark's Worker runs with: its HTTP shares are created without a token, thousands of syncs a minute
 * from one address, which the anonymous rate limits (made for strangers, not for a measurement) would refuse.
 */
export const BENCH_VARS = {
  ANONYMOUS_CREATES_PER_MINUTE: "1000000",
  ANONYMOUS_CREATES_GLOBAL_PER_MINUTE: "1000000",
  ANONYMOUS_SYNCS_PER_MINUTE: "1000000",
  ANONYMOUS_SYNCS_GLOBAL_PER_MINUTE: "1000000",
  ANONYMOUS_MAX_SHARE_ITEMS: "10000000",
  ANONYMOUS_MAX_SHARE_BYTES: "1073741824",
  // Scenarios hold one RPC session for minutes and time its calls; renewing sessions (60 s by default) is tested in
  // packages/client/test/session-age.test.ts.
  RPC_SESSION_MAX_SECONDS: "3600",
}
