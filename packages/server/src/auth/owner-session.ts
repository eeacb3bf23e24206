import { base64url } from "../crypto/crypto.ts"

/**
 * The owner's browser session: a cookie that proves its holder pasted one of the configured bearer tokens, without
 * the server keeping any state. Its value is `<expiry>.<mac>`, the mac an HMAC-SHA256 keyed by that token, so the
 * cookie stops working at its expiry or as soon as its token is removed from RPC_TOKENS, whichever comes first.
 * The token itself is never in the cookie.
 */
export const OWNER_COOKIE = "cs_owner"

const SESSION_CONTEXT = "cloudsession owner session\n"
const CSRF_CONTEXT = "cloudsession sign-out\n"
const encoder = new TextEncoder()

async function mac(token: string, context: string, value: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(token), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ])
  return base64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(context + value))))
}

function equalText(a: string, b: string): boolean {
  const left = encoder.encode(a)
  const right = encoder.encode(b)
  return left.byteLength === right.byteLength && crypto.subtle.timingSafeEqual(left, right)
}

/** A fresh cookie value for `token`, valid until `expiresAt` (ms). */
export async function issueSession(token: string, expiresAt: number): Promise<string> {
  const expiry = String(Math.floor(expiresAt / 1000))
  return `${expiry}.${await mac(token, SESSION_CONTEXT, expiry)}`
}

export type OwnerSession = { expiresAt: number; csrf: string }

/**
 * The session a cookie value proves, or `undefined` (malformed, expired, or made with a token no longer
 * configured). Every configured token is tried, in constant time each, so the timing says nothing about which.
 */
export async function verifySession(
  value: string,
  tokens: readonly string[],
  now: number,
): Promise<OwnerSession | undefined> {
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value)
  if (match === null) return undefined
  const [, expiry = "", presented = ""] = match
  const expiresAt = Number(expiry) * 1000
  if (expiresAt <= now) return undefined
  let token: string | undefined
  for (const candidate of tokens) {
    if (equalText(await mac(candidate, SESSION_CONTEXT, expiry), presented) && token === undefined) token = candidate
  }
  if (token === undefined) return undefined
  return { expiresAt, csrf: await mac(token, CSRF_CONTEXT, value) }
}
