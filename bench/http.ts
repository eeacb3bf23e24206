import { request } from "node:http"
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
    return JSON.parse(await this.alone("POST", "/api/share", JSON.stringify({ sessionID, initialData }))) as ShareInfo
  }

  async sync(share: ShareInfo, data: SyncData[], batchID?: string): Promise<SyncResult> {
    return this.post(`/api/share/${share.id}/sync`, { secret: share.secret, data, batchID }) as Promise<SyncResult>
  }

  /** A sync whose body is already written (upstream's one big POST, whose size the caller wants to know). */
  async syncText(shareID: string, body: string): Promise<SyncResult> {
    return JSON.parse(await this.alone("POST", `/api/share/${shareID}/sync`, body)) as SyncResult
  }

  /**
   * The share's stored part count. After a big POST this read sometimes gets no answer under `wrangler dev` until
   * another request reaches the Worker (see `alone`): it is asked again after 15 s, up to 4 times.
   */
  async partCount(shareID: string): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        const text = await this.alone("GET", `/api/share/${shareID}/metadata`, undefined, 15_000)
        return (JSON.parse(text) as { partCount: number }).partCount
      } catch (error) {
        if (attempt >= 4 || !(error instanceof Error) || error.message !== "timeout") throw error
        console.error(`metadata of ${shareID}: no answer in 15 s (attempt ${attempt}), asking again`)
      }
    }
  }

  async snapshot(shareID: string): Promise<Snapshot> {
    const response = await fetch(`${this.base}/api/share/${shareID}`)
    return (await response.json()) as Snapshot
  }

  /**
   * A GET on a connection of its own (see `alone`), timed: milliseconds to the first byte of the body and to its
   * end. The body is returned as bytes (a huge item's JSON is tens of MiB).
   */
  timedGet(path: string): Promise<{ body: Buffer; firstByteMs: number; totalMs: number }> {
    const started = performance.now()
    return new Promise((resolve, reject) => {
      const sent = request(new URL(path, this.base), { method: "GET", agent: false }, (response) => {
        const chunks: Buffer[] = []
        let firstByteMs: number | undefined
        response.on("data", (chunk: Buffer) => {
          firstByteMs ??= performance.now() - started
          chunks.push(chunk)
        })
        response.on("error", reject)
        response.on("end", () => {
          const totalMs = performance.now() - started
          const body = Buffer.concat(chunks)
          const status = response.statusCode ?? 0
          if (status >= 200 && status < 300) resolve({ body, firstByteMs: firstByteMs ?? totalMs, totalMs })
          else reject(new Error(`GET ${path}: HTTP ${status} ${body.subarray(0, 300).toString("utf8")}`))
        })
      })
      sent.on("error", reject)
      // No byte for a minute: the hang after a big POST described at `alone`, reported rather than waited out.
      sent.setTimeout(60_000, () => sent.destroy(new Error(`GET ${path}: no byte for 60 s`)))
      sent.end()
    })
  }

  /**
   * One request on a connection of its own, closed after it. Under `wrangler dev`, after a POST of tens of MiB
   * (several seconds), the next request Node's pool sends on a kept-alive connection sometimes gets no answer at all
   * (straight to workerd the connection is reset; through wrangler's proxy the request hangs until another request
   * reaches the Worker). The calls made around such a POST (create, the POST itself, the count read after it) go
   * this way, on connections of their own.
   */
  private alone(method: "GET" | "POST", path: string, body?: string, timeoutMs?: number): Promise<string> {
    const url = new URL(path, this.base)
    const headers: Record<string, string> =
      body === undefined
        ? {}
        : { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) }
    return new Promise((resolve, reject) => {
      const sent = request(url, { method, headers, agent: false }, (response) => {
        let text = ""
        response.setEncoding("utf8")
        response.on("data", (chunk: string) => {
          text += chunk
        })
        response.on("error", reject)
        response.on("end", () => {
          const status = response.statusCode ?? 0
          if (status >= 200 && status < 300) resolve(text)
          else reject(new Error(`${method} ${path}: HTTP ${response.statusCode} ${text.slice(0, 300)}`))
        })
      })
      sent.on("error", reject)
      if (timeoutMs !== undefined) sent.setTimeout(timeoutMs, () => sent.destroy(new Error("timeout")))
      sent.end(body)
    })
  }

  private async post(path: string, body: unknown): Promise<unknown> {
    const response = await fetch(`${this.base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
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
