import { connect } from "@cloudsession/client"
import type { ShareInfo, SyncData } from "@cloudsession/protocol"
import { makeTextPart } from "@cloudsession/protocol/fixtures"
import type { HttpApi } from "../http.ts"
import { now, round } from "../stats.ts"

export type ConcurrencyOptions = { clients: number; partsPerClient: number; partsPerSync: number }

export const FULL_CONCURRENCY: ConcurrencyOptions = { clients: 50, partsPerClient: 200, partsPerSync: 10 }

function clientParts(sessionID: string, client: number, options: ConcurrencyOptions): SyncData[] {
  return Array.from({ length: options.partsPerClient }, (_, index) => ({
    type: "part" as const,
    data: makeTextPart(sessionID, `msg_client_${client}`, client * 100_000 + index, `client ${client} part ${index}`),
  }))
}

/**
 * Scenario 4: many clients, each on its own authenticated RPC connection, syncing distinct parts into one share at
 * the same time. The share's Durable Object serialises the writes; afterwards every part must be there.
 */
export async function concurrency(api: HttpApi, token: string, options = FULL_CONCURRENCY) {
  const sessionID = `ses_bench_concurrency_${Date.now()}`
  const share: ShareInfo = await api.create(sessionID)
  const connections = await Promise.all(
    Array.from({ length: options.clients }, () => connect({ url: api.base, token })),
  )
  const started = now()
  await Promise.all(
    connections.map(async (connection, client) => {
      const stub = await connection.stub()
      const parts = clientParts(sessionID, client, options)
      for (let offset = 0; offset < parts.length; offset += options.partsPerSync) {
        await stub.syncShare(share.id, share.secret, parts.slice(offset, offset + options.partsPerSync))
      }
    }),
  )
  const seconds = (now() - started) / 1000
  for (const connection of connections) connection.close()
  const snapshot = await api.snapshot(share.id)
  const expected = options.clients * options.partsPerClient
  const distinct = new Set(snapshot.parts.map((part) => part.id)).size
  const syncsSent = options.clients * Math.ceil(options.partsPerClient / options.partsPerSync)
  return {
    clients: options.clients,
    partsPerClient: options.partsPerClient,
    expectedParts: expected,
    storedParts: snapshot.parts.length,
    itemsLost: expected - distinct,
    // Parts are keyed by id, so a duplicate cannot show as an extra row; it would show as a sync applied twice.
    syncsSent,
    syncsApplied: snapshot.metadata.syncCount,
    duplicated: snapshot.metadata.syncCount - syncsSent,
    partsPerSecond: round(expected / seconds, 0),
    seconds: round(seconds),
  }
}
