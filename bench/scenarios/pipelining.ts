import type { RpcConnection } from "@cloudsession/client"
import type { SyncData } from "@cloudsession/protocol"
import { makeSessionItems } from "@cloudsession/protocol/fixtures"
import { median, now, ratio, round } from "../stats.ts"

const ROUNDS = 40

type Variant = { name: string; roundTrips: number; run: (sessionID: string, data: SyncData[]) => Promise<unknown> }

/**
 * Scenario 3: create a share and send its first batch. Pipelined, the sync is issued on the unresolved result of
 * the create (capnweb promise pipelining), so both travel in one round trip; awaited, the client waits for the
 * create's reply before it can send the sync. Round trips are the client's sequential waits on the network.
 */
export async function pipelining(connection: RpcConnection) {
  const variants: Variant[] = [
    {
      name: "pipelined createShare → syncShare",
      roundTrips: 1,
      run: async (sessionID, data) => {
        const stub = await connection.stub()
        const created = stub.createShare(sessionID)
        await stub.syncShare(created.id, created.secret, data)
      },
    },
    {
      name: "awaited createShare, then syncShare",
      roundTrips: 2,
      run: async (sessionID, data) => {
        const stub = await connection.stub()
        const created = await stub.createShare(sessionID)
        await stub.syncShare(created.id, created.secret, data)
      },
    },
  ]
  const times = new Map<string, number[]>(variants.map((variant) => [variant.name, []]))
  for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
    const ordered = roundIndex % 2 === 0 ? variants : [...variants].reverse()
    for (const variant of ordered) {
      const sessionID = `ses_bench_pipe_${roundIndex}_${variant.roundTrips}_${Date.now()}`
      const started = now()
      await variant.run(sessionID, makeSessionItems(sessionID, 20))
      times.get(variant.name)?.push(now() - started)
    }
  }
  const awaited = median(times.get(variants[1]?.name ?? "") ?? [])
  return variants.map((variant) => {
    const ms = median(times.get(variant.name) ?? [])
    return {
      variant: variant.name,
      roundTrips: variant.roundTrips,
      medianMs: round(ms),
      vsAwaited: round(ratio(ms, awaited)),
    }
  })
}
