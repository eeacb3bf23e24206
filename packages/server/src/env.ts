import type { ShareDirectory } from "./listing/share-directory.ts"
import type { RateLimiter } from "./quota/rate-limiter.ts"
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
  /** Rate counters of shares created without a token: one instance per client key, one for everyone. */
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>
  /** Limits of shares created without a token (see `anonymousLimits` for the defaults). */
  ANONYMOUS_CREATES_PER_MINUTE?: string
  ANONYMOUS_CREATES_GLOBAL_PER_MINUTE?: string
  ANONYMOUS_SYNCS_PER_MINUTE?: string
  ANONYMOUS_SYNCS_GLOBAL_PER_MINUTE?: string
  ANONYMOUS_MAX_SHARE_BYTES?: string
  ANONYMOUS_MAX_SHARE_ITEMS?: string
  /** How long a share created without a token lives at most (`30d`, `12h`, ...); default 30 days. */
  ANONYMOUS_EXPIRY?: string
  /** "true": `/public` lists the shares the owner marked `listed` (title and last directory component only). */
  PUBLIC_LISTING?: string
  /** "false": items from clients that do not redact (the JSON API) are stored as sent. Default: redacted. */
  REDACT_HTTP_ITEMS?: string
  /**
   * Cloudflare Access in front of the owner's pages (see docs/privacy.md): the team (`<team>.cloudflareaccess.com`)
   * and the application's AUD tag(s); an identity Access lets through is the owner (only `ACCESS_OWNER_EMAILS`, when
   * set). `ACCESS_JWKS`: the team's public keys pinned as JSON; by default they are fetched from the team.
   */
  ACCESS_TEAM_DOMAIN?: string
  ACCESS_AUD?: string
  ACCESS_JWKS?: string
  ACCESS_OWNER_EMAILS?: string
  /** Hours the owner's sign-in cookie lasts; default 12. */
  OWNER_SESSION_HOURS?: string
  /** Seconds an /rpc WebSocket lives before its client reconnects with its token; default 60. */
  RPC_SESSION_MAX_SECONDS?: string
}
