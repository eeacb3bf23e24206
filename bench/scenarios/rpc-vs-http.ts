import type { RpcConnection } from "@cloudsession/client"
import type { ShareInfo, SyncData } from "@cloudsession/protocol"
import { makeTextPart } from "@cloudsession/protocol/fixtures"
import type { HttpApi } from "../http.ts"
import { median, now, percentile, ratio, round } from "../stats.ts"

const SYNCS = 2000
const ROUNDS = 4
/** Calls in flight at once in the windowed mode (both transports get the same window). */
const WINDOW = 16

type Transport = "rpc" | "http"
type Sync = (share: ShareInfo, data: SyncData[]) => Promise<unknown>
type RunFigures = { seconds: number; latencies: number[] }

function item(sessionID: string, index: number): SyncData[] {
  return [{ type: "part", data: makeTextPart(sessionID, "msg_rpc_http", index, `small sync ${index}`) }]
}

/** `count` syncs with at most `window` in flight, each on its own part; returns wall time and per-call latency. */
async function run(
  sync: Sync,
  share: ShareInfo,
  sessionID: string,
  count: number,
  window: number,
): Promise<RunFigures> {
  const latencies: number[] = []
  let next = 0
  const started = now()
  const worker = async () => {
    while (next < count) {
      const index = next
      next += 1
      const sent = now()
      await sync(share, item(sessionID, index))
      latencies.push(now() - sent)
    }
  }
  await Promise.all(Array.from({ length: window }, worker))
  return { seconds: (now() - started) / 1000, latencies }
}

function summarise(runs: RunFigures[], count: number) {
  const throughput = runs.map((figures) => count / figures.seconds)
  const latencies = runs.flatMap((figures) => figures.latencies)
  return {
    syncsPerSecond: round(median(throughput), 0),
    p50Ms: round(percentile(latencies, 0.5)),
    p99Ms: round(percentile(latencies, 0.99)),
  }
}

/**
 * Scenario 2: the same 2 000 small syncs to one share over one authenticated capnweb WebSocket session and as one
 * `POST /api/share/:id/sync` each, alternating which goes first over several rounds; sequential (one call in
 * flight, as an agent syncing event by event) and windowed (16 in flight).
 */
export async function rpcVsHttp(api: HttpApi, connection: RpcConnection) {
  const transports: Record<Transport, Sync> = {
    // The live stub is looked up per call (a map lookup), so a dropped socket costs a reconnect, not the run.
    rpc: async (share, data) => (await connection.stub()).syncShare(share.id, share.secret, data),
    http: (share, data) => api.sync(share, data),
  }
  const modes = { sequential: 1, windowed: WINDOW }
  const table = []
  for (const [mode, window] of Object.entries(modes)) {
    const figures: Record<Transport, RunFigures[]> = { rpc: [], http: [] }
    for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
      const order: Transport[] = roundIndex % 2 === 0 ? ["rpc", "http"] : ["http", "rpc"]
      for (const transport of order) {
        const sessionID = `ses_bench_${transport}_${mode}_${roundIndex}_${Date.now()}`
        const share = await api.create(sessionID)
        figures[transport].push(await run(transports[transport], share, sessionID, SYNCS, window))
      }
    }
    const rpc = summarise(figures.rpc, SYNCS)
    const http = summarise(figures.http, SYNCS)
    table.push({
      mode: `${mode} (${window} in flight)`,
      rpcSyncsPerS: rpc.syncsPerSecond,
      httpSyncsPerS: http.syncsPerSecond,
      throughputRatio: round(ratio(rpc.syncsPerSecond, http.syncsPerSecond)),
      rpcP50Ms: rpc.p50Ms,
      httpP50Ms: http.p50Ms,
      rpcP99Ms: rpc.p99Ms,
      httpP99Ms: http.p99Ms,
    })
  }
  table.push(await transportFloor(api, connection))
  return table
}

/**
 * The floor under both: a call that does no share work, sequentially. Over RPC `probeValue` (answered by the
 * Worker, no Durable Object); over HTTP a request that only reaches the 404 handler. When a sync costs about
 * as much as these, the transport, not the service, is what limits it.
 */
async function transportFloor(api: HttpApi, connection: RpcConnection) {
  const probe = { when: new Date(), bytes: new Uint8Array([1, 2, 3]), nested: { label: "floor", values: [1] } }
  const rpc: Sync = async () => (await connection.stub()).probeValue(probe)
  const http: Sync = async () => (await fetch(`${api.base}/api/no-such-route`)).text()
  const share = { id: "", url: "", secret: "" }
  const rpcRuns: RunFigures[] = []
  const httpRuns: RunFigures[] = []
  for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
    rpcRuns.push(await run(rpc, share, "", SYNCS / 4, 1))
    httpRuns.push(await run(http, share, "", SYNCS / 4, 1))
  }
  const rpcFloor = summarise(rpcRuns, SYNCS / 4)
  const httpFloor = summarise(httpRuns, SYNCS / 4)
  return {
    mode: "no-op round trip (floor, 1 in flight)",
    rpcSyncsPerS: rpcFloor.syncsPerSecond,
    httpSyncsPerS: httpFloor.syncsPerSecond,
    throughputRatio: round(ratio(rpcFloor.syncsPerSecond, httpFloor.syncsPerSecond)),
    rpcP50Ms: rpcFloor.p50Ms,
    httpP50Ms: httpFloor.p50Ms,
    rpcP99Ms: rpcFloor.p99Ms,
    httpP99Ms: httpFloor.p99Ms,
  }
}
