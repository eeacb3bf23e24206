import { createLocalJWKSet, createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify } from "jose"
import { base64url } from "../crypto/crypto.ts"
import type { Env } from "../env.ts"
import { type AccessSettings, accessSettings } from "../settings/access.ts"

/** The header Cloudflare's edge adds to every request that passed an Access application. */
export const ACCESS_HEADER = "Cf-Access-Jwt-Assertion"

/** An Access token is a few hundred bytes; anything much longer is not one, and is not worth parsing. */
const MAX_TOKEN_CHARS = 8192

/** Access signs with RS256; no other algorithm is accepted (no `none`, no HMAC keyed by a public key). */
const ALGORITHMS = ["RS256"]

/** Seconds of clock difference tolerated on `exp` and `nbf`. */
const CLOCK_TOLERANCE = 30

/**
 * The owner as Access names them: the e-mail of the identity, and the form token of the dashboard's forms (derived
 * from the token itself, which no other site can read, so it changes whenever Access issues a new one).
 */
export type AccessIdentity = { email: string; csrf: string }

/**
 * Fetched key sets, one per team: jose keeps the keys it fetched, refetches for a key id it does not know (Access
 * rotates its keys), and waits between fetches, so a flood of forged key ids cannot make the Worker fetch each time.
 */
const remoteKeys = new Map<string, JWTVerifyGetKey>()

function keysFor(settings: AccessSettings): JWTVerifyGetKey {
  if (settings.keys !== undefined) return createLocalJWKSet(settings.keys)
  const known = remoteKeys.get(settings.issuer)
  if (known !== undefined) return known
  const fetched = createRemoteJWKSet(new URL(`${settings.issuer}/cdn-cgi/access/certs`), {
    timeoutDuration: 5000,
    cooldownDuration: 30_000,
  })
  remoteKeys.set(settings.issuer, fetched)
  return fetched
}

async function formToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`cloudsession access form\n${token}`))
  return base64url(new Uint8Array(digest))
}

/**
 * The owner a request's Access token proves, or `undefined`: Access not configured, no token, or one that is not
 * the team's (signature by one of its keys, issuer, one of the application's audiences, not expired), or whose
 * e-mail is not among `ACCESS_OWNER_EMAILS` when that is set. Only the header counts: it is what the edge adds after
 * checking the Access cookie, and a token that came some other way is checked the same, so forging one needs the
 * team's private key.
 */
export async function accessIdentity(
  request: Request,
  env: Pick<Env, "ACCESS_TEAM_DOMAIN" | "ACCESS_AUD" | "ACCESS_JWKS" | "ACCESS_OWNER_EMAILS">,
): Promise<AccessIdentity | undefined> {
  const settings = accessSettings(env)
  if (settings === undefined) return undefined
  const token = request.headers.get(ACCESS_HEADER)?.trim() ?? ""
  if (token === "" || token.length > MAX_TOKEN_CHARS) return undefined
  try {
    const { payload } = await jwtVerify(token, keysFor(settings), {
      issuer: settings.issuer,
      audience: settings.audiences,
      algorithms: ALGORITHMS,
      clockTolerance: CLOCK_TOLERANCE,
      requiredClaims: ["exp", "email"],
    })
    const email = typeof payload.email === "string" ? payload.email.toLowerCase() : ""
    if (email === "") return undefined
    if (settings.owners.length > 0 && !settings.owners.includes(email)) return undefined
    return { email, csrf: await formToken(token) }
  } catch {
    // A bad signature, a wrong claim, a key set that could not be fetched: not the owner, whichever it was.
    return undefined
  }
}
