import {
  openStore,
  type ShareClient,
  ShareClient as ShareClientClass,
  type ShareStore,
  type SyncQueue,
  serverOrigin,
} from "@cloudsession/client"
import type { SyncData } from "@cloudsession/protocol"
import { changeOf, type OpencodeEvent } from "./events.ts"
import { LazyLink } from "./lazy-link.ts"
import { LiveParts } from "./live-parts.ts"
import type { Logger } from "./log.ts"
import type { SessionSource } from "./session-source.ts"

export type LiveShareOptions = {
  /** Origin of the cloudsession server. */
  server: string
  token: string
  /** OpenCode's database: the share records live in its `session_share` table, next to the outbox. */
  database: string
  source: SessionSource
  log: Logger
  debounceMs?: number
  /** Send the token over `ws://` to a host that is not this machine (refused otherwise; see `LazyLink`). */
  allowCleartext?: boolean
  /** How long each new share lives (`7d`); absent: until it is unshared. */
  expire?: string
}

/** What OpenCode's share client expects back from a create, and keeps in its `session_share` row. */
export type ShareInfo = { id: string; url: string; secret: string }

export type UnshareResult = "deleted" | "already-gone" | "not-here"

type Creation = { done: Promise<ShareInfo> }

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)))

/**
 * Resolve when `promise` settles or `ms` pass, whichever is first; never rejects. The timer is cleared when the
 * promise wins: a pending one would keep the process alive for the rest of the deadline after `close` returned.
 */
const within = (promise: Promise<unknown>, ms: number): Promise<void> =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, ms))
    const done = () => {
      clearTimeout(timer)
      resolve()
    }
    promise.then(done, done)
  })

/**
 * Live sharing of a running OpenCode's sessions: every change OpenCode reports for a shared session goes through
 * the share client's coalescing queue and outbox to the server over the authenticated `/rpc` connection.
 * The share records are rows of OpenCode's own `session_share` table, so the URL OpenCode shows is the share this
 * syncs; a session counts as shared here when its row names this server.
 */
export class LiveShare {
  readonly server: string
  readonly #store: ShareStore
  readonly #client: ShareClient
  readonly #link: LazyLink
  readonly #source: SessionSource
  readonly #log: Logger
  readonly #debounceMs: number
  readonly #expire: string | undefined
  readonly #parts = new LiveParts()
  readonly #queues = new Map<string, SyncQueue>()
  readonly #creating = new Map<string, Creation>()
  /** Changes held back while a session's snapshot is read, sent right after it (see `#hold`). */
  readonly #held = new Map<string, SyncData[]>()
  /** Sessions shared by OpenCode's own HTTP client that this process has brought up to date once. */
  readonly #resynced = new Set<string>()
  /** Whether a session's record names this server; read from the table once per session, then kept current. */
  readonly #sharedHere = new Map<string, boolean>()
  readonly #reported = new Set<string>()
  #lastEvent = 0
  #closed = false
  #storeClosed = false

  private constructor(options: LiveShareOptions, server: string, store: ShareStore) {
    this.server = server
    this.#store = store
    this.#source = options.source
    this.#log = options.log
    this.#debounceMs = options.debounceMs ?? 100
    this.#expire = options.expire
    this.#link = new LazyLink({
      url: server,
      token: options.token,
      log: options.log,
      allowCleartext: options.allowCleartext === true,
    })
    this.#client = new ShareClientClass({
      store,
      link: this.#link,
      server,
      allowCleartext: options.allowCleartext === true,
    })
  }

  static async open(options: LiveShareOptions): Promise<LiveShare> {
    const server = serverOrigin(options.server)
    if (server === undefined) throw new TypeError(`not a server URL: ${options.server}`)
    return new LiveShare(options, server, await openStore(options.database))
  }

  /** Send what an earlier run could not (it stays in the outbox until the server has it). */
  async replay(): Promise<void> {
    if (!this.#hasPending()) return
    const summary = await this.#client.replayOutbox()
    if (summary.batches > 0) this.#log("info", `sent ${summary.batches} batches left over from an earlier run`)
  }

  /**
   * Share a session (or return its existing share): the whole session goes out with the create, and changes
   * OpenCode reports meanwhile are held and sent right after, so none falls between the snapshot and the record.
   */
  share(sessionID: string): Promise<ShareInfo> {
    if (this.#closed) return Promise.reject(new Error("cloudsession: the plugin is shutting down"))
    const pending = this.#creating.get(sessionID)
    if (pending !== undefined) return pending.done
    const existing = this.#store.shares.get(sessionID)
    if (existing !== undefined && this.#isSharedHere(sessionID)) return Promise.resolve(infoOf(existing))
    if (existing !== undefined) {
      this.#log("warn", `session ${sessionID} was shared at ${existing.url}; sharing it on ${this.server} instead`)
      this.#store.shares.remove(sessionID)
      this.#sharedHere.set(sessionID, false)
    }
    const done = this.#hold(sessionID, async (items) => {
      const outcome = await this.#client.share(
        sessionID,
        items,
        this.#expire === undefined ? {} : { expiresIn: this.#expire },
      )
      // Too large for any way to the server: left out, the rest of the session is shared; said once each.
      for (const error of outcome.sent.tooLarge) this.#report(error)
      const row = this.#store.shares.get(sessionID)
      if (row === undefined) throw new Error(`the share of ${sessionID} was not recorded`)
      this.#sharedHere.set(sessionID, true)
      this.#log("info", `shared ${sessionID} at ${row.url}`)
      return infoOf(row)
    }).finally(() => this.#creating.delete(sessionID))
    this.#creating.set(sessionID, { done })
    return done
  }

  /**
   * Read the whole session and hand it to `send`, holding back the changes OpenCode reports meanwhile; they go to
   * the queue right after, in the same turn as `send` finished, so none falls between the snapshot and the share.
   * (The last event about an item always carries its latest state, so replaying them over the snapshot is safe.)
   */
  async #hold<T>(sessionID: string, send: (items: SyncData[]) => Promise<T>): Promise<T> {
    const held: SyncData[] = []
    this.#held.set(sessionID, held)
    try {
      const result = await send(await this.#source.snapshot(sessionID))
      this.#held.delete(sessionID)
      if (held.length > 0) this.#queue(sessionID).push(...held)
      return result
    } finally {
      this.#held.delete(sessionID)
    }
  }

  /**
   * A share OpenCode's own HTTP client made (before the plugin) may miss what that client never sent (it drops
   * what is unsent at exit): the first change of such a session in this process sends the whole session once.
   */
  #resyncLegacy(sessionID: string): boolean {
    if (this.#resynced.has(sessionID)) return false
    this.#resynced.add(sessionID)
    if (this.#store.shares.get(sessionID)?.source === "rpc") return false
    void this.#hold(sessionID, async (items) => this.#queue(sessionID).push(...items)).catch((error: unknown) =>
      this.#report(error),
    )
    return true
  }

  /** Unshare the session whose share has this id (OpenCode's share client knows shares by id). */
  async unshareShare(shareID: string): Promise<UnshareResult> {
    const record = this.#store.shares.list().find((share) => share.id === shareID)
    if (record === undefined) return "not-here"
    return this.unshare(record.sessionID)
  }

  /** Delete the share on the server and its record; a record of another server is only forgotten here. */
  async unshare(sessionID: string): Promise<UnshareResult> {
    this.#queues.get(sessionID)?.close()
    this.#queues.delete(sessionID)
    const here = this.#isSharedHere(sessionID)
    this.#sharedHere.set(sessionID, false)
    if (!here) {
      this.#store.shares.remove(sessionID)
      return "not-here"
    }
    const outcome = await this.#client.unshare(sessionID)
    this.#log("info", `unshared ${sessionID}`)
    return outcome.remote
  }

  url(sessionID: string): string | undefined {
    return this.#isSharedHere(sessionID) ? this.#store.shares.get(sessionID)?.url : undefined
  }

  /** One OpenCode event; never throws and never waits (OpenCode awaits its plugins' event hooks). */
  handle(event: OpencodeEvent): void {
    if (this.#closed) return
    this.#lastEvent = Date.now()
    try {
      for (const change of changeOf(event, this.#parts)) {
        if (change.kind === "idle") this.#parts.forgetSession(change.sessionID)
        if (change.kind === "items") this.#deliver(change.sessionID, change.items)
        if (change.kind === "model" && this.#wanted(change.sessionID)) {
          void this.#source
            .model(change.providerID, change.modelID)
            .then((model) => model !== undefined && this.#deliver(change.sessionID, [{ type: "model", data: [model] }]))
            .catch((error: unknown) => this.#report(error))
        }
      }
    } catch (error) {
      this.#report(error)
    }
  }

  /**
   * Stop, sending what is still pending within `deadlineMs`. OpenCode publishes a turn's last updates while it
   * disposes plugins, so this first waits for its events to go quiet. What misses the deadline stays in the
   * outbox and goes out at the next start. Returns the number of batches left there.
   */
  async close(deadlineMs: number): Promise<number> {
    if (this.#closed) return 0
    const deadline = Date.now() + deadlineMs
    const quietUntil = Math.min(deadline, Date.now() + 1_500)
    while (Date.now() < quietUntil && Date.now() - this.#lastEvent < 150) await sleep(50)
    await within(
      Promise.allSettled([...this.#creating.values()].map((creation) => creation.done)),
      deadline - Date.now(),
    )
    this.#closed = true
    // Closing the client closes the queues, which write what they hold to the outbox.
    this.#client.close()
    if (!this.#link.refused) await within(this.#client.replayOutbox(), deadline - Date.now())
    const left = this.#pendingBatches()
    this.#link.close()
    this.#storeClosed = true
    this.#store.close()
    if (left > 0) this.#log("warn", `${left} batches could not be sent before exit; they go out at the next start`)
    return left
  }

  #wanted(sessionID: string): boolean {
    return this.#held.has(sessionID) || this.#isSharedHere(sessionID)
  }

  #deliver(sessionID: string, items: SyncData[]): void {
    if (this.#closed) return
    const held = this.#held.get(sessionID)
    if (held !== undefined) {
      held.push(...items)
      return
    }
    if (!this.#isSharedHere(sessionID)) return
    if (this.#resyncLegacy(sessionID)) {
      this.#held.get(sessionID)?.push(...items)
      return
    }
    this.#queue(sessionID).push(...items)
  }

  #isSharedHere(sessionID: string): boolean {
    const known = this.#sharedHere.get(sessionID)
    if (known !== undefined) return known
    const server = this.#store.shares.get(sessionID)?.server
    const here = server != null && serverOrigin(server) === this.server
    this.#sharedHere.set(sessionID, here)
    return here
  }

  #queue(sessionID: string): SyncQueue {
    const existing = this.#queues.get(sessionID)
    if (existing !== undefined && !existing.closed) return existing
    const queue = this.#client.queue(sessionID, {
      debounceMs: this.#debounceMs,
      onError: (error) => this.#report(error),
    })
    this.#queues.set(sessionID, queue)
    return queue
  }

  #hasPending(): boolean {
    return this.#store.outbox.sessionsWithPending().some((sessionID) => this.#isSharedHere(sessionID))
  }

  #pendingBatches(): number {
    return this.#store.outbox
      .sessionsWithPending()
      .filter((sessionID) => this.#isSharedHere(sessionID))
      .reduce((sum, sessionID) => sum + this.#store.outbox.count(sessionID), 0)
  }

  /** Problems while syncing: once per distinct message (a refused token is already reported by the link). */
  #report(error: unknown): void {
    if (this.#link.refused) return
    // A send still under way when the exit deadline passed fails on the closed store: that is the exit, not news
    // (its batch stays in the outbox, counted in the exit warning).
    if (this.#storeClosed) return
    const message = error instanceof Error ? error.message : String(error)
    if (this.#reported.has(message)) return
    this.#reported.add(message)
    this.#log("warn", message)
  }
}

function infoOf(row: { id: string; url: string; secret: string }): ShareInfo {
  return { id: row.id, url: row.url, secret: row.secret }
}
