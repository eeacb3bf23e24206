import { makeTextPart } from "@cloudsession/protocol/fixtures"
import WebSocket from "ws"
import type { HttpApi } from "../http.ts"
import { now, percentile, round } from "../stats.ts"

const VIEWERS = 100
const ROUNDS = 30

type Viewer = { socket: WebSocket; seen: Map<number, number> }

/**
 * Viewers are capped per client address; the benchmark stands for many readers, so each socket says it comes from
 * its own address (wrangler dev keeps a CF-Connecting-IP the client sends, as Cloudflare's edge would set one).
 */
async function openViewer(url: string, index: number): Promise<Viewer> {
  const address = `198.18.${Math.floor(index / 250)}.${(index % 250) + 1}`
  const socket = new WebSocket(url, { headers: { "CF-Connecting-IP": address } })
  const seen = new Map<number, number>()
  socket.on("message", (raw) => {
    const message = JSON.parse(String(raw)) as { version?: number }
    if (typeof message.version === "number" && !seen.has(message.version)) seen.set(message.version, now())
  })
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve())
    socket.once("error", reject)
  })
  return { socket, seen }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = now() + timeoutMs
  while (!condition()) {
    if (now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  return true
}

/** Scenario 6: 100 viewer sockets on one share; how long until the last of them has each sync. */
export async function fanOut(api: HttpApi) {
  const sessionID = `ses_bench_fanout_${Date.now()}`
  const share = await api.create(sessionID)
  const wsUrl = `${api.base.replace(/^http/, "ws")}/ws/${share.id}`
  const viewers = await Promise.all(Array.from({ length: VIEWERS }, (_, index) => openViewer(wsUrl, index)))
  const afterReply: number[] = []
  const afterRequest: number[] = []
  let missed = 0
  for (let round = 0; round < ROUNDS; round++) {
    const sent = now()
    const result = await api.sync(share, [{ type: "part", data: makeTextPart(sessionID, "msg_fan", round) }])
    const replied = now()
    const allGot = await waitFor(() => viewers.every((viewer) => viewer.seen.has(result.version)), 5000)
    if (!allGot) missed += viewers.filter((viewer) => !viewer.seen.has(result.version)).length
    const last = Math.max(...viewers.map((viewer) => viewer.seen.get(result.version) ?? now()))
    afterReply.push(last - replied)
    afterRequest.push(last - sent)
  }
  for (const viewer of viewers) viewer.socket.close()
  return {
    viewers: VIEWERS,
    rounds: ROUNDS,
    lastViewerAfterReplyMs: { p50: round(percentile(afterReply, 0.5)), p99: round(percentile(afterReply, 0.99)) },
    lastViewerAfterRequestMs: { p50: round(percentile(afterRequest, 0.5)), p99: round(percentile(afterRequest, 0.99)) },
    missedDeliveries: missed,
  }
}
