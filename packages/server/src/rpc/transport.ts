import { ShareError } from "@cloudsession/protocol"
import { type RpcTransport, WebSocketTransport } from "capnweb"
import type { RpcLimits } from "./config.ts"

/** Close codes the client sees (RFC 6455 §7.4.1). */
export const CLOSE_CODES = { normal: 1000, unsupportedData: 1003, messageTooBig: 1009 } as const

/** Largest close reason: 125-byte control frame payload minus the 2-byte code. */
const MAX_CLOSE_REASON_BYTES = 123

/** An error that ends the connection: capnweb sends it to the client as an RPC error, then the socket closes. */
export class ConnectionClosingError extends ShareError {
  readonly closeCode: number

  constructor(code: ShareError["code"], message: string, closeCode: number) {
    super(code, message)
    this.closeCode = closeCode
  }
}

function exceedsBytes(text: string, maxBytes: number): boolean {
  // A UTF-16 unit takes 1 to 3 UTF-8 bytes: only encode when the length alone cannot decide.
  if (text.length > maxBytes) return true
  if (text.length * 3 <= maxBytes) return false
  return new TextEncoder().encode(text).byteLength > maxBytes
}

/** The frame as capnweb expects it (text within the size limit), or the error that ends the connection. */
function checkedFrame(frame: unknown, maxBytes: number): string {
  if (typeof frame !== "string") {
    throw new ConnectionClosingError(
      "bad_request",
      "binary frames are not part of the protocol",
      CLOSE_CODES.unsupportedData,
    )
  }
  if (exceedsBytes(frame, maxBytes)) {
    throw new ConnectionClosingError(
      "payload_too_large",
      `message exceeds ${maxBytes} bytes`,
      CLOSE_CODES.messageTooBig,
    )
  }
  return frame
}

/** The peer closed the socket or it failed: the ordinary end of a session, not a server fault to log as one. */
function connectionEnded(error: unknown): ShareError {
  if (error instanceof ShareError) return error
  const detail = error instanceof Error ? error.message : String(error)
  return new ShareError("unavailable", `connection ended: ${detail}`)
}

/**
 * capnweb's WebSocket transport with the connection's limits in front of it: each incoming frame is checked before
 * capnweb parses it (too big or binary: the whole message is refused, so no call in it runs), and a socket that
 * sends nothing for the idle timeout is closed. A refusal reaches the client twice, as the RPC error that fails
 * its pending calls and as the close code and reason.
 */
export class GuardedWebSocketTransport implements RpcTransport {
  readonly #socket: WebSocket
  readonly #inner: WebSocketTransport
  readonly #limits: RpcLimits
  readonly #idle: Promise<never>
  #timeIdle: () => void = () => {}
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(socket: WebSocket, limits: RpcLimits) {
    this.#socket = socket
    this.#inner = new WebSocketTransport(socket)
    this.#limits = limits
    this.#idle = new Promise<never>((_, reject) => {
      this.#timeIdle = () => reject(this.#idleError())
    })
    // Raced in receive(); this handler only keeps a rejection nobody awaits (after close) from being reported.
    this.#idle.catch(() => {})
    socket.addEventListener("close", () => this.#stopIdleTimer())
    this.#armIdleTimer()
  }

  send(message: string): void {
    this.#inner.send(message)
  }

  async receive(): Promise<string> {
    const frame: unknown = await Promise.race([this.#inner.receive(), this.#idle]).catch((error: unknown) => {
      throw connectionEnded(error)
    })
    this.#armIdleTimer()
    return checkedFrame(frame, this.#limits.maxMessageBytes)
  }

  abort(reason: unknown): void {
    this.#stopIdleTimer()
    if (!(reason instanceof ConnectionClosingError)) {
      this.#inner.abort(reason)
      return
    }
    // Our reasons are ASCII, so slicing characters slices bytes.
    this.#socket.close(reason.closeCode, reason.message.slice(0, MAX_CLOSE_REASON_BYTES))
  }

  #idleError(): ConnectionClosingError {
    const seconds = this.#limits.idleTimeoutMs / 1000
    return new ConnectionClosingError("unavailable", `idle timeout: no message for ${seconds} s`, CLOSE_CODES.normal)
  }

  #armIdleTimer(): void {
    this.#stopIdleTimer()
    this.#timer = setTimeout(() => this.#timeIdle(), this.#limits.idleTimeoutMs)
  }

  #stopIdleTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
