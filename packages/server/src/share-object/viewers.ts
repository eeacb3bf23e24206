import { clientKey } from "../quota/client-key.ts"
import { errorJson } from "./outcome.ts"

/** Most live viewers one share accepts; further sockets are refused with 429 rather than slowing everyone. */
export const MAX_VIEWERS_PER_SHARE = 200
/** Most viewer sockets one client may hold on a share, so a single client cannot take every slot above. */
export const MAX_VIEWERS_PER_CLIENT = 20

function tooMany(message: string): Response {
  return errorJson("too_many_requests", message)
}

/** What a viewer socket receives: the share's version on connect and after each applied batch, nothing more. */
export type ViewerMessage = { type: "hello"; version: number } | { type: "sync"; version: number }

/**
 * Viewers' live sockets, held with the WebSocket hibernation API so an idle share costs nothing while its
 * viewers stay connected. Viewer sockets are read-only: the first message a viewer sends closes it.
 */
export class Viewers {
  private readonly ctx: DurableObjectState

  constructor(ctx: DurableObjectState) {
    this.ctx = ctx
  }

  accept(request: Request, version: number): Response {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return errorJson("upgrade_required", "expected a WebSocket upgrade")
    }
    if (this.ctx.getWebSockets().length >= MAX_VIEWERS_PER_SHARE) return tooMany("too many viewers on this share")
    // Tagged by client, so counting a client's sockets survives hibernation and needs no bookkeeping of ours.
    const tag = `client:${clientKey(request)}`
    if (this.ctx.getWebSockets(tag).length >= MAX_VIEWERS_PER_CLIENT) {
      return tooMany("too many viewers from this client on this share")
    }
    const pair = new WebSocketPair()
    this.ctx.acceptWebSocket(pair[1], [tag])
    pair[1].send(JSON.stringify({ type: "hello", version } satisfies ViewerMessage))
    return new Response(null, { status: 101, webSocket: pair[0] })
  }

  broadcast(message: ViewerMessage): void {
    const text = JSON.stringify(message)
    for (const socket of this.ctx.getWebSockets()) {
      try {
        socket.send(text)
      } catch {
        // A socket that is closing cannot be sent to; its close handler cleans it up.
      }
    }
  }

  closeAll(reason: string): void {
    for (const socket of this.ctx.getWebSockets()) socket.close(1000, reason)
  }

  onMessage(socket: WebSocket, _message: string | ArrayBuffer): void {
    socket.close(1008, "viewer sockets are read-only")
  }

  onClose(socket: WebSocket, code: number, reason: string): void {
    // Complete the closing handshake; 1005/1006 are reserved and may not be sent back.
    const reply = code === 1005 || code === 1006 ? 1000 : code
    socket.close(reply, reason)
  }
}
