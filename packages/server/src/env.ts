import type { ShareDirectory } from "./listing/share-directory.ts"
import type { SessionClaim } from "./share-object/session-claim.ts"
import type { ShareObject } from "./share-object/share-object.ts"

/** Bindings and vars of the Worker (see wrangler.jsonc; secrets are set with `wrangler secret put`). */
export type Env = {
  SESSIONS_STORE: R2Bucket
  SHARES: DurableObjectNamespace<ShareObject>
  /** Which share an unauthenticated create made for a session, one instance per session id (see `SessionClaim`). */
  SESSION_CLAIMS: DurableObjectNamespace<SessionClaim>
  /** The listing of every share: one instance, by name (see `directoryOf`). */
  DIRECTORY: DurableObjectNamespace<ShareDirectory>
  /**
   * Names the directory instance. Empty: the default. A new name starts an empty directory that imports every R2
   * entry again (listings come from R2 until it is done), e.g. to rebuild it after running an older Worker a while.
   */
  DIRECTORY_NAME?: string
  /** Host share URLs point at, without scheme. Empty: the origin of the creating request. */
  API_DOMAIN?: string
  /**
   * "true": answer only requests whose `Host` is a loopback name, an IP literal or `API_DOMAIN` (see
   * `isAllowedHost`). The local launcher sets it; a deployment behind Cloudflare does not need it.
   */
  LOCAL_HOSTS_ONLY?: string
  /** Comma-separated allowlist of browser origins for /rpc. */
  RPC_ALLOWED_ORIGINS?: string
  /** Secret: comma- or newline-separated list of bearer tokens accepted on /rpc (several, so tokens rotate). */
  RPC_TOKENS?: string
  /**
   * "true": `POST /api/share` also needs `Authorization: Bearer <token>` (one of RPC_TOKENS). Off by default so the
   * seed's CLI, which sends none, keeps working; turn it on once every client creates shares over /rpc or sends one.
   */
  HTTP_CREATE_REQUIRES_TOKEN?: string
  /** Optional overrides of the protocol's default limits. */
  MAX_BODY_BYTES?: string
  MAX_BATCH_ITEMS?: string
  /** Largest streamed sync body and its most items (lower only); defaults in `LIMITS`. */
  MAX_SYNC_BODY_BYTES?: string
  MAX_SYNC_ITEMS?: string
  /** Most row text a share page renders (lower only); default `PAGE_RENDER_BYTES`. */
  MAX_PAGE_BYTES?: string
  /** Largest WebSocket message / HTTP batch body accepted on /rpc (lower only); default in `RPC_LIMITS`. */
  RPC_MAX_MESSAGE_BYTES?: string
  /** Seconds without a message from the client before /rpc closes the socket; default in `RPC_LIMITS`. */
  RPC_IDLE_TIMEOUT_SECONDS?: string
}
