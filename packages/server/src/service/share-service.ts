import {
  type CreatedShare,
  CreateRequestSchema,
  DeleteRequestSchema,
  type DeleteResult,
  encodedSize,
  LIMITS,
  SecretSchema,
  type SessionIndex,
  type SessionPage,
  ShareError,
  ShareIdSchema,
  type ShareSnapshot,
  SyncRequestSchema,
  type SyncResult,
} from "@cloudsession/protocol"
import { z } from "zod"
import { sha256Hex } from "../crypto/crypto.ts"
import type { Env } from "../env.ts"
import { directoryOf } from "../listing/directory-of.ts"
import { pageFromR2 } from "../listing/r2-page.ts"
import { publicOrigin } from "../settings/deployment.ts"
import { limitsOf, type ServiceLimits } from "../settings/limits.ts"
import { anonymousLimits } from "../settings/privacy.ts"
import { unwrap } from "../share-object/outcome.ts"
import { type PageView, readPage, readPart, readPartJson } from "./page-reader.ts"
import { claimSession, releaseSession } from "./session-claims.ts"
import { identityFromKey, randomIdentity } from "./share-identity.ts"
import { dataStream, type StoredHtml, snapshotForView, snapshotStream } from "./snapshot-reader.ts"
import { type ApplyOptions, SyncApplier } from "./sync-applier.ts"
import { syncFromStream } from "./sync-intake.ts"
import { transcriptStream } from "./transcript-reader.ts"
import { parseOrThrow } from "./validate.ts"

const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(LIMITS.maxPageSize).default(50),
  cursor: z.coerce.number().int().min(0).max(1_000_000).default(0),
  /** Case-insensitive text that the title or the directory must contain. */
  q: z.string().trim().max(200).optional(),
})

const SinceSchema = z.coerce.number().int().min(0).optional()

/**
 * Who is asking, as the adapter in front saw it. `client`: the caller's address key (see `clientKey`), which the
 * rate limits of anonymous shares count by. `anonymous`: a create without a token (its share gets the quotas and
 * the default expiry). `redact`: the items come from a client that does not redact (the JSON API), so the server
 * applies the same rules the client library does.
 */
export type Caller = { client: string; anonymous: boolean; redact: boolean }

/** A token holder over /rpc: its client redacted (or chose not to), and its syncs are not rate limited. */
export const TRUSTED_CALLER: Caller = { client: "", anonymous: false, redact: false }

/** The directory a non-owner may see: its last component, `~` for a home directory, never the whole path. */
export function shortDirectory(directory: string): string {
  const trimmed = directory.replace(/[\\/]+$/, "")
  if (trimmed === "") return directory === "" ? "" : "/"
  if (/^(?:\/home\/[^/]+|\/Users\/[^/]+|\/root|[A-Za-z]:\\Users\\[^\\]+|~)$/.test(trimmed)) return "~"
  const parts = trimmed.split(/[\\/]/)
  return parts.at(-1) ?? ""
}

/** A listing entry as anyone but the owner sees it. */
export function publicEntry(entry: SessionIndex): SessionIndex {
  return { ...entry, directory: shortDirectory(entry.directory) }
}

/**
 * The one place share operations happen. HTTP routes and RPC methods are thin adapters over this class: each
 * method takes untrusted input, validates and bounds it, and hands the work to the share's Durable Object.
 */
export class ShareService {
  private readonly env: Env
  readonly limits: ServiceLimits

  constructor(env: Env) {
    this.env = env
    this.limits = limitsOf(env)
  }

  /**
   * Create a share (optionally with its first batch, so create + first sync is one round trip). With a creation
   * key, sending the same create again answers with the same share and does not apply the initial data twice.
   */
  async create(input: unknown, requestOrigin: string, caller: Caller = TRUSTED_CALLER): Promise<CreatedShare> {
    const request = parseOrThrow(this.createSchema(), input, "request")
    const initialData = request.initialData ?? []
    this.checkTotal(initialData)
    const now = Date.now()
    const anonymous = caller.anonymous ? anonymousLimits(this.env) : undefined
    // An anonymous share lives at most the deployment's default; its creator may ask for less, never more.
    const lives = [request.expiresIn, anonymous?.expiryMs].filter((ms): ms is number => ms !== undefined)
    const expiresAt = lives.length === 0 ? undefined : now + Math.min(...lives)
    // With a key, a retry names the same share, and its Durable Object answers it as a replay (see ShareObject.create).
    const { id, secret } =
      request.creationKey === undefined ? randomIdentity() : await identityFromKey(request.creationKey)
    const claimed = caller.anonymous && request.creationKey === undefined
    if (claimed) await claimSession(this.env, request.sessionID, id, now)
    const outcome = await this.stub(id).create({
      shareID: id,
      sessionID: request.sessionID,
      secretHash: await sha256Hex(secret),
      now,
      expiresAt,
      anonymous: anonymous !== undefined,
    })
    if (!outcome.ok && claimed) await releaseSession(this.env, request.sessionID, id)
    const created = unwrap(outcome)
    const info = { id, secret, url: `${publicOrigin(this.env, requestOrigin)}/share/${id}` }
    // A replayed create (same key) applied its initial data the first time.
    if (created.duplicate || initialData.length === 0) return info
    // Its initial data counts as the create itself, not as a sync: no sync rate applies to it, its quota does.
    const result = await this.applyItems(id, secret, initialData, this.applyOptions(caller, false)).catch(
      async (error: unknown) => {
        // A create is whole or nothing: one whose initial data failed (over the quota, say) leaves no share.
        await this.stub(id).discard({ shareID: id, secret })
        if (claimed) await releaseSession(this.env, request.sessionID, id)
        throw error
      },
    )
    return result.refused.length === 0 ? info : { ...info, refused: result.refused }
  }

  /** A sync whose items are already parsed (RPC, or a JSON body): each item is checked on its own. */
  async sync(shareID: unknown, input: unknown, caller: Caller = TRUSTED_CALLER): Promise<SyncResult> {
    const id = parseOrThrow(ShareIdSchema, shareID, "shareID")
    const request = parseOrThrow(this.syncSchema(), input, "request")
    this.checkTotal(request.data)
    return this.applyItems(id, request.secret, request.data, this.applyOptions(caller, true), request.batchID)
  }

  /** `POST /api/share/:id/sync` read as a stream: a body of upstream's full-sync size, applied in bounded pieces. */
  async syncStream(
    shareID: unknown,
    body: ReadableStream<Uint8Array> | null,
    caller: Caller = TRUSTED_CALLER,
  ): Promise<SyncResult> {
    const id = parseOrThrow(ShareIdSchema, shareID, "shareID")
    const options = this.applyOptions(caller, true)
    return syncFromStream(this.stub(id), this.env.SESSIONS_STORE, id, body, this.limits, options)
  }

  /**
   * How a caller's items are applied: redacted when its client does not redact; against the anonymous quotas, which
   * the share's object applies when the share was created without a token; and, for a sync from anyone but a token
   * holder, against the anonymous sync rate (again only for such a share).
   */
  private applyOptions(caller: Caller, sync: boolean): ApplyOptions {
    const limits = anonymousLimits(this.env)
    const quota = { maxBytes: limits.maxBytes, maxItems: limits.maxItems }
    if (!sync || caller === TRUSTED_CALLER) return { redact: caller.redact, quota }
    const throttle = { client: caller.client, perClient: limits.syncsPerClient, global: limits.syncsGlobal }
    return { redact: caller.redact, quota, throttle }
  }

  private async applyItems(
    shareID: string,
    secret: string,
    items: unknown[],
    options: ApplyOptions,
    batchID?: string,
  ): Promise<SyncResult> {
    const bucket = this.env.SESSIONS_STORE
    const applier = await SyncApplier.open(this.stub(shareID), bucket, { shareID, secret, batchID }, options)
    for (const [index, item] of items.entries()) await applier.add(index, item, encodedSize(item))
    return applier.finish()
  }

  private syncSchema() {
    return SyncRequestSchema.extend({ data: z.array(z.unknown()).max(this.limits.maxBatchItems) })
  }

  private createSchema() {
    return CreateRequestSchema.extend({ initialData: z.array(z.unknown()).max(this.limits.maxBatchItems).optional() })
  }

  async remove(shareID: unknown, input: unknown): Promise<DeleteResult> {
    const id = parseOrThrow(ShareIdSchema, shareID, "shareID")
    const request = parseOrThrow(DeleteRequestSchema, input, "request")
    const removed = unwrap(await this.stub(id).remove({ shareID: id, secret: request.secret }))
    await releaseSession(this.env, removed.sessionID, id)
    return { success: true }
  }

  /** Check a share's secret; used to hand out a capability bound to the share. */
  async verify(shareID: unknown, secret: unknown): Promise<SessionIndex> {
    const id = parseOrThrow(ShareIdSchema, shareID, "shareID")
    const checked = parseOrThrow(SecretSchema, secret, "secret")
    return unwrap(await this.stub(id).verify({ shareID: id, secret: checked }))
  }

  /**
   * The share for a rendered view (the page, or live fragments `since` a version) with its stored HTML: at most
   * about `limits.maxPageBytes` of messages, parts and their HTML (the start of the conversation), so a huge session
   * cannot exhaust the Worker's memory on either route; `complete` is false when the rest was left out.
   */
  async getForView(
    shareID: unknown,
    since?: unknown,
  ): Promise<{ snapshot: ShareSnapshot; complete: boolean; html: StoredHtml }> {
    const id = parseOrThrow(ShareIdSchema, shareID, "shareID")
    const after = parseOrThrow(SinceSchema, since, "since")
    const read = await snapshotForView(this.source(id), id, after, this.limits.maxPageBytes)
    // Every row was validated when it was written; the text is the snapshot's own JSON.
    return { snapshot: JSON.parse(read.text) as ShareSnapshot, complete: read.complete, html: read.html }
  }

  /**
   * The share for a rendered page: whole turns (the latest, or those around `query.before` / `query.at`) up to about
   * `limits.maxPageBytes` of row JSON, with the index of every turn; `query.v` shows the share as it was at that
   * version. A page costs what it shows, whatever the session's size.
   */
  async getPage(shareID: unknown, query: unknown): Promise<PageView> {
    const id = parseOrThrow(ShareIdSchema, shareID, "shareID")
    return readPage(this.source(id), id, query, this.limits.maxPageBytes)
  }

  /** One part whole (its message too): what a clipped part's "show all" opens. */
  async getPart(shareID: unknown, partID: unknown): Promise<Awaited<ReturnType<typeof readPart>>> {
    const id = parseOrThrow(ShareIdSchema, shareID, "shareID")
    return readPart(this.source(id), id, partID)
  }

  /** One part's JSON as stored (a part too big for a page is shown clipped; this is all of it). */
  async getPartJson(shareID: unknown, partID: unknown): Promise<string | ReadableStream<Uint8Array>> {
    const id = parseOrThrow(ShareIdSchema, shareID, "shareID")
    return readPartJson(this.source(id), id, partID)
  }

  /**
   * The share as viewers see it (with `since`, only what changed after that version), streamed as JSON text: memory
   * stays at one page whatever the share's size. Never includes the secret.
   */
  async getStream(shareID: unknown, since?: unknown): Promise<ReadableStream<Uint8Array>> {
    const id = parseOrThrow(ShareIdSchema, shareID, "shareID")
    const after = parseOrThrow(SinceSchema, since, "since")
    return snapshotStream(this.source(id), id, after)
  }

  /** The share as upstream's flat `[{ type, data }]` list (what `opencode import <url>` reads), streamed. */
  async getData(shareID: unknown): Promise<ReadableStream<Uint8Array>> {
    const id = parseOrThrow(ShareIdSchema, shareID, "shareID")
    return dataStream(this.source(id), id)
  }

  /** The share as a Markdown transcript, streamed: memory stays at a page of rows whatever the share's size. */
  async getTranscript(shareID: unknown): Promise<ReadableStream<Uint8Array>> {
    const id = parseOrThrow(ShareIdSchema, shareID, "shareID")
    return transcriptStream(this.source(id), id)
  }

  /** A share's listing entry for whoever holds its link: the directory shortened (see `shortDirectory`). */
  async metadata(shareID: unknown): Promise<SessionIndex> {
    const id = parseOrThrow(ShareIdSchema, shareID, "shareID")
    return publicEntry(unwrap(await this.stub(id).metadata({ shareID: id })))
  }

  /**
   * A viewer's live socket: the upgrade goes to the share's Durable Object, which holds the socket (hibernation
   * API) and answers 101, or refuses (unknown share, too many viewers) with a response of its own.
   */
  async viewerSocket(shareID: unknown, request: Request): Promise<Response> {
    const id = parseOrThrow(ShareIdSchema, shareID, "shareID")
    const url = new URL(request.url)
    url.searchParams.set("share", id)
    return this.stub(id).fetch(new Request(url, request))
  }

  /**
   * Listing entries, newest first, optionally only those matching `q`. The cursor is an offset into that order.
   * Served by the share directory; only while it is still importing the entries that predate it does a listing
   * walk R2 as it used to.
   */
  async list(query: { limit?: unknown; cursor?: unknown; q?: unknown }): Promise<SessionPage> {
    const page = parseOrThrow(PageQuerySchema, query, "query")
    const wanted = { limit: page.limit, offset: page.cursor, q: page.q ?? "" }
    const listed = await directoryOf(this.env).page(wanted)
    if (listed.ready) return listed.page
    return pageFromR2(this.env.SESSIONS_STORE, wanted)
  }

  /**
   * The public listing: only shares the owner marked `listed`, with shortened directories, and searchable by title
   * only (a directory search would tell what the shortened paths hide). Only from the directory: while it is still
   * importing, the public listing is empty rather than read from R2, which knows nothing of `listed`.
   */
  async listPublic(query: { limit?: unknown; cursor?: unknown; q?: unknown }): Promise<SessionPage> {
    const page = parseOrThrow(PageQuerySchema, query, "query")
    const wanted = { limit: page.limit, offset: page.cursor, q: page.q ?? "", listedOnly: true }
    const listed = await directoryOf(this.env).page(wanted)
    if (!listed.ready) return { sessions: [] }
    return { ...listed.page, sessions: listed.page.sessions.map(publicEntry) }
  }

  /**
   * A parsed batch's encoded size (the RPC path has no HTTP body limit in front, only the message limit); each
   * item's own bounds are checked one by one, so one bad item is refused alone (see `SyncApplier`).
   */
  private checkTotal(data: unknown[]): void {
    const total = data.reduce<number>((sum, item) => sum + encodedSize(item), 0)
    if (total > this.limits.maxBodyBytes) {
      throw new ShareError("payload_too_large", `a batch is at most ${this.limits.maxBodyBytes} bytes (got ${total})`)
    }
  }

  private source(shareID: string) {
    return { stub: this.stub(shareID), bucket: this.env.SESSIONS_STORE }
  }

  private stub(shareID: string) {
    return this.env.SHARES.get(this.env.SHARES.idFromName(shareID))
  }
}
