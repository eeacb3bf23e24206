import { clientKey } from "../quota/client-key.ts"
import { errorJson } from "./outcome.ts"

/** Most live viewers one share accepts; further sockets are refused with 429 rather than slowing everyone. */
export const MAX_VIEWERS_PER_SHARE = 200
/** Most viewer sockets one client may hold on a share, so a single client cannot take every slot above. */
export const MAX_VIEWERS_PER_CLIENT = 20
/**
 * A viewer socket that has not pinged for this long is closed. The live page pings every minute (browsers run a
 * hidden tab's timers about once a minute); the runtime answers the ping without waking the object.
 */
export const VIEWER_IDLE_MS = 5 * 60 * 1000
export const VIEWER_PING = "ping"

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
    // Answered by the runtime while the object hibernates; the last time is kept per socket (see `lastSeen`).
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(VIEWER_PING, "pong"))
  }

  /** When a viewer last showed it is there: its last ping, else when it connected. */
  private lastSeen(socket: WebSocket): number {
    const attachment = socket.deserializeAttachment() as { since?: number } | null
    const pinged = this.ctx.getWebSocketAutoResponseTimestamp(socket)?.getTime() ?? 0
    return Math.max(pinged, attachment?.since ?? 0)
  }

  /** Close the sockets idle for longer than VIEWER_IDLE_MS; true while some stay open (sweep again later). */
  sweep(now = Date.now()): boolean {
    let open = 0
    for (const socket of this.ctx.getWebSockets()) {
      if (now - this.lastSeen(socket) <= VIEWER_IDLE_MS) {
        open += 1
        continue
      }
      try {
        socket.close(1000, "idle: no ping for 5 minutes")
      } catch {
        // Already closing.
      }
    }
    return open > 0
  }

  /**
   * A full share makes room for a client with fewer sockets than the one holding most: that client's oldest socket
   * is closed (1013, try again later). So no client is shut out while another holds more than its share; see
   * docs/security.md for what this cannot prevent.
   */
  private makeRoom(tag: string): boolean {
    const byClient = new Map<string, WebSocket[]>()
    for (const socket of this.ctx.getWebSockets()) {
      const owner = this.ctx.getTags(socket)[0] ?? ""
      byClient.set(owner, [...(byClient.get(owner) ?? []), socket])
    }
    const mine = byClient.get(tag)?.length ?? 0
    let heaviest: WebSocket[] = []
    for (const sockets of byClient.values()) if (sockets.length > heaviest.length) heaviest = sockets
    if (heaviest.length <= mine + 1) return false
    const oldest = heaviest.reduce((a, b) => (this.lastSeen(a) <= this.lastSeen(b) ? a : b))
    oldest.close(1013, "making room for another viewer")
    return true
  }

  accept(request: Request, version: number): Response {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return errorJson("upgrade_required", "expected a WebSocket upgrade")
    }
    // Tagged by client, so counting a client's sockets survives hibernation and needs no bookkeeping of ours.
    const tag = `client:${clientKey(request)}`
    this.sweep()
    if (this.ctx.getWebSockets().length >= MAX_VIEWERS_PER_SHARE && !this.makeRoom(tag)) {
      return tooMany("too many viewers on this share")
    }
    if (this.ctx.getWebSockets(tag).length >= MAX_VIEWERS_PER_CLIENT) {
      return tooMany("too many viewers from this client on this share")
    }
    const pair = new WebSocketPair()
    this.ctx.acceptWebSocket(pair[1], [tag])
    pair[1].serializeAttachment({ since: Date.now() })
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
