import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import type { IncomingMessage } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  errorCodeOf,
  RPC_LIMITS,
  RPC_SUBPROTOCOL,
  RPC_TOKEN_SUBPROTOCOL_PREFIX,
  type ShareRpc,
  type ShareSnapshot,
} from "@cloudsession/protocol"
import { makeSessionItems, makeTextPart } from "@cloudsession/protocol/fixtures"
import { newHttpBatchRpcSession, newWebSocketRpcSession } from "capnweb"
import { describe, expect, inject, it } from "vitest"
import WebSocket from "ws"
import { TEST_TOKENS } from "./global-setup.ts"

// capnweb reads the global WebSocket (for its readyState constants) even when handed a socket; Node 20 has none.
globalThis.WebSocket ??= WebSocket as unknown as typeof globalThis.WebSocket

const workerUrl = inject("workerUrl")
const rpcUrl = `${workerUrl.replace(/^http/, "ws")}/rpc`
const token = inject("rpcToken")

type Closed = { code: number; reason: string }

/** A `ws` client socket, with its close and the upgrade answer (status, headers) recorded. */
function socketTo(protocols: string[], options: WebSocket.ClientOptions) {
  const socket = new WebSocket(rpcUrl, protocols, options)
  const closed = new Promise<Closed>((resolve) => {
    socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() }))
  })
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    socket.on("upgrade", resolve)
    socket.on("unexpected-response", (_request, response) => resolve(response))
    socket.on("error", reject)
  })
  return { socket, closed, answered }
}

function rpcOver(socket: WebSocket) {
  return newWebSocketRpcSession<ShareRpc>(socket as unknown as globalThis.WebSocket)
}

async function snapshot(id: string): Promise<ShareSnapshot> {
  const response = await fetch(`${workerUrl}/api/share/${id}`)
  expect(response.status).toBe(200)
  return (await response.json()) as ShareSnapshot
}

async function bodyOf(response: IncomingMessage): Promise<string> {
  let body = ""
  for await (const chunk of response) body += chunk
  return body
}

describe("/rpc from Node with ws (native client)", () => {
  it("authenticates with the Authorization header and pipelines create + sync", async () => {
    const { socket, answered } = socketTo([], { headers: { Authorization: `Bearer ${token}` } })
    const rpc = rpcOver(socket)
    const created = rpc.createShare("ses_node_native")
    const synced = rpc.syncShare(created.id, created.secret, makeSessionItems("ses_node_native", 3))
    const [share, result] = await Promise.all([created, synced])
    expect((await answered).statusCode).toBe(101)
    expect((await answered).headers["sec-websocket-protocol"]).toBeUndefined()
    expect(result).toMatchObject({ success: true, syncCount: 1 })
    expect((await snapshot(share.id)).parts).toHaveLength(3)
    socket.close(1000, "done")
  })

  it("accepts the next configured token too (rotation without downtime)", async () => {
    const next = TEST_TOKENS[1] ?? ""
    const { socket } = socketTo([], { headers: { Authorization: `Bearer ${next}` } })
    expect(await rpcOver(socket).probeCallback((message: string) => `node got ${message}`)).toBe(
      "node got server-called",
    )
    socket.close(1000, "done")
  })

  it("authenticates a browser-style client by subprotocol and answers with only the protocol name", async () => {
    const { socket, answered } = socketTo([RPC_SUBPROTOCOL, `${RPC_TOKEN_SUBPROTOCOL_PREFIX}${token}`], {
      origin: workerUrl,
    })
    const rpc = rpcOver(socket)
    const sent = {
      when: new Date(86_400_000),
      bytes: new Uint8Array([9, 8, 7]),
      nested: { label: "node", values: [1, 2], inner: { flag: false } },
    }
    const echoed = await rpc.probeValue(sent)
    expect(echoed.when).toBeInstanceOf(Date)
    expect(echoed.bytes).toBeInstanceOf(Uint8Array)
    // Compared as a plain Uint8Array: capnweb may hand Node its subclass Buffer.
    expect({ ...echoed, bytes: new Uint8Array(echoed.bytes) }).toEqual({ ...sent, size: 3 })
    expect(socket.protocol).toBe(RPC_SUBPROTOCOL)
    expect((await answered).headers["sec-websocket-protocol"]).toBe(RPC_SUBPROTOCOL)
    socket.close(1000, "done")
  })

  const refusals = [
    { name: "no token", protocols: [], options: {}, status: 401 },
    {
      name: "a token that is not configured",
      protocols: [],
      options: { headers: { Authorization: "Bearer not-configured-token" } },
      status: 401,
    },
    {
      name: "a subprotocol token from a foreign Origin",
      protocols: [RPC_SUBPROTOCOL, `${RPC_TOKEN_SUBPROTOCOL_PREFIX}${token}`],
      options: { origin: "https://evil.example" },
      status: 403,
    },
  ]
  for (const refusal of refusals) {
    it(`answers ${refusal.name} with ${refusal.status} before the upgrade`, async () => {
      const { socket, answered } = socketTo(refusal.protocols, refusal.options)
      const response = await answered
      expect(response.statusCode).toBe(refusal.status)
      if (refusal.status === 401) expect(response.headers["www-authenticate"]).toMatch(/^Bearer /)
      const body = await bodyOf(response)
      expect(JSON.parse(body)).toHaveProperty("error.code")
      expect(body).not.toContain(token)
      expect(socket.readyState).not.toBe(WebSocket.OPEN)
      socket.terminate()
    })
  }

  it("closes with 1009 on a frame over the message limit, after an RPC error, and applies nothing", async () => {
    const { socket, closed } = socketTo([], { headers: { Authorization: `Bearer ${token}` } })
    const rpc = rpcOver(socket)
    const share = await rpc.createShare("ses_node_oversized", makeSessionItems("ses_node_oversized", 2))
    const before = await snapshot(share.id)
    const huge = makeTextPart("ses_node_oversized", "msg_00000000", 7, "q".repeat(RPC_LIMITS.maxMessageBytes))
    const failed = await rpc.syncShare(share.id, share.secret, [{ type: "part", data: huge }]).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(errorCodeOf(failed)).toBe("payload_too_large")
    expect((await closed).code).toBe(1009)
    expect(await snapshot(share.id)).toEqual(before)
  })
})

describe("/rpc HTTP batch from Node", () => {
  it("runs a pipelined create + sync in one POST", async () => {
    const request = new Request(`${workerUrl}/rpc`, { headers: { Authorization: `Bearer ${token}` } })
    const rpc = newHttpBatchRpcSession<ShareRpc>(request)
    const created = rpc.createShare("ses_node_batch")
    const synced = rpc.syncShare(created.id, created.secret, makeSessionItems("ses_node_batch", 2))
    const [share, result] = await Promise.all([created, synced])
    expect(result).toMatchObject({ success: true, applied: 4 })
    expect((await snapshot(share.id)).parts).toHaveLength(2)
  })

  it("refuses a batch without a token with 401", async () => {
    const response = await fetch(`${workerUrl}/rpc`, { method: "POST", body: '["pull",1]' })
    expect(response.status).toBe(401)
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /)
  })
})

type DevScript = { localToken: (path: string) => string }

function isDevScript(value: unknown): value is DevScript {
  return typeof value === "object" && value !== null && "localToken" in value && typeof value.localToken === "function"
}

/** `npm start`'s script, imported for its token helper (importing it starts no server). */
async function devScript(): Promise<DevScript> {
  // A computed specifier: the script is plain JavaScript without type declarations.
  const specifier = new URL("../scripts/dev.mjs", import.meta.url).href
  const loaded: unknown = await import(specifier)
  if (!isDevScript(loaded)) throw new Error("scripts/dev.mjs exports no localToken")
  return loaded
}

describe("npm start's /rpc token in .dev.vars", () => {
  const GENERATED = /^[A-Za-z0-9_-]{43}$/

  function withDevVars(content: string | undefined, check: (path: string, token: string) => void) {
    return async () => {
      const dir = mkdtempSync(join(tmpdir(), "cloudsession-dev-vars-"))
      try {
        const path = join(dir, ".dev.vars")
        if (content !== undefined) writeFileSync(path, content)
        check(path, (await devScript()).localToken(path))
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
  }

  it(
    "prints a quoted token without its quotes, as wrangler reads it",
    withDevVars('OTHER=1\nRPC_TOKENS="quoted-token-0123456789,second-token-0123456789"\n', (path, token) => {
      expect(token).toBe("quoted-token-0123456789")
      expect(readFileSync(path, "utf8")).toContain('RPC_TOKENS="quoted-token-0123456789,')
    }),
  )

  it(
    "prints a single-quoted token with a comment after it",
    withDevVars("RPC_TOKENS='single-quoted-token-01' # local\n", (_path, token) => {
      expect(token).toBe("single-quoted-token-01")
    }),
  )

  for (const unusable of ["   ", '""', "two words", `${"x".repeat(513)}`]) {
    it(
      `replaces an RPC_TOKENS of ${JSON.stringify(unusable.slice(0, 8))} with a generated token, keeping other lines`,
      withDevVars(`A=1\nRPC_TOKENS=${unusable}\nB=2\n`, (path, token) => {
        expect(token).toMatch(GENERATED)
        expect(readFileSync(path, "utf8")).toBe(`A=1\nRPC_TOKENS=${token}\nB=2\n`)
      }),
    )
  }

  it(
    "generates a token into a missing file, readable by its owner only",
    withDevVars(undefined, (path, token) => {
      expect(token).toMatch(GENERATED)
      expect(readFileSync(path, "utf8")).toBe(`RPC_TOKENS=${token}\n`)
      expect(statSync(path).mode & 0o777).toBe(0o600)
    }),
  )
})
