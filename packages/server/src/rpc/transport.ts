import { ShareError } from "@cloudsession/protocol"
import { type RpcTransportWithCustomEncoding, WebSocketTransport } from "capnweb"
import type { RpcLimits } from "../settings/rpc-limits.ts"
import { CLOSE_CODES, ConnectionClosingError, MAX_CLOSE_REASON_BYTES, messageOf } from "./frames.ts"
import { HeldCalls } from "./held-calls.ts"
import { expectedError } from "./wire-errors.ts"

/**
 * How a session that capnweb aborted ends the socket: with our reason and close code, and a malformed message the
 * client sent (which capnweb reports by aborting) as a protocol error. `undefined` leaves it to capnweb's transport.
 */
function closingErrorOf(reason: unknown): ConnectionClosingError | undefined {
  if (reason instanceof ConnectionClosingError) return reason
  // Any other ShareError here says the connection already ended.
  if (reason instanceof ShareError) return undefined
  const expected = expectedError(reason)
  if (expected === undefined) return undefined
  return new ConnectionClosingError(expected.code, expected.message, CLOSE_CODES.protocolError)
}

/** A close reason within the frame's 123 bytes, cut on a character boundary. */
function closeReason(message: string): string {
  const bytes = new TextEncoder().encode(message)
  if (bytes.byteLength <= MAX_CLOSE_REASON_BYTES) return message
  // `stream`: a character cut in half is held back as incomplete instead of decoded as U+FFFD.
  return new TextDecoder().decode(bytes.subarray(0, MAX_CLOSE_REASON_BYTES), { stream: true })
}

/** The peer closed the socket or it failed: the ordinary end of a session, not a server fault to log as one. */
function connectionEnded(error: unknown): ShareError {
  if (error instanceof ShareError) return error
  const detail = error instanceof Error ? error.message : String(error)
  return new ShareError("unavailable", `connection ended: ${detail}`)
}

/**
 * capnweb's WebSocket transport with the connection's limits in front of it: each incoming frame is checked and
 * parsed here (too big, binary or malformed: the whole message is refused, so no call in it runs; capnweb gets the
 * parsed message, "jsonCompatible"), and a socket that sends nothing for the idle timeout is closed. A refusal
 * reaches the client twice, as the RPC error that fails its pending calls and as the close code and reason.
 */
export class GuardedWebSocketTransport implements RpcTransportWithCustomEncoding {
  readonly encodingLevel = "jsonCompatible"
  readonly #socket: WebSocket
  readonly #inner: WebSocketTransport
  readonly #limits: RpcLimits
  readonly #held: HeldCalls
  readonly #idle: Promise<never>
  #timeIdle: () => void = () => {}
  #timer: ReturnType<typeof setTimeout> | undefined
  readonly #expired: Promise<never>
  #ageTimer: ReturnType<typeof setTimeout> | undefined

  constructor(socket: WebSocket, limits: RpcLimits) {
    this.#socket = socket
    this.#inner = new WebSocketTransport(socket)
    this.#limits = limits
    this.#held = new HeldCalls(limits.maxMessageBytes)
    this.#idle = new Promise<never>((_, reject) => {
      this.#timeIdle = () => reject(this.#idleError())
    })
    // Raced in receive(); this handler only keeps a rejection nobody awaits (after close) from being reported.
    this.#idle.catch(() => {})
    // The session's age limit: however busy, the socket ends then, and the client's reconnect shows the token again.
    this.#expired = new Promise<never>((_, reject) => {
      this.#ageTimer = setTimeout(() => reject(this.#expiredError()), limits.sessionMaxMs)
    })
    this.#expired.catch(() => {})
    socket.addEventListener("close", () => this.#stopTimers())
    this.#armIdleTimer()
  }

  send(message: unknown): number {
    this.#held.sent(message)
    const text = JSON.stringify(message)
    this.#inner.send(text)
    return text.length
  }

  async receive(): Promise<unknown> {
    const frame: unknown = await Promise.race([this.#inner.receive(), this.#idle, this.#expired]).catch(
      (error: unknown) => {
        throw connectionEnded(error)
      },
    )
    this.#armIdleTimer()
    return messageOf(frame, this.#limits.maxMessageBytes, this.#held)
  }

  abort(reason: unknown): void {
    this.#stopTimers()
    const closing = closingErrorOf(reason)
    if (closing === undefined) {
      this.#inner.abort(reason)
      return
    }
    this.#socket.close(closing.closeCode, closeReason(closing.message))
  }

  #idleError(): ConnectionClosingError {
    const seconds = this.#limits.idleTimeoutMs / 1000
    return new ConnectionClosingError("unavailable", `idle timeout: no message for ${seconds} s`, CLOSE_CODES.normal)
  }

  #expiredError(): ConnectionClosingError {
    const seconds = this.#limits.sessionMaxMs / 1000
    const message = `session expired after ${seconds} s: reconnect, with a token that is still configured`
    // `unavailable`, not `unauthorized`: the token was good; calls in flight are to be sent again on a new session,
    // whose upgrade checks the token again (a removed one is refused there, 401).
    return new ConnectionClosingError("unavailable", message, CLOSE_CODES.reauthenticate)
  }

  #stopTimers(): void {
    this.#stopIdleTimer()
    if (this.#ageTimer !== undefined) clearTimeout(this.#ageTimer)
    this.#ageTimer = undefined
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
