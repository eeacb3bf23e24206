/** Random ids and secrets, secret hashing and constant-time comparison (Web Crypto, available in workerd). */

export function base64url(bytes: Uint8Array): string {
  const binary = Array.from(bytes, (byte) => String.fromCharCode(byte)).join("")
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")
}

function randomToken(byteLength: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(byteLength)))
}

/**
 * 128 random bits: unguessable, URL-safe, 22 characters. Never starting with "-": a command line would read such an
 * id as an option (`cloudsession export -abc…`). Drawing again costs 1/64 of the time, and almost no entropy.
 */
export function newShareId(): string {
  for (;;) {
    const id = randomToken(16)
    if (!id.startsWith("-")) return id
  }
}

/**
 * 256 random bits. Random rather than HMAC-derived from the session id: there is no server master key whose leak
 * would expose every share, and rotating nothing keeps old shares valid. Only its SHA-256 is stored.
 */
export function newSecret(): string {
  return randomToken(32)
}

export async function sha256Hex(value: string): Promise<string> {
  return hexOf(await sha256Bytes(value))
}

/**
 * Constant-time check of a presented secret's digest against a stored hex SHA-256. Both are 32-byte digests, so
 * nothing about the secret's length leaks; synchronous, so a Durable Object can run it inside its write transaction.
 */
export function digestMatchesHex(presented: ArrayBuffer, storedHex: string): boolean {
  const stored = bytesOfHex(storedHex)
  if (stored === undefined || stored.byteLength !== presented.byteLength) return false
  return crypto.subtle.timingSafeEqual(presented, stored)
}

function hexOf(digest: ArrayBuffer): string {
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("")
}

function bytesOfHex(hex: string): ArrayBuffer | undefined {
  if (!/^(?:[0-9a-f]{2})+$/.test(hex)) return undefined
  const bytes = new Uint8Array(hex.length / 2)
  for (let index = 0; index < bytes.length; index += 1)
    bytes[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16)
  return bytes.buffer
}

/** Constant-time equality of two stored hex SHA-256 digests (a replayed create's secret against the share's). */
export function hexDigestsEqual(presentedHex: string, storedHex: string): boolean {
  const presented = bytesOfHex(presentedHex)
  return presented !== undefined && digestMatchesHex(presented, storedHex)
}

/**
 * Constant-time equality of two strings. Both sides are hashed first so the comparison runs over equal-length
 * buffers whatever the inputs' lengths (timingSafeEqual requires that, and length itself must not leak).
 */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const [left, right] = await Promise.all([sha256Bytes(a), sha256Bytes(b)])
  return crypto.subtle.timingSafeEqual(left, right)
}

/** SHA-256 of a value; taken once per presented secret so the check against the stored hash can run synchronously. */
export async function sha256Bytes(value: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(value))
}
