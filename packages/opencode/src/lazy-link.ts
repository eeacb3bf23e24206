import { CleartextRefusedError, connect, RpcAuthError, type RpcConnection } from "@cloudsession/client"
import type { Logger } from "./log.ts"

type Stub = Awaited<ReturnType<RpcConnection["stub"]>>

/**
 * The connection to the server, opened when something first needs to be sent (an OpenCode that shares nothing
 * never connects). A refused token is final: it is logged once and every later call fails with the same error
 * without asking the server again. So is a plain `ws://` URL to another machine (the token would cross the network
 * readable) unless `allowCleartext` says so. An unreachable server is logged once per outage and retried on the
 * next need.
 */
export class LazyLink {
  readonly #url: string
  readonly #token: string
  readonly #log: Logger
  readonly #allowCleartext: boolean
  readonly #reconnectListeners = new Set<() => void>()
  #opening: Promise<RpcConnection> | undefined
  #connection: RpcConnection | undefined
  #refused: RpcAuthError | CleartextRefusedError | undefined
  #unreachable = false
  #closed = false

  constructor(options: { url: string; token: string; log: Logger; allowCleartext?: boolean }) {
    this.#url = options.url
    this.#token = options.token
    this.#log = options.log
    this.#allowCleartext = options.allowCleartext === true
  }

  async stub(): Promise<Stub> {
    return (await this.#open()).stub()
  }

  reportFailure(stub: Stub, reason: string): void {
    this.#connection?.reportFailure(stub, reason)
  }

  onReconnect(listener: () => void): () => void {
    this.#reconnectListeners.add(listener)
    return () => this.#reconnectListeners.delete(listener)
  }

  /** The token was refused (or may not be sent): nothing will ever be sent through this link. */
  get refused(): boolean {
    return this.#refused !== undefined
  }

  close(): void {
    this.#closed = true
    this.#connection?.close()
  }

  #open(): Promise<RpcConnection> {
    if (this.#refused !== undefined) return Promise.reject(this.#refused)
    if (this.#closed) return Promise.reject(new Error("cloudsession: the plugin is shutting down"))
    this.#opening ??= connect({
      url: this.#url,
      token: this.#token,
      allowCleartext: this.#allowCleartext,
      onEvent: (event) => {
        if (event.type === "broken")
          this.#log("warn", `connection to ${this.#url} lost (${event.reason}); reconnecting`)
      },
    }).then(
      (connection) => this.#opened(connection),
      (error: unknown) => this.#failed(error),
    )
    return this.#opening
  }

  #opened(connection: RpcConnection): RpcConnection {
    if (this.#closed) {
      connection.close()
      throw new Error("cloudsession: the plugin is shutting down")
    }
    this.#connection = connection
    if (this.#unreachable) this.#log("info", `connected to ${this.#url} again`)
    this.#unreachable = false
    // After a reconnect, whatever the outbox holds goes out again; the first connect needs no replay signal.
    connection.onReconnect(() => {
      for (const listener of this.#reconnectListeners) listener()
    })
    return connection
  }

  #failed(error: unknown): never {
    this.#opening = undefined
    if (error instanceof RpcAuthError) {
      this.#refused = error
      this.#log(
        "error",
        `${this.#url} ${error.message.replace(/^the server /, "")}: nothing is shared until OpenCode restarts with a valid token`,
      )
      throw error
    }
    if (error instanceof CleartextRefusedError) {
      // Final, like a refused token: retrying cannot make the network safe. The library's message names the CLI's
      // flag; here the switch is the plugin's option.
      this.#refused = error
      this.#log(
        "error",
        `refusing to send the token in clear text to ${this.#url} (not this machine); use https://, or set the ` +
          "plugin's allowCleartext option if this network is yours: nothing is shared until OpenCode restarts",
      )
      throw error
    }
    if (!this.#unreachable) {
      const reason = error instanceof Error ? error.message : String(error)
      this.#log("warn", `cannot reach ${this.#url} (${reason}); changes wait in the outbox`)
    }
    this.#unreachable = true
    throw error
  }
}
