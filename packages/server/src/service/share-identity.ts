import { base64url, newSecret, newShareId, sha256Bytes } from "../crypto/crypto.ts"

/** The id and secret of a new share. */
export type ShareIdentity = { id: string; secret: string }

/** Domain separation: the id and the secret are digests of the same key, and neither may reveal the other. */
const ID_CONTEXT = "cloudsession share id\n"
const SECRET_CONTEXT = "cloudsession share secret\n"

/** Drawn at random: a create without a creation key. */
export function randomIdentity(): ShareIdentity {
  return { id: newShareId(), secret: newSecret() }
}

/**
 * Derived from a client's creation key, so a create sent again after a lost reply names the same share and proves
 * the same secret. As unguessable as a random id and secret: the key is at least 256 client-random bits (the schema
 * refuses shorter ones), SHA-256 of it is indistinguishable from random to anyone without it, and the only way to
 * steer an id (or to learn the secret from the id) is a SHA-256 preimage. The id keeps 132 of the digest's bits.
 */
export async function identityFromKey(creationKey: string): Promise<ShareIdentity> {
  const [idDigest, secretDigest] = await Promise.all([
    sha256Bytes(ID_CONTEXT + creationKey),
    sha256Bytes(SECRET_CONTEXT + creationKey),
  ])
  return {
    id: withoutLeadingDash(base64url(new Uint8Array(idDigest)).slice(0, 22)),
    secret: base64url(new Uint8Array(secretDigest)),
  }
}

/**
 * Ids never start with "-" (a command line would read one as an option; see `newShareId`). A derived id cannot be
 * drawn again, so its first character is replaced by a fixed one: the same key always gives the same id, and the
 * ids that start with "A" become twice as likely, which costs less than one bit of the 132.
 */
function withoutLeadingDash(id: string): string {
  return id.startsWith("-") ? `A${id.slice(1)}` : id
}
