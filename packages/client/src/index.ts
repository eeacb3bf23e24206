/**
 * share-next, the cloudsession client library: share OpenCode sessions with a cloudsession server over RPC and keep
 * the one local record of each share. `connect` to a server, `openStore` for the local records, then a
 * `ShareClient` over both shares, syncs and unshares sessions (see packages/client/README.md). Everything else in
 * `src/` is internal: the CLI and the tests import it by path.
 */
export { snapshotToMarkdown } from "@cloudsession/protocol"
export { describeRedactions, type RedactionCounts } from "@cloudsession/protocol/redaction"
export { type ConnectionEvent, type ConnectOptions, connect, type RpcConnection } from "./connection/connection.ts"
export { ConnectionClosedError, ConnectionError, RpcAuthError, type UpgradeRefusal } from "./connection/errors.ts"
export type { RemoteDeletion } from "./delete-share.ts"
export {
  InvalidShareIdError,
  NotSharedError,
  ServerMismatchError,
  ServerRefusedError,
  ShareNotRecordedError,
} from "./errors.ts"
export { type FetchedShare, fetchShare } from "./export/fetch-share.ts"
/** The origin a server URL names (what share records are bound to); the OpenCode plugin compares records with it. */
export { serverOrigin } from "./server-origin.ts"
export { parseSessionFile, type SessionContent, SessionFileError } from "./session-file.ts"
export { ShareClient, type ShareClientOptions, type ShareOutcome, type UnshareOutcome } from "./share-client.ts"
export { importLegacyJson, type LegacyImportReport } from "./store/legacy-json.ts"
export { defaultDatabasePath, defaultLegacyShareDir } from "./store/paths.ts"
export type { ShareSummary } from "./store/share-repo.ts"
export { openStore, type ShareStore } from "./store/store.ts"
export type { BatchRejected, BatchSent, DrainSummary, ReplaySummary, RpcLink } from "./sync/outbox-sender.ts"
export { type BatchBudget, ItemTooLargeError } from "./sync/pack.ts"
export type { RedactionEvent, RedactionOptions } from "./sync/redaction.ts"
export type { SyncQueue, SyncQueueOptions } from "./sync/sync-queue.ts"
