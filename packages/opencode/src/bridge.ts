import { randomBytes, timingSafeEqual } from "node:crypto"
import { once } from "node:events"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { z } from "zod"
import type { ShareInfo, UnshareResult } from "./live-share.ts"

/** What the bridge does with the requests of OpenCode's share client. */
export type BridgeHandler = {
  create(sessionID: string): Promise<ShareInfo>
  remove(shareID: string): Promise<UnshareResult>
}

export type Bridge = {
  /** The base URL to give OpenCode as `enterprise.url`: loopback, with an unguessable first path segment. */
  url: string
  close(): Promise<void>
}

const CreateBody = z.object({ sessionID: z.string().min(1).max(256) })
const MAX_BODY = 64 * 1024

const json = (response: ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" })
  response.end(JSON.stringify(body))
}

const refuse = (response: ServerResponse, status: number, message: string) =>
  json(response, status, { error: { code: status === 404 ? "not_found" : "unavailable", message } })

/** A small body, read whole; a larger one is refused without buffering it. */
async function readSmallBody(request: IncomingMessage): Promise<string | undefined> {
  let body = ""
  for await (const chunk of request) {
    body += String(chunk)
    if (body.length > MAX_BODY) return undefined
  }
  return body
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * OpenCode's built-in share client, pointed here (its `enterprise.url`), so that everything it would send to a
 * share host stays inside the process: `/share` creates the share through the plugin (over `/rpc`) and OpenCode
 * records the answer as usual (its `session_share` row, the session's `share.url`); `/unshare` deletes it. Its
 * once-a-second syncs are answered and dropped: the plugin sends the same changes itself, as they happen.
 *
 * Loopback only, and every path starts with a random capability, so another local process cannot use the
 * plugin's token through it.
 */
export async function startBridge(handler: BridgeHandler): Promise<Bridge> {
  const capability = randomBytes(24).toString("base64url")
  const prefix = Buffer.from(`/${capability}/api/share`)
  const server: Server = createServer((request, response) => {
    const path = request.url ?? ""
    const head = Buffer.from(path.slice(0, prefix.length))
    if (head.length !== prefix.length || !timingSafeEqual(head, prefix)) {
      request.resume()
      refuse(response, 404, "not found")
      return
    }
    void route(handler, request, response, path.slice(prefix.length).split("?")[0] ?? "").catch((error: unknown) => {
      if (response.headersSent) return response.end()
      refuse(response, 502, error instanceof Error ? error.message : String(error))
    })
  })
  server.listen(0, "127.0.0.1")
  await once(server, "listening")
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/${capability}`,
    close: async () => {
      server.closeAllConnections()
      server.close()
      await once(server, "close").catch(() => {})
    },
  }
}

async function route(handler: BridgeHandler, request: IncomingMessage, response: ServerResponse, rest: string) {
  if (request.method === "POST" && rest === "") {
    const body = CreateBody.safeParse(parseJson((await readSmallBody(request)) ?? ""))
    if (!body.success) return refuse(response, 400, "expected { sessionID }")
    return json(response, 200, await handler.create(body.data.sessionID))
  }
  const sync = /^\/([A-Za-z0-9_-]{1,64})\/sync$/.exec(rest)
  if (request.method === "POST" && sync !== null) {
    request.resume()
    return json(response, 200, { success: true })
  }
  const remove = /^\/([A-Za-z0-9_-]{1,64})$/.exec(rest)
  if (request.method === "DELETE" && remove?.[1] !== undefined) {
    request.resume()
    await handler.remove(remove[1])
    return json(response, 200, { success: true })
  }
  request.resume()
  return refuse(response, 404, "not found")
}
