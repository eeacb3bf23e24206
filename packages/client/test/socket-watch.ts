import { kindOf, REQUESTS, type SocketWatch, watchSockets } from "../../../bench/socket-watch.ts"
import { onBun } from "./helpers.ts"

/**
 * The client's sockets watched as bench/socket-watch.ts does on Node (the `ws` package's prototype). Under Bun the
 * client uses Bun's built-in WebSocket, which `ws` never sees: wrap its `send`, and hear replies through a message
 * listener added to each socket the first time it sends during the watch (Bun delivers socket events natively, not
 * through `dispatchEvent`, and runs the microtasks a message settles only after every listener has run, so the
 * listener marks the reply heard before any call it unblocks is sent).
 */
export function watchClientSockets(): SocketWatch {
  if (!onBun) return watchSockets()
  const prototype = globalThis.WebSocket.prototype
  const originalSend = prototype.send
  const sent: string[] = []
  const listening = new Map<WebSocket, () => void>()
  let flights = 0
  let heard = true
  const hear = () => {
    heard = true
  }
  prototype.send = function (this: WebSocket, data: Parameters<WebSocket["send"]>[0]) {
    if (!listening.has(this)) {
      this.addEventListener("message", hear)
      listening.set(this, () => this.removeEventListener("message", hear))
    }
    if (typeof data === "string") sent.push(data)
    if (REQUESTS.has(kindOf(data) ?? "")) {
      if (heard) flights += 1
      heard = false
    }
    return originalSend.call(this, data)
  }
  return {
    sent,
    roundTrips: () => flights,
    stop() {
      prototype.send = originalSend
      for (const remove of listening.values()) remove()
      listening.clear()
    },
  }
}
