import { createExecutionContext, env, SELF } from "cloudflare:test"
import { RPC_SUBPROTOCOL } from "@cloudsession/protocol"
import { afterEach, describe, expect, it, vi } from "vitest"
import { app } from "../src/app.ts"
import { BASE, errorOf, uniqueSessionID } from "./helpers.ts"
import {
  allShareIDs,
  batchRpc,
  bearer,
  browserProtocols,
  CURRENT_TOKEN,
  NEXT_TOKEN,
  openRpc,
  sharesOf,
  UNKNOWN_TOKEN,
  upgradeRequest,
} from "./rpc-helpers.ts"

const FOREIGN_ORIGIN = "https://evil.example"

type Refusal = { name: string; request: () => Promise<Response>; status: number; code: string }

const refusals: Refusal[] = [
  { name: "no token", request: () => upgradeRequest({}), status: 401, code: "unauthorized" },
  {
    name: "a token that is not configured",
    request: () => upgradeRequest(bearer(UNKNOWN_TOKEN)),
    status: 401,
    code: "unauthorized",
  },
  {
    name: "a scheme other than Bearer",
    request: () => upgradeRequest({ Authorization: `Basic ${btoa(`user:${CURRENT_TOKEN}`)}` }),
    status: 401,
    code: "unauthorized",
  },
  {
    name: "a wrong token in the subprotocol",
    request: () => upgradeRequest(browserProtocols(UNKNOWN_TOKEN)),
    status: 401,
    code: "unauthorized",
  },
  {
    name: "a disallowed Origin",
    request: () => upgradeRequest({ ...bearer(CURRENT_TOKEN), Origin: FOREIGN_ORIGIN }),
    status: 403,
    code: "forbidden",
  },
  {
    name: "a subprotocol token from a disallowed Origin",
    request: () => upgradeRequest({ ...browserProtocols(CURRENT_TOKEN), Origin: FOREIGN_ORIGIN }),
    status: 403,
    code: "forbidden",
  },
  {
    name: "the opaque Origin `null`",
    request: () => upgradeRequest({ ...browserProtocols(CURRENT_TOKEN), Origin: "null" }),
    status: 403,
    code: "forbidden",
  },
  {
    name: "a GET that is not an upgrade",
    request: () => SELF.fetch(`${BASE}/rpc`, { headers: bearer(CURRENT_TOKEN) }),
    status: 426,
    code: "upgrade_required",
  },
  {
    name: "an Upgrade to something else",
    request: () => upgradeRequest({ ...bearer(CURRENT_TOKEN), Upgrade: "h2c" }),
    status: 400,
    code: "bad_request",
  },
  {
    name: "only unsupported subprotocols",
    request: () => upgradeRequest({ ...bearer(CURRENT_TOKEN), "Sec-WebSocket-Protocol": "chat, cloudsession.v0" }),
    status: 400,
    code: "bad_request",
  },
  {
    name: "the token both in the header and the subprotocol",
    request: () => upgradeRequest({ ...bearer(CURRENT_TOKEN), ...browserProtocols(CURRENT_TOKEN) }),
    status: 400,
    code: "bad_request",
  },
  {
    name: "a method that is neither GET nor POST",
    request: () => SELF.fetch(`${BASE}/rpc`, { method: "PUT", headers: bearer(CURRENT_TOKEN), body: "[]" }),
    status: 400,
    code: "bad_request",
  },
]

describe("/rpc gate: refused before the upgrade, nothing changes", () => {
  for (const refusal of refusals) {
    it(`refuses ${refusal.name} with ${refusal.status}`, async () => {
      const before = await allShareIDs()
      const response = await refusal.request()
      expect(response.status).toBe(refusal.status)
      expect(response.webSocket).toBeNull()
      expect(response.headers.get("Sec-WebSocket-Protocol")).toBeNull()
      const body = await response.text()
      expect(JSON.parse(body).error.code).toBe(refusal.code)
      for (const token of [CURRENT_TOKEN, NEXT_TOKEN, UNKNOWN_TOKEN]) expect(body).not.toContain(token)
      if (refusal.status === 401) expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer /)
      if (refusal.status === 426) expect(response.headers.get("Upgrade")).toBe("websocket")
      // No socket means no call could run; and the full listing (not one page of it) is unchanged.
      expect(await allShareIDs()).toEqual(before)
    })
  }
})

describe("/rpc gate on HTTP batch: a refused batch runs none of its calls", () => {
  afterEach(() => vi.restoreAllMocks())

  const cases = [
    { name: "no token", headers: {}, status: 401 },
    { name: "a token that is not configured", headers: bearer(UNKNOWN_TOKEN), status: 401 },
    { name: "a disallowed Origin", headers: { ...bearer(CURRENT_TOKEN), Origin: FOREIGN_ORIGIN }, status: 403 },
  ]
  for (const refused of cases) {
    it(`refuses ${refused.name} with ${refused.status} and creates no share`, async () => {
      const sessionID = uniqueSessionID("refused_batch")
      const batch = batchRpc(refused.headers)
      try {
        await expect(batch.rpc.createShare(sessionID)).rejects.toThrow(String(refused.status))
      } finally {
        batch.restore()
      }
      expect(batch.responses.map((response) => response.status)).toEqual([refused.status])
      expect(await sharesOf(sessionID)).toEqual([])
    })
  }
})

describe("/rpc gate: accepted credentials", () => {
  it("accepts the header token and answers without a subprotocol when none was offered", async () => {
    const { rpc, end, response } = await openRpc(bearer(CURRENT_TOKEN))
    expect(response.headers.get("Sec-WebSocket-Protocol")).toBeNull()
    expect(
      (await rpc.probeValue({ when: new Date(0), bytes: new Uint8Array([7]), nested: { label: "a", values: [] } }))
        .size,
    ).toBe(1)
    end()
  })

  it("accepts the next token as well, so clients move over before the old one is removed", async () => {
    const { rpc, end } = await openRpc(bearer(NEXT_TOKEN))
    expect(await rpc.probeCallback(() => "pong")).toBe("pong")
    end()
  })

  it("accepts a browser's subprotocol token from its own origin and answers with only the protocol name", async () => {
    const { rpc, end, response } = await openRpc({ ...browserProtocols(CURRENT_TOKEN), Origin: new URL(BASE).origin })
    expect(response.headers.get("Sec-WebSocket-Protocol")).toBe(RPC_SUBPROTOCOL)
    const share = await rpc.createShare(uniqueSessionID("browser"))
    expect(share.url).toBe(`${BASE}/share/${share.id}`)
    end()
  })

  it("accepts origins from RPC_ALLOWED_ORIGINS and API_DOMAIN, and no others", async () => {
    const configured = {
      ...env,
      RPC_ALLOWED_ORIGINS: "https://viewer.example, https://other.example/",
      API_DOMAIN: "share.example",
    }
    const upgrade = (origin: string) =>
      app.fetch(
        new Request(`${BASE}/rpc`, {
          headers: { Upgrade: "websocket", Origin: origin, ...browserProtocols(CURRENT_TOKEN) },
        }),
        configured,
        createExecutionContext(),
      )
    for (const origin of ["https://viewer.example", "https://other.example", "https://share.example", BASE]) {
      const response = await upgrade(origin)
      expect(response.status, origin).toBe(101)
      response.webSocket?.accept()
      response.webSocket?.close(1000, "done")
    }
    expect((await upgrade("https://viewer.example.evil.example")).status).toBe(403)
    expect((await upgrade("http://viewer.example")).status).toBe(403)
  })
})

describe("/rpc gate: token rotation", () => {
  const OLD = "rotation-old-token-0001"
  const NEW = "rotation-new-token-0002"
  const upgradeWith = async (tokens: string, token: string): Promise<Response> =>
    app.fetch(
      new Request(`${BASE}/rpc`, { headers: { Upgrade: "websocket", ...bearer(token) } }),
      { ...env, RPC_TOKENS: tokens },
      createExecutionContext(),
    )
  /** The upgrade's status; an accepted socket is closed right away. */
  const statusWith = async (tokens: string, token: string): Promise<number> => {
    const response = await upgradeWith(tokens, token)
    response.webSocket?.accept()
    response.webSocket?.close(1000, "done")
    return response.status
  }

  it("accepts the old token next to the new one, then refuses it once it is removed", async () => {
    // While both are configured, clients move over.
    expect(await statusWith(`${OLD},${NEW}`, OLD)).toBe(101)
    expect(await statusWith(`${OLD}\n${NEW}`, NEW)).toBe(101)
    // The old one removed: it is refused like any unknown token; the new one keeps working.
    const refused = await upgradeWith(NEW, OLD)
    expect(refused.status).toBe(401)
    expect(refused.headers.get("WWW-Authenticate")).toMatch(/error="invalid_token"/)
    expect(await statusWith(NEW, NEW)).toBe(101)
  })
})

describe("/rpc gate: fails closed without a configured token", () => {
  afterEach(() => vi.restoreAllMocks())

  it("refuses everything with 503 and logs why once, naming no token", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {})
    // Nothing else in this file (so in this isolate) finds /rpc unconfigured: this is the isolate's first refusal.
    const unconfigured = { ...env, RPC_TOKENS: " , \n" }
    for (const headers of [bearer(CURRENT_TOKEN), browserProtocols(CURRENT_TOKEN), {}]) {
      const response = await app.fetch(
        new Request(`${BASE}/rpc`, { headers: { Upgrade: "websocket", ...headers } }),
        unconfigured,
        createExecutionContext(),
      )
      expect(response.status).toBe(503)
      expect(response.webSocket).toBeNull()
      expect((await errorOf(response)).code).toBe("unavailable")
    }
    // Said once per isolate, not on every request.
    expect(logged).toHaveBeenCalledTimes(1)
    expect(logged).toHaveBeenCalledWith(expect.stringContaining("RPC_TOKENS"))
    expect(logged.mock.calls.flat().join(" ")).not.toContain(CURRENT_TOKEN)
  })
})
