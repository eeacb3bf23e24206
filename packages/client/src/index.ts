/** share-next: the cloudsession client library. */

export { describeRedactions, type RedactionCounts } from "@cloudsession/protocol/redaction"
export { type BackoffOptions, backoffDelay } from "./connection/backoff.ts"
export { type ConnectionEvent, type ConnectOptions, connect, RpcConnection } from "./connection/connection.ts"
export { rpcEndpoint } from "./connection/endpoint.ts"
export { ConnectionClosedError, ConnectionError, RpcAuthError, type UpgradeRefusal } from "./connection/errors.ts"
export {
  InvalidShareIdError,
  NotSharedError,
  ServerMismatchError,
  ServerRefusedError,
  ShareNotRecordedError,
} from "./errors.ts"
export { fetchShare } from "./export/fetch-share.ts"
export { snapshotToMarkdown } from "./export/markdown.ts"
export { serverOrigin } from "./server-origin.ts"
export { parseSessionFile, type SessionContent, SessionFileError } from "./session-file.ts"
export { ShareClient, type ShareClientOptions, type ShareOutcome, type UnshareOutcome } from "./share-client.ts"
export { importLegacyJson, type LegacyImportReport } from "./store/legacy-json.ts"
export { defaultDatabasePath, defaultLegacyShareDir } from "./store/paths.ts"
export type { OutboxRow, ShareRow, ShareSource } from "./store/schema.ts"
export type { ShareSummary } from "./store/share-repo.ts"
export { openStore, type ShareStore } from "./store/store.ts"
export { Coalescer, coalesce, itemKey } from "./sync/coalesce.ts"
export type { BatchRejected, BatchSent, DrainSummary, ReplaySummary, RpcLink } from "./sync/outbox-sender.ts"
export {
  type BatchBudget,
  DEFAULT_BUDGET,
  ItemTooLargeError,
  type Oversized,
  packBatches,
  partitionBySize,
} from "./sync/pack.ts"
export { ItemRedactor, type RedactionEvent, type RedactionOptions } from "./sync/redaction.ts"
export { type QueueOutbox, SyncQueue, type SyncQueueOptions } from "./sync/sync-queue.ts"
