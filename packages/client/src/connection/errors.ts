/** Why the server refused the WebSocket upgrade of `/rpc`: a missing/wrong token (401) or a forbidden origin (403). */
export type UpgradeRefusal = "unauthorized" | "forbidden"

/**
 * The server answered the upgrade with 401 or 403 before any RPC happened. Retrying cannot help, so the
 * connection does not reconnect after it; the CLI tells the user the token (or origin) was refused.
 */
export class RpcAuthError extends Error {
  readonly refusal: UpgradeRefusal

  constructor(
    readonly status: 401 | 403,
    serverMessage: string,
  ) {
    const refusal: UpgradeRefusal = status === 401 ? "unauthorized" : "forbidden"
    const what = status === 401 ? "the server refused the token" : "the server refused the connection"
    super(`${what} (${status} ${refusal})${serverMessage === "" ? "" : `: ${serverMessage}`}`)
    this.name = "RpcAuthError"
    this.refusal = refusal
  }
}

/** The server could not be reached (or stopped answering) within the allowed attempts. */
export class ConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = "ConnectionError"
  }
}

/**
 * The token would go over `ws://` (or a share secret over `http://`) to another machine, and the caller did not
 * allow clear text.
 */
export class CleartextRefusedError extends Error {
  constructor(
    readonly url: string,
    what = "the token",
  ) {
    const scheme = url.startsWith("http:") ? "http://" : "ws://"
    super(
      `refusing to send ${what} in clear text to ${url} (${scheme} to a host that is not this machine); ` +
        "use https:// or wss://, or pass --allow-cleartext if this network is yours",
    )
    this.name = "CleartextRefusedError"
  }
}

/** The connection was closed by its owner; nothing more will be sent over it. */
export class ConnectionClosedError extends Error {
  constructor() {
    super("connection closed")
    this.name = "ConnectionClosedError"
  }
}

/** Errors may echo request details; make sure a token can never end up in a log line or a message. */
export function redact(message: string, secrets: readonly string[]): string {
  return secrets.filter((secret) => secret.length > 0).reduce((text, secret) => text.replaceAll(secret, "***"), message)
}
