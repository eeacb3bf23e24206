import { generateKeyPair, importJWK, type JWTPayload, SignJWT } from "jose"
import { describe, expect, inject, it } from "vitest"
import { createShare, uniqueSessionID, workerUrl } from "./browser-helpers.ts"

/** A token as the stand-in team's edge would add it, signed with its key unless another is given. */
async function accessToken(claims: JWTPayload = {}, key?: CryptoKey): Promise<string> {
  const signingKey = key ?? ((await importJWK(inject("accessSigningKey"), "RS256")) as CryptoKey)
  return new SignJWT({ iss: inject("accessTeam"), aud: [inject("accessAud")], email: "owner@example.com", ...claims })
    .setProtectedHeader({ alg: "RS256", kid: "node-test-key" })
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(signingKey)
}

function sessions(token: string): Promise<Response> {
  return fetch(`${workerUrl()}/sessions?limit=200`, {
    redirect: "manual",
    headers: { "Cf-Access-Jwt-Assertion": token },
  })
}

async function keyFetches(): Promise<number> {
  return ((await (await fetch(`${inject("accessTeam")}/fetches`)).json()) as { fetches: number }).fetches
}

describe("Cloudflare Access with the team's keys fetched, in a real local Worker", () => {
  it("fetches the team's keys from <team>/cdn-cgi/access/certs, keeps them, and lets the team's identity list", async () => {
    const sessionID = uniqueSessionID("access-remote")
    const share = await createShare(sessionID)
    const listed = await sessions(await accessToken())
    expect(listed.status).toBe(200)
    expect(await listed.text()).toContain(share.id)
    const fetched = await keyFetches()
    expect(fetched).toBeGreaterThanOrEqual(1)
    // Kept: more owner requests do not ask again.
    for (let request = 0; request < 3; request++) expect((await sessions(await accessToken())).status).toBe(200)
    expect(await keyFetches()).toBe(fetched)
  })

  it("refuses a token the team did not sign, and one for another audience", async () => {
    const other = await generateKeyPair("RS256")
    for (const token of [await accessToken({}, other.privateKey), await accessToken({ aud: ["another-app"] })]) {
      const response = await sessions(token)
      expect(response.status).toBe(303)
      expect(response.headers.get("location")).toBe("/signin?next=%2Fsessions")
    }
  })
})
