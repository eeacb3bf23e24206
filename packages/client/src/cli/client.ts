import { connect, type RpcConnection } from "../connection/connection.ts"
import { ShareClient } from "../share-client.ts"
import { openStore, type ShareStore } from "../store/store.ts"
import type { BatchSent } from "../sync/outbox-sender.ts"
import { DEFAULT_BUDGET } from "../sync/pack.ts"
import { type CommonFlags, databasePath, rpcToken } from "./config.ts"

/** Open the store for the duration of `work`, closing it whatever happens. */
export async function withStore<T>(flags: CommonFlags, work: (store: ShareStore) => Promise<T> | T): Promise<T> {
  const store = await openStore(databasePath(flags))
  try {
    return await work(store)
  } finally {
    store.close()
  }
}

/** Connect (authenticating first, so a refused token fails before anything else happens), then run `work`. */
export async function withConnection<T>(
  flags: CommonFlags,
  server: string,
  work: (connection: RpcConnection) => Promise<T>,
): Promise<T> {
  const connection = await connect({
    url: server,
    token: rpcToken(flags),
    reconnectWindowMs: 60_000,
    onEvent: (event) => {
      if (event.type === "broken") process.stderr.write(`connection lost (${event.reason}); reconnecting\n`)
      if (event.type === "connected" && process.env.CLOUDSESSION_DEBUG) process.stderr.write(`connected\n`)
    },
  })
  try {
    return await work(connection)
  } finally {
    connection.close()
  }
}

export function shareClient(
  store: ShareStore,
  connection: RpcConnection,
  server: string,
  onBatchSent: (event: BatchSent) => void,
): ShareClient {
  return new ShareClient({ store, link: connection, server, onBatchSent, budget: budgetFromEnv() })
}

/** Tests shrink batches to exercise multi-batch uploads with small sessions (`CLOUDSESSION_BATCH_ITEMS`). */
function budgetFromEnv() {
  const items = Number(process.env.CLOUDSESSION_BATCH_ITEMS)
  if (!Number.isInteger(items) || items <= 0) return undefined
  return { ...DEFAULT_BUDGET, maxItems: items }
}
