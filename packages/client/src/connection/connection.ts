import type { ShareRpc } from "@cloudsession/protocol"
import { newWebSocketRpcSession, type RpcStub } from "capnweb"
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF, sleep } from "./backoff.ts"
import { isCleartextRemote, rpcEndpoint } from "./endpoint.ts"
import { CleartextRefusedError, ConnectionClosedError, ConnectionError, RpcAuthError, redact } from "./errors.ts"
import { openSocket, type RpcSocket } from "./websocket.ts"

/** What happens to a connection, for diagnostics (`ConnectOptions.onEvent`); never carries the token. */
export type ConnectionEvent =
  | { type: "connected"; url: string }
  | { type: "broken"; reason: string }
  | { type: "retrying"; attempt: number; delayMs: number; reason: string }
  | { type: "gave-up"; reason: string }

/** Where `connect` goes, with which token, and how hard it tries. */
export type ConnectOptions = {
  /** Server origin (`https://share.example`) or the ws(s) URL of its `/rpc` endpoint. */
  url: string
  /** Bearer token sent in the upgrade request's `Authorization` header on every (re)connect. */
  token: string
  /** How long one attempt to open the socket may take. */
  connectTimeoutMs?: number
  /** Delays between reconnect attempts: 200 ms doubling to 5 s by default, half of each random. */
  backoff?: Partial<BackoffOptions>
  /** How long to keep trying to reconnect after the session broke before failing the waiting calls. */
  reconnectWindowMs?: number
  /** Diagnostics (never carry the token). */
  onEvent?: (event: ConnectionEvent) => void
  /**
   * Send the token over `ws://` to a host that is not this machine. Off by default: the token and the share
   * secrets would cross the network readable by anyone on the path.
   */
  allowCleartext?: boolean
}

type Live = { stub: RpcStub<ShareRpc>; socket: RpcSocket; broken: boolean }

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/**
 * One authenticated capnweb session with the share service that heals itself: when capnweb reports the session
 * broken, its stub is disposed, and the next caller gets a new session on a new socket (token re-sent), opened with
 * exponential backoff and jitter. Callers ask for the live stub each time they need it instead of keeping one.
 */
export class RpcConnection implements Disposable {
  readonly url: string
  readonly #token: string
  readonly #timeoutMs: number
  readonly #backoff: BackoffOptions
  readonly #windowMs: number
  readonly #onEvent: (event: ConnectionEvent) => void
  readonly #reconnectListeners = new Set<() => void>()
  #live: Live | undefined
  #reconnecting: Promise<Live> | undefined
  #closed = false

  private constructor(options: ConnectOptions) {
    this.url = rpcEndpoint(options.url)
    this.#token = options.token
    this.#timeoutMs = options.connectTimeoutMs ?? 10_000
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff }
    this.#windowMs = options.reconnectWindowMs ?? 60_000
    this.#onEvent = options.onEvent ?? (() => {})
  }

  /** Connect once, failing fast: a wrong token or an unreachable server is reported now, not retried. */
  static async open(options: ConnectOptions): Promise<RpcConnection> {
    if (options.token === "") throw new RpcAuthError(401, "no token given")
    const connection = new RpcConnection(options)
    if (options.allowCleartext !== true && isCleartextRemote(connection.url))
      throw new CleartextRefusedError(connection.url)
    connection.#live = await connection.#establish()
    return connection
  }

  /** The stub of the live session, waiting for a reconnect if the last one broke. */
  async stub(): Promise<RpcStub<ShareRpc>> {
    if (this.#closed) throw new ConnectionClosedError()
    const live = this.#live
    if (live !== undefined && !live.broken) return live.stub
    return (await this.#reconnect()).stub
  }

  /**
   * A call on `stub` failed without a server error code (lost reply, timeout): treat its session as broken so the
   * next `stub()` gets a fresh one, even if the socket has not noticed yet.
   */
  reportFailure(stub: RpcStub<ShareRpc>, reason: string): void {
    const live = this.#live
    if (live === undefined || live.stub !== stub) return
    this.#broke(live, reason)
  }

  /** Called after every successful reconnect (not the first connect): the place to replay other sessions' outboxes. */
  onReconnect(listener: () => void): () => void {
    this.#reconnectListeners.add(listener)
    return () => this.#reconnectListeners.delete(listener)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    const live = this.#live
    this.#live = undefined
    if (live !== undefined) this.#dispose(live)
  }

  [Symbol.dispose](): void {
    this.close()
  }

  async #establish(): Promise<Live> {
    try {
      const socket = await openSocket({ url: this.url, token: this.#token, timeoutMs: this.#timeoutMs })
      const live: Live = { stub: newWebSocketRpcSession<ShareRpc>(socket), socket, broken: false }
      live.stub.onRpcBroken((error: unknown) => this.#broke(live, reasonOf(error)))
      this.#onEvent({ type: "connected", url: this.url })
      return live
    } catch (error) {
      throw this.#scrub(error)
    }
  }

  /** Messages of network errors can carry request details; never let the token out with them. */
  #scrub(error: unknown): unknown {
    if (!(error instanceof Error)) return error
    error.message = redact(error.message, [this.#token])
    return error
  }

  #dispose(live: Live): void {
    live.broken = true
    live.stub[Symbol.dispose]()
    if (live.socket.readyState <= 1) live.socket.close(1000, "client closing")
  }

  #broke(live: Live, reason: string): void {
    if (live.broken) return
    this.#dispose(live)
    if (this.#closed || this.#live !== live) return
    this.#onEvent({ type: "broken", reason: redact(reason, [this.#token]) })
    // No reconnect here: the next stub() reconnects. The server closes idle sockets (RPC_IDLE_TIMEOUT_SECONDS), and
    // reconnecting eagerly would keep an idle client churning sockets; anything pending asks for a stub anyway.
  }

  #reconnect(): Promise<Live> {
    this.#reconnecting ??= this.#reconnectLoop().finally(() => {
      this.#reconnecting = undefined
    })
    return this.#reconnecting
  }

  async #reconnectLoop(): Promise<Live> {
    const deadline = Date.now() + this.#windowMs
    for (let attempt = 0; ; attempt++) {
      if (this.#closed) throw new ConnectionClosedError()
      try {
        const live = await this.#establish()
        if (this.#closed) {
          this.#dispose(live)
          throw new ConnectionClosedError()
        }
        this.#live = live
        for (const listener of this.#reconnectListeners) listener()
        return live
      } catch (error) {
        if (error instanceof RpcAuthError || error instanceof ConnectionClosedError) throw error
        const delayMs = backoffDelay(attempt, this.#backoff)
        const reason = reasonOf(error)
        if (Date.now() + delayMs > deadline) {
          this.#onEvent({ type: "gave-up", reason })
          throw new ConnectionError(`lost the connection to ${this.url} and could not reconnect: ${reason}`, {
            cause: error,
          })
        }
        this.#onEvent({ type: "retrying", attempt: attempt + 1, delayMs, reason })
        await sleep(delayMs)
      }
    }
  }
}

/** Open an authenticated RPC connection to a cloudsession server. */
export function connect(options: ConnectOptions): Promise<RpcConnection> {
  return RpcConnection.open(options)
}
