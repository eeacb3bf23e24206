import { existsSync } from "node:fs"
import { describeRedactions, type RedactionCounts } from "@cloudsession/protocol/redaction"
import { connect, type RpcConnection } from "../connection/connection.ts"
import { ShareClient } from "../share-client.ts"
import { openStore, type ShareStore } from "../store/store.ts"
import type { BatchSent } from "../sync/outbox-sender.ts"
import { DEFAULT_BUDGET } from "../sync/pack.ts"
import { type CommonFlags, databasePath, rpcToken } from "./config.ts"
import { replayPending } from "./replay.ts"
import { printErr } from "./terminal.ts"

/** Open the store for the duration of `work`, closing it whatever happens. */
export async function withStore<T>(flags: CommonFlags, work: (store: ShareStore) => Promise<T> | T): Promise<T> {
  const store = await openStore(databasePath(flags))
  try {
    return await work(store)
  } finally {
    store.close()
  }
}

/**
 * For commands that only read records: a store file that does not exist holds no shares, and looking must not
 * create it (nor its directory), so `missing` answers instead.
 */
export async function withExistingStore<T>(
  flags: CommonFlags,
  work: (store: ShareStore) => Promise<T> | T,
  missing: () => T,
): Promise<T> {
  const path = databasePath(flags)
  if (path !== ":memory:" && !existsSync(path)) return missing()
  return withStore(flags, work)
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
    allowCleartext: flags.allowCleartext === true,
    reconnectWindowMs: 60_000,
    onEvent: (event) => {
      if (event.type === "broken") printErr(`connection lost (${event.reason}); reconnecting\n`)
      if (event.type === "connected" && process.env.CLOUDSESSION_DEBUG) printErr(`connected\n`)
    },
  })
  try {
    return await work(connection)
  } finally {
    connection.close()
  }
}

/**
 * Run `work` with a share client on an open connection, then send what other sessions shared on this server still
 * have pending (left by a crash or a lost connection): any command that connects delivers them. Secrets are
 * redacted unless `--no-redact`; how many were (per rule, never their values) is said on stderr.
 */
export async function withShareClient<T>(
  store: ShareStore,
  connection: RpcConnection,
  server: string,
  onBatchSent: (event: BatchSent) => void,
  work: (client: ShareClient) => Promise<T>,
  flags: Pick<CommonFlags, "redact" | "allowCleartext"> = {},
): Promise<T> {
  const counts: RedactionCounts = {}
  const client = new ShareClient({
    store,
    link: connection,
    server,
    allowCleartext: flags.allowCleartext === true,
    onBatchSent,
    budget: budgetFromEnv(),
    redaction: {
      enabled: flags.redact !== false,
      onRedacted: (event) => {
        for (const [rule, count] of Object.entries(event.counts)) counts[rule] = (counts[rule] ?? 0) + count
      },
    },
  })
  try {
    const result = await work(client)
    await replayPending(client)
    return result
  } finally {
    client.close()
    if (Object.keys(counts).length > 0) process.stderr.write(`${describeRedactions(counts)}\n`)
  }
}

/**
 * Tests reshape batches to exercise multi-batch uploads with small sessions, or a batch the server refuses
 * (`CLOUDSESSION_BATCH_ITEMS`, `CLOUDSESSION_BATCH_BYTES`).
 */
function budgetFromEnv() {
  const items = Number(process.env.CLOUDSESSION_BATCH_ITEMS)
  const bytes = Number(process.env.CLOUDSESSION_BATCH_BYTES)
  const hasItems = Number.isInteger(items) && items > 0
  const hasBytes = Number.isInteger(bytes) && bytes > 0
  if (!hasItems && !hasBytes) return undefined
  return {
    ...DEFAULT_BUDGET,
    ...(hasItems ? { maxItems: items } : {}),
    ...(hasBytes ? { maxBytes: bytes } : {}),
  }
}
