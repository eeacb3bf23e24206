import { once } from "node:events"
import { RPC_SUBPROTOCOL, type ShareRpc, type SyncData } from "@cloudsession/protocol"
import { makeSessionItems } from "@cloudsession/protocol/fixtures"
import { newWebSocketRpcSession, type RpcStub } from "capnweb"
import WebSocket from "ws"
import { watchSockets } from "../socket-watch.ts"
import { median, now, ratio, round } from "../stats.ts"

const ROUNDS = 40

type Variant = {
  name: string
  run: (stub: RpcStub<ShareRpc>, sessionID: string, data: SyncData[]) => Promise<unknown>
}

/**
 * Scenario 3: create a share and send its first batch. Pipelined, the sync is issued on the unresolved result of
 * the create (capnweb promise pipelining), so both travel in one round trip; awaited, the client waits for the
 * create's reply before it can send the sync. Round trips are counted on the socket (see socket-watch.ts), not
 * assumed: the figure is the most any round of the variant needed.
 */
export async function pipelining(baseUrl: string, token: string) {
  const variants: Variant[] = [
    {
      name: "pipelined createShare → syncShare",
      run: async (stub, sessionID, data) => {
        const created = stub.createShare(sessionID)
        await stub.syncShare(created.id, created.secret, data)
      },
    },
    {
      name: "awaited createShare, then syncShare",
      run: async (stub, sessionID, data) => {
        const created = await stub.createShare(sessionID)
        await stub.syncShare(created.id, created.secret, data)
      },
    },
  ]
  // Its own authenticated session on this process's `ws` (the one socket-watch observes; the built client bundles
  // a copy of its own).
  const socket = new WebSocket(`${baseUrl.replace(/^http/, "ws")}/rpc`, [RPC_SUBPROTOCOL], {
    headers: { Authorization: `Bearer ${token}` },
  })
  await once(socket, "open")
  // capnweb looks up the global WebSocket class even when handed a socket; Node 20 has none.
  globalThis.WebSocket ??= WebSocket as unknown as typeof globalThis.WebSocket
  const stub = newWebSocketRpcSession<ShareRpc>(socket as unknown as globalThis.WebSocket)
  const times = new Map<string, number[]>(variants.map((variant) => [variant.name, []]))
  const roundTrips = new Map<string, number>(variants.map((variant) => [variant.name, 0]))
  for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
    const ordered = roundIndex % 2 === 0 ? variants : [...variants].reverse()
    for (const [index, variant] of ordered.entries()) {
      const sessionID = `ses_bench_pipe_${roundIndex}_${index}_${Date.now()}`
      const data = makeSessionItems(sessionID, 20)
      const watch = watchSockets()
      const started = now()
      try {
        await variant.run(stub, sessionID, data)
      } finally {
        watch.stop()
      }
      times.get(variant.name)?.push(now() - started)
      roundTrips.set(variant.name, Math.max(roundTrips.get(variant.name) ?? 0, watch.roundTrips()))
    }
  }
  stub[Symbol.dispose]()
  socket.close()
  const awaited = median(times.get(variants[1]?.name ?? "") ?? [])
  return variants.map((variant) => {
    const ms = median(times.get(variant.name) ?? [])
    return {
      variant: variant.name,
      roundTrips: roundTrips.get(variant.name) ?? Number.NaN,
      medianMs: round(ms),
      vsAwaited: round(ratio(ms, awaited)),
    }
  })
}
