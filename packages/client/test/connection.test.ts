import { once } from "node:events"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { Duplex } from "node:stream"
import { RPC_SUBPROTOCOL } from "@cloudsession/protocol"
import { describe, expect, it } from "vitest"
import { WebSocketServer } from "ws"
import { type ConnectionEvent, connect } from "../src/connection/connection.ts"
import { ConnectionError, RpcAuthError } from "../src/connection/errors.ts"
import { testServer } from "./helpers.ts"

const { url: workerUrl, token } = testServer()

/**
 * A loopback stand-in for a server that refuses in one set way, for what the real Worker would never do to a
 * client holding the right token: `onRequest` answers plain requests, `onUpgrade` the WebSocket upgrades.
 */
async function standIn(
  onRequest: (request: IncomingMessage, response: ServerResponse) => void,
  onUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => void,
): Promise<{ url: string; close: () => void }> {
  const server = createServer(onRequest)
  server.on("upgrade", onUpgrade)
  server.listen(0, "127.0.0.1")
  await once(server, "listening")
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() }
}

describe("connection", () => {
  it("sends the token in the upgrade request and reports a refused one as a typed 401", async () => {
    const refused = await connect({ url: workerUrl, token: "not-a-valid-token" }).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(RpcAuthError)
    expect(refused).toMatchObject({ status: 401, refusal: "unauthorized" })
    expect(String(refused)).not.toContain("not-a-valid-token")

    const connection = await connect({ url: workerUrl, token })
    const stub = await connection.stub()
    const echoed = await stub.probeValue({
      when: new Date(0),
      bytes: new Uint8Array([1, 2]),
      nested: { label: "x", values: [1] },
    })
    expect(echoed.size).toBe(2)
    // Compared as numbers: the bytes come back as an array or as a Uint8Array, depending on the server's version.
    expect(Array.from(echoed.bytes)).toEqual([1, 2])
    connection.close()
  })

  it("tells a forbidden upgrade (403) from a refused token", async () => {
    // A loopback stand-in for a server whose origin check refuses us: it answers every upgrade with 403, and, as the
    // real gate does (packages/server/src/rpc/gate.ts), a POST to /rpc too. Bun's WebSocket does not expose a
    // refused upgrade's response, so under Bun the client asks that POST why (src/connection/websocket.ts).
    let upgrades = 0
    const body = JSON.stringify({ error: { code: "forbidden", message: "this Origin may not open /rpc" } })
    const server = await standIn(
      (request, response) => {
        if (request.method === "POST" && request.url === "/rpc") {
          response.writeHead(403, { "content-type": "application/json" }).end(body)
        } else {
          response.writeHead(404).end()
        }
      },
      (_request, socket) => {
        upgrades += 1
        socket.end(
          `HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
        )
      },
    )
    const error = await connect({ url: server.url, token }).catch((e: unknown) => e)
    server.close()
    expect(error).toBeInstanceOf(RpcAuthError)
    expect(error).toMatchObject({ status: 403, refusal: "forbidden" })
    expect(String(error)).toContain("refused the connection (403 forbidden): this Origin may not open /rpc")
    // Asked once: a refusal is an answer, not a failure to retry.
    expect(upgrades).toBe(1)
  })

  it("never retries a refused token after a reconnect either, and never shows the token", async () => {
    let upgrades = 0
    // Accepts the first upgrade and drops the socket at once (a restart), then refuses the token (rotated out), on
    // the upgrade and on a POST to /rpc alike, as the real gate does (the POST is how Bun's client learns why).
    const sockets = new WebSocketServer({ noServer: true, handleProtocols: () => RPC_SUBPROTOCOL })
    const body = JSON.stringify({ error: { code: "unauthorized", message: "token not accepted" } })
    const server = await standIn(
      (request, response) => {
        if (request.method === "POST" && request.url === "/rpc" && upgrades > 0) {
          response.writeHead(401, { "content-type": "application/json" }).end(body)
        } else {
          response.writeHead(404).end()
        }
      },
      (request, socket, head) => {
        upgrades += 1
        if (upgrades === 1) {
          sockets.handleUpgrade(request, socket, head, (accepted) => accepted.close(1012, "restarting"))
          return
        }
        socket.end(`HTTP/1.1 401 Unauthorized\r\ncontent-length: ${body.length}\r\n\r\n${body}`)
      },
    )
    const events: ConnectionEvent[] = []
    const connection = await connect({
      url: server.url,
      token,
      backoff: { baseMs: 10, maxMs: 20 },
      reconnectWindowMs: 10_000,
      onEvent: (event) => events.push(event),
    })
    const deadline = Date.now() + 5000
    while (!events.some((event) => event.type === "broken") && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 10))
    }
    const error = await connection.stub().catch((e: unknown) => e)
    connection.close()
    server.close()
    sockets.close()
    expect(error).toBeInstanceOf(RpcAuthError)
    expect(error).toMatchObject({ status: 401 })
    expect(upgrades).toBe(2)
    expect(events.filter((event) => event.type === "retrying")).toEqual([])
    expect(`${String(error)} ${JSON.stringify(events)}`).not.toContain(token)
  })

  it("reports an endpoint that is not there as a connection error with its status", async () => {
    const error = await connect({ url: `${workerUrl.replace("http", "ws")}/no-such-endpoint`, token }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ConnectionError)
    expect(String(error)).toContain("HTTP 404")
  })
})
