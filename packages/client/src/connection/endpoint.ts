/**
 * The `/rpc` WebSocket URL of a server given as its origin (`https://share.example`) or already as a ws(s) URL.
 * Only the scheme and path change; a token never goes into the URL (URLs end up in logs).
 */
export function rpcEndpoint(server: string): string {
  if (!URL.canParse(server)) throw new TypeError(`not a URL: ${server}`)
  const url = new URL(server)
  const schemes: Record<string, string> = { "http:": "ws:", "https:": "wss:", "ws:": "ws:", "wss:": "wss:" }
  const scheme = schemes[url.protocol]
  if (scheme === undefined) throw new TypeError(`unsupported scheme ${url.protocol} in ${server}`)
  url.protocol = scheme
  if (url.pathname === "/" || url.pathname === "") url.pathname = "/rpc"
  url.username = ""
  url.password = ""
  return url.toString()
}

/** The HTTP(S) URL of the same endpoint, to ask the server why an upgrade failed. */
export function httpEndpoint(wsUrl: string): string {
  const url = new URL(wsUrl)
  url.protocol = url.protocol === "wss:" ? "https:" : "http:"
  return url.toString()
}

/** Names and addresses that never leave this machine: `localhost` (and `*.localhost`), 127.0.0.0/8, `[::1]`. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "")
  if (host === "localhost" || host.endsWith(".localhost")) return true
  if (host === "[::1]") return true
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

/**
 * Whether sending a token to `wsUrl` would put it on the network in clear text: `ws:` to anything but this
 * machine. Anyone on the path (a café's Wi-Fi, a proxy) would read the token and every share secret sent after it.
 */
export function isCleartextRemote(wsUrl: string): boolean {
  const url = new URL(wsUrl)
  return url.protocol === "ws:" && !isLoopbackHost(url.hostname)
}
