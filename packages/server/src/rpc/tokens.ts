import { constantTimeEqual } from "../service/crypto.ts"

/** Longer candidates are refused unhashed: no configured token is this long, and hashing them is wasted work. */
const MAX_TOKEN_LENGTH = 512

/**
 * Whether `candidate` is one of the configured tokens. Every token is compared, in constant time, whatever
 * matches first, so the timing says neither which token matched nor how much of one did.
 */
export async function isAcceptedToken(candidate: string, tokens: readonly string[]): Promise<boolean> {
  if (candidate.length === 0 || candidate.length > MAX_TOKEN_LENGTH) return false
  const matches = await Promise.all(tokens.map((token) => constantTimeEqual(candidate, token)))
  return matches.reduce((accepted, match) => accepted || match, false)
}
