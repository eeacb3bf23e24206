import { serverOrigin } from "@cloudsession/client"
import type { OpencodeEvent } from "./events.ts"
import { LiveShare, type ShareInfo } from "./live-share.ts"
import type { Logger } from "./log.ts"
import type { SessionSource } from "./session-source.ts"

export type { OpencodeEvent } from "./events.ts"
export type { ShareInfo } from "./live-share.ts"
export type { Logger } from "./log.ts"
export { clientSource, type OpencodeClient, type SessionSource } from "./session-source.ts"

export type ShareNextOptions = {
  /** Origin of the cloudsession server. */
  url: string
  /** Bearer token for its `/rpc`. */
  token: string
  /** Path of OpenCode's database (its `session_share` table holds the records). */
  database: string
  /** Subscribe to OpenCode's events (every event; the ones that change a shared session are synced). */
  subscribe: (listener: (event: OpencodeEvent) => void) => () => void
  /** Reads a whole session when it is shared, and the models it used. */
  source: SessionSource
  log?: Logger
  debounceMs?: number
  /** How long `dispose` may wait for unsent changes (ms). */
  exitFlushMs?: number
  /** Send the token over `ws://` to a host that is not this machine (refused unless set). */
  allowCleartext?: boolean
}

/** The surface of upstream OpenCode's `ShareNext`, for forks that replace its body with a call to this. */
export type ShareNext = {
  init(): Promise<void>
  create(sessionID: string): Promise<ShareInfo>
  remove(sessionID: string): Promise<void>
  url(): Promise<string>
  dispose(): Promise<void>
}

/** A `ShareNext` that shares over the server's authenticated `/rpc` through the cloudsession client library. */
export function createShareNext(options: ShareNextOptions): ShareNext {
  const server = serverOrigin(options.url)
  if (server === undefined) throw new TypeError(`not a server URL: ${options.url}`)
  const log: Logger = options.log ?? (() => {})
  let live: Promise<LiveShare> | undefined
  let unsubscribe: (() => void) | undefined
  const ready = (): Promise<LiveShare> => {
    live ??= LiveShare.open({ ...options, server, log })
    return live
  }
  return {
    async init() {
      const share = await ready()
      unsubscribe?.()
      unsubscribe = options.subscribe((event) => share.handle(event))
      void share.replay().catch(() => {})
    },
    create: async (sessionID) => (await ready()).share(sessionID),
    async remove(sessionID) {
      await (await ready()).unshare(sessionID)
    },
    url: async () => server,
    async dispose() {
      unsubscribe?.()
      unsubscribe = undefined
      if (live !== undefined) await (await live).close(options.exitFlushMs ?? 5_000)
      live = undefined
    },
  }
}
