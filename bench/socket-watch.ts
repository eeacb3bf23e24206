import { WebSocket } from "ws"

/** capnweb message kinds that ask the server for something; `release` and replies are not requests. */
export const REQUESTS: ReadonlySet<string> = new Set(["push", "pull"])

export function kindOf(data: unknown): string | undefined {
  if (typeof data !== "string") return undefined
  try {
    const message: unknown = JSON.parse(data)
    return Array.isArray(message) && typeof message[0] === "string" ? message[0] : undefined
  } catch {
    return undefined
  }
}

export type SocketWatch = {
  /** Text frames sent by every `ws` socket of this process since the watch started. */
  sent: string[]
  /**
   * Round trips: flights of requests the client sent after it had heard from the server (or at the start).
   * Pipelined calls leave in one flight; a call that has to wait for an earlier reply starts another.
   */
  roundTrips(): number
  stop(): void
}

/**
 * Watch the `ws` sockets the client opens (Node's client uses the `ws` package) by wrapping `send` and the
 * `message` event on its prototype: what left, and in how many flights. Used by the benchmark's pipelining scenario
 * and by the client's tests, so round trips are counted, never assumed.
 */
export function watchSockets(): SocketWatch {
  const prototype = WebSocket.prototype
  const originalSend = prototype.send
  const originalEmit = prototype.emit
  // `emit` is inherited from EventEmitter: restore by removing the wrapper, not by pinning a copy on the prototype.
  const ownEmit = Object.hasOwn(prototype, "emit")
  const sent: string[] = []
  let flights = 0
  let heard = true
  prototype.send = function (this: WebSocket, ...args: Parameters<WebSocket["send"]>) {
    const [data] = args
    if (typeof data === "string") sent.push(data)
    if (REQUESTS.has(kindOf(data) ?? "")) {
      if (heard) flights += 1
      heard = false
    }
    return originalSend.apply(this, args)
  } as WebSocket["send"]
  prototype.emit = function (this: WebSocket, event: string | symbol, ...args: unknown[]) {
    if (event === "message") heard = true
    return originalEmit.call(this, event, ...args)
  }
  return {
    sent,
    roundTrips: () => flights,
    stop() {
      prototype.send = originalSend
      if (ownEmit) prototype.emit = originalEmit
      else Reflect.deleteProperty(prototype, "emit")
    },
  }
}
