/** Random ids and secrets, secret hashing and constant-time comparison (Web Crypto, available in workerd). */

function base64url(bytes: Uint8Array): string {
  const binary = Array.from(bytes, (byte) => String.fromCharCode(byte)).join("")
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")
}

function randomToken(byteLength: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(byteLength)))
}

/** 128 random bits: unguessable, URL-safe, 22 characters. */
export function newShareId(): string {
  return randomToken(16)
}

/**
 * 256 random bits. Random rather than HMAC-derived from the session id: there is no server master key whose leak
 * would expose every share, and rotating nothing keeps old shares valid. Only its SHA-256 is stored.
 */
export function newSecret(): string {
  return randomToken(32)
}

export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value))
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("")
}

/**
 * Constant-time equality of two strings. Both sides are hashed first so the comparison runs over equal-length
 * buffers whatever the inputs' lengths (timingSafeEqual requires that, and length itself must not leak).
 */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const [left, right] = await Promise.all([digestBytes(a), digestBytes(b)])
  return crypto.subtle.timingSafeEqual(left, right)
}

async function digestBytes(value: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(value))
}
