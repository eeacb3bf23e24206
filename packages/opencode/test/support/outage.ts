import { once } from "node:events"
import { createConnection, createServer, type Server, type Socket } from "node:net"

/**
 * The real Worker behind a loopback TCP relay the test can cut: `down()` drops every connection and stops
 * listening (connections are refused, as from a server that is gone), `up()` listens on the same port again. A
 * plugin pointed at `url` sees the server vanish and come back without the Worker restarting (two wrangler starts
 * saved), while the test keeps reading the Worker directly.
 */
export type Outage = {
  url: string
  down(): Promise<void>
  up(): Promise<void>
  close(): Promise<void>
}

export async function relayTo(target: string): Promise<Outage> {
  const { hostname, port: targetPort } = new URL(target)
  const sockets = new Set<Socket>()
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.once("close", () => sockets.delete(socket))
  }
  let server: Server | undefined
  const listen = async (port: number): Promise<number> => {
    const next = createServer((client) => {
      const upstream = createConnection({ host: hostname, port: Number(targetPort) })
      track(client)
      track(upstream)
      client.pipe(upstream).pipe(client)
      client.once("error", () => upstream.destroy())
      upstream.once("error", () => client.destroy())
    })
    next.listen(port, "127.0.0.1")
    await once(next, "listening")
    server = next
    const address = next.address()
    return typeof address === "object" && address !== null ? address.port : port
  }
  const down = async () => {
    const current = server
    server = undefined
    if (current === undefined) return
    for (const socket of sockets) socket.destroy()
    current.close()
    await once(current, "close")
  }
  const port = await listen(0)
  return {
    url: `http://127.0.0.1:${port}`,
    down,
    up: async () => {
      if (server === undefined) await listen(port)
    },
    close: down,
  }
}
