import { createExecutionContext, env } from "cloudflare:test"
import type { SessionIndex } from "@cloudsession/protocol"
import { describe, expect, it } from "vitest"
import { app } from "../src/app.ts"
import type { Env } from "../src/env.ts"
import { BASE, OWNER_TOKEN, uniqueSessionID } from "./helpers.ts"

const TOKEN = "create-guard-token-0001"
const locked: Env = { ...env, RPC_TOKENS: TOKEN, HTTP_CREATE_REQUIRES_TOKEN: "true" }

async function create(sessionID: string, headers: Record<string, string>, bindings: Env = locked): Promise<Response> {
  const request = new Request(`${BASE}/api/share`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ sessionID }),
  })
  return app.fetch(request, bindings, createExecutionContext())
}

async function listed(sessionID: string): Promise<SessionIndex[]> {
  const request = new Request(`${BASE}/api/sessions?limit=200`, { headers: { Authorization: `Bearer ${OWNER_TOKEN}` } })
  const response = await app.fetch(request, env, createExecutionContext())
  const page = (await response.json()) as { sessions: SessionIndex[] }
  return page.sessions.filter((entry) => entry.sessionID === sessionID)
}

describe("POST /api/share with HTTP_CREATE_REQUIRES_TOKEN", () => {
  it("refuses a create without a token, with a wrong one, or with another scheme, and creates nothing", async () => {
    const sessionID = uniqueSessionID("guarded")
    const cases: [Record<string, string>, string][] = [
      [{}, "Bearer"],
      [{ Authorization: "Bearer not-the-token-at-all" }, 'error="invalid_token"'],
      [{ Authorization: `Basic ${btoa(`x:${TOKEN}`)}` }, 'error="invalid_token"'],
    ]
    for (const [headers, challenge] of cases) {
      const response = await create(sessionID, headers)
      expect(response.status).toBe(401)
      expect(response.headers.get("WWW-Authenticate")).toContain(challenge)
      const body = await response.text()
      expect(JSON.parse(body)).toMatchObject({ error: { code: "unauthorized" } })
      expect(body).not.toContain(TOKEN)
    }
    expect(await listed(sessionID)).toHaveLength(0)
  })

  it("creates with a configured token", async () => {
    const sessionID = uniqueSessionID("guarded-ok")
    const response = await create(sessionID, { Authorization: `Bearer ${TOKEN}` })
    expect(response.status).toBe(201)
    expect(await listed(sessionID)).toHaveLength(1)
  })

  it("fails closed when it is on but no token is configured", async () => {
    const response = await create(
      uniqueSessionID("guarded-none"),
      { Authorization: `Bearer ${TOKEN}` },
      {
        ...locked,
        RPC_TOKENS: "",
      },
    )
    expect(response.status).toBe(503)
  })

  it("stays open by default, as the seed's CLI sends no token", async () => {
    const sessionID = uniqueSessionID("open")
    const response = await create(sessionID, {}, { ...env, HTTP_CREATE_REQUIRES_TOKEN: undefined })
    expect(response.status).toBe(201)
  })
})
