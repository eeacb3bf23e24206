import type { IncomingMessage } from "node:http"
import { RPC_SUBPROTOCOL } from "@cloudsession/protocol"
import { httpEndpoint } from "./endpoint.ts"
import { ConnectionError, RpcAuthError } from "./errors.ts"

/** The socket type capnweb's `newWebSocketRpcSession` takes (the WHATWG WebSocket API). */
export type RpcSocket = globalThis.WebSocket

export type OpenSocketOptions = {
  url: string
  token: string
  timeoutMs: number
}

const MAX_ERROR_BODY = 4096

/** The server's `{ error: { message } }` body, or nothing if it sent something else. */
function errorMessageOf(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body)
    if (typeof parsed !== "object" || parsed === null || !("error" in parsed)) return ""
    const error = parsed.error
    if (typeof error !== "object" || error === null || !("message" in error)) return ""
    return typeof error.message === "string" ? error.message.slice(0, 300) : ""
  } catch {
    return ""
  }
}

function refusalOf(status: number | undefined, body: string, url: string): Error {
  if (status === 401 || status === 403) return new RpcAuthError(status, errorMessageOf(body))
  const detail = errorMessageOf(body)
  return new ConnectionError(
    `${url} refused the WebSocket upgrade (HTTP ${status ?? "?"})${detail ? `: ${detail}` : ""}`,
  )
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((done) => {
    let body = ""
    response.setEncoding("utf8")
    response.on("data", (chunk: string) => {
      if (body.length < MAX_ERROR_BODY) body += chunk
    })
    response.on("end", () => done(body))
    response.on("error", () => done(body))
  })
}

/**
 * Node: the `ws` package, which sends headers on the upgrade request and reports a refused upgrade with its
 * status. capnweb reads the global `WebSocket` (for its state constants) even when handed a socket, and Node 20
 * has none, so `ws` is installed there if the slot is empty.
 */
async function openWithWs(options: OpenSocketOptions): Promise<RpcSocket> {
  const { WebSocket: NodeWebSocket } = await import("ws")
  // ws implements the WHATWG subset capnweb uses (readyState, addEventListener, send, close, binaryType).
  globalThis.WebSocket ??= NodeWebSocket as unknown as typeof globalThis.WebSocket
  return new Promise((resolve, reject) => {
    const socket = new NodeWebSocket(options.url, [RPC_SUBPROTOCOL], {
      headers: { Authorization: `Bearer ${options.token}` },
      handshakeTimeout: options.timeoutMs,
    })
    socket.once("open", () => resolve(socket as unknown as RpcSocket))
    socket.once("unexpected-response", (_request, response) => {
      void readBody(response).then((body) => {
        reject(refusalOf(response.statusCode, body, options.url))
        socket.terminate()
      })
    })
    // Stays attached for the socket's life: an unhandled 'error' event would otherwise crash the process.
    socket.on("error", (error) => reject(new ConnectionError(`cannot connect to ${options.url}: ${error.message}`)))
  })
}

/**
 * Bun: its built-in WebSocket accepts `headers`, but a refused upgrade arrives as a bare error event. Ask the
 * endpoint why with the same header, as an empty HTTP batch (a POST with no calls: it passes the same gate as the
 * upgrade, token and origin checks included, and does nothing once through).
 */
async function openWithBun(options: OpenSocketOptions): Promise<RpcSocket> {
  const socket = new globalThis.WebSocket(options.url, {
    protocols: [RPC_SUBPROTOCOL],
    headers: { Authorization: `Bearer ${options.token}` },
  })
  const opened = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), options.timeoutMs)
    socket.addEventListener("open", () => {
      clearTimeout(timer)
      resolve(true)
    })
    socket.addEventListener("error", () => {
      clearTimeout(timer)
      resolve(false)
    })
  })
  if (opened) return socket
  socket.close()
  throw await diagnoseRefusal(options)
}

async function diagnoseRefusal(options: OpenSocketOptions): Promise<Error> {
  try {
    const response = await fetch(httpEndpoint(options.url), {
      method: "POST",
      body: "",
      headers: { Authorization: `Bearer ${options.token}` },
      signal: AbortSignal.timeout(options.timeoutMs),
    })
    const body = (await response.text()).slice(0, MAX_ERROR_BODY)
    // The POST passed the gate, so the upgrade failed for another reason (a proxy, say): nothing more to tell.
    if (response.ok) return new ConnectionError(`cannot open a WebSocket to ${options.url}`)
    return refusalOf(response.status, body, options.url)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return new ConnectionError(`cannot connect to ${options.url}: ${reason}`)
  }
}

/** Open the `/rpc` socket with the token in the upgrade's `Authorization` header; resolves once it is open. */
export function openSocket(options: OpenSocketOptions): Promise<RpcSocket> {
  return typeof process.versions.bun === "string" ? openWithBun(options) : openWithWs(options)
}
