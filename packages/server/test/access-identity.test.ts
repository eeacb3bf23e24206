import { createExecutionContext, env } from "cloudflare:test"
import { makeSession } from "@cloudsession/protocol/fixtures"
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose"
import { beforeAll, describe, expect, it } from "vitest"
import { app } from "../src/app.ts"
import type { Env } from "../src/env.ts"
import { api, BASE, createShare, uniqueSessionID } from "./helpers.ts"

const TEAM = "https://example-team.cloudflareaccess.com"
const AUD = "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2"

type Keys = Awaited<ReturnType<typeof generateKeyPair>>

let team: Keys
let stranger: Keys
let access: Env

beforeAll(async () => {
  // The team's signing key and someone else's, made here: the Worker gets the team's public key as its config.
  team = await generateKeyPair("RS256", { extractable: true })
  stranger = await generateKeyPair("RS256", { extractable: true })
  const jwk = { ...(await exportJWK(team.publicKey)), kid: "team-key-1", alg: "RS256", use: "sig" }
  access = {
    ...env,
    ACCESS_TEAM_DOMAIN: "example-team.cloudflareaccess.com",
    ACCESS_AUD: AUD,
    ACCESS_JWKS: JSON.stringify({ keys: [jwk] }),
  }
})

/** An Access token as the edge would add it, with any claim or key overridden. */
async function tokenFor(claims: JWTPayload = {}, options: { key?: Keys; kid?: string; lifetime?: string } = {}) {
  const payload: JWTPayload = {
    iss: TEAM,
    aud: [AUD],
    email: "owner@example.com",
    sub: "7335d417-61da-459d-899c-0a01c76a2f94",
    ...claims,
  }
  return new SignJWT(payload)
    .setProtectedHeader({ alg: "RS256", kid: options.kid ?? "team-key-1" })
    .setIssuedAt()
    .setExpirationTime(options.lifetime ?? "1h")
    .sign((options.key ?? team).privateKey)
}

async function call(path: string, bindings: Env, init: RequestInit = {}): Promise<Response> {
  return app.fetch(new Request(`${BASE}${path}`, { redirect: "manual", ...init }), bindings, createExecutionContext())
}

function withToken(token: string, headers: Record<string, string> = {}): RequestInit {
  return { headers: { "Cf-Access-Jwt-Assertion": token, ...headers } }
}

/** A share in a home directory: the owner's listing shows the whole path, which nobody else may see. */
async function homeShare(label: string) {
  const sessionID = uniqueSessionID(label)
  const directory = `/home/alice/${label}-project`
  const title = `Access ${label} ${sessionID}`
  const share = await createShare(sessionID, [{ type: "session", data: makeSession(sessionID, { title, directory }) }])
  return { share, sessionID, directory }
}

describe("a Cloudflare Access identity is the owner in a browser", () => {
  it("lists every share, whole paths included, for the team's token; sends anyone else to sign in", async () => {
    const { sessionID, directory } = await homeShare("access-list")
    const listed = await call(`/sessions?q=${sessionID}`, access, withToken(await tokenFor()))
    expect(listed.status).toBe(200)
    const html = await listed.text()
    expect(html).toContain(directory)
    expect(html).toContain('href="/cdn-cgi/access/logout"')
    // Without the header, with Access off, or with the token of a deployment that did not configure it: no listing.
    expect((await call("/sessions", access)).status).toBe(303)
    expect((await call("/sessions", env, withToken(await tokenFor()))).status).toBe(303)
  })

  it("refuses every token that is not the team's for this application", async () => {
    const expired = await new SignJWT({ email: "owner@example.com" })
      .setProtectedHeader({ alg: "RS256", kid: "team-key-1" })
      .setIssuer(TEAM)
      .setAudience(AUD)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(team.privateKey)
    const header = btoa(JSON.stringify({ alg: "none", typ: "JWT" })).replace(/=+$/, "")
    const body = btoa(JSON.stringify({ email: "owner@example.com", iss: TEAM, aud: AUD, exp: 4102444800 }))
    const unsigned = `${header}.${body.replace(/=+$/, "")}.`
    const refused: Record<string, string> = {
      "signed by another key under the team's key id": await tokenFor({}, { key: stranger }),
      "signed by another key, unknown key id": await tokenFor({}, { key: stranger, kid: "other" }),
      "another application's audience": await tokenFor({ aud: "someone-else" }),
      "another team": await tokenFor({ iss: "https://evil.cloudflareaccess.com" }),
      expired,
      "alg none": unsigned,
      "no e-mail": await tokenFor({ email: undefined }),
      "not a token": "not.a.token",
      "far too long": `${await tokenFor()}${"A".repeat(9000)}`,
    }
    for (const [name, token] of Object.entries(refused)) {
      const response = await call("/sessions", access, withToken(token))
      expect(response.status, name).toBe(303)
      expect(response.headers.get("location"), name).toBe("/signin?next=%2Fsessions")
    }
  })

  it("with ACCESS_OWNER_EMAILS, only those identities are the owner", async () => {
    const only: Env = { ...access, ACCESS_OWNER_EMAILS: "Owner@Example.com, second@example.com" }
    expect((await call("/sessions", only, withToken(await tokenFor()))).status).toBe(200)
    const other = await tokenFor({ email: "intern@example.com" })
    expect((await call("/sessions", only, withToken(other))).status).toBe(303)
  })

  it("acts from the dashboard with the page's form token, from this site only", async () => {
    const { share, sessionID } = await homeShare("access-act")
    const token = await tokenFor()
    const html = await (await call(`/sessions?q=${sessionID}`, access, withToken(token))).text()
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? ""
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const post = (form: Record<string, string>, origin = BASE, jwt = token) =>
      call(`/sessions/${share.id}/delete`, access, {
        method: "POST",
        headers: {
          "Cf-Access-Jwt-Assertion": jwt,
          Origin: origin,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams(form).toString(),
      })
    expect((await post({ csrf }, "https://evil.example")).status).toBe(403)
    expect((await post({ csrf: "" })).status).toBe(403)
    // The form token is bound to the Access token it was shown with: another (say a stolen page's) does not fit.
    expect((await post({ csrf }, BASE, await tokenFor({ email: "owner@example.com", jti: "other" }))).status).toBe(403)
    expect((await api(`/api/share/${share.id}`)).status).toBe(200)
    expect((await post({ csrf })).status).toBe(303)
    expect((await api(`/api/share/${share.id}`)).status).toBe(410)
  })

  it("is no key to the JSON API, which stays bearer-only (no form token there to stop another site)", async () => {
    const response = await call("/api/sessions", access, withToken(await tokenFor()))
    expect(response.status).toBe(401)
  })
})
