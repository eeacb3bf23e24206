import { constantTimeEqual } from "../crypto/crypto.ts"
import type { Env } from "../env.ts"
import { tokenEntries } from "../settings/deployment.ts"

/**
 * Shorter configured tokens are warned about: likely a placeholder, not a secret. They stay usable, since dropping
 * one would lock out the clients holding it (the generated ones have 43 characters).
 */
export const MIN_TOKEN_LENGTH = 16
/** Longest token: longer candidates are refused unhashed, so a configured token this long could never match. */
export const MAX_TOKEN_LENGTH = 512

/** The last list checked, so the warnings come once per configuration and isolate, not on every request. */
let checked: { entries: string; usable: string[] } | undefined

function warn(index: number, count: number, problem: string): void {
  // The position, never the value: the log must not hold a secret, even a broken one.
  console.warn(`RPC_TOKENS entry ${index + 1} of ${count} ${problem}`)
}

/**
 * The configured tokens a client can match: an entry longer than `MAX_TOKEN_LENGTH` is dropped, one shorter than
 * `MIN_TOKEN_LENGTH` kept; both are warned about.
 */
export function usableTokens(entries: readonly string[]): string[] {
  const key = entries.join("\n")
  if (checked?.entries === key) return checked.usable
  const usable = entries.filter((token, index) => {
    if (token.length > MAX_TOKEN_LENGTH) {
      warn(index, entries.length, `is ignored: longer than ${MAX_TOKEN_LENGTH} characters, so no client could send it`)
      return false
    }
    if (token.length < MIN_TOKEN_LENGTH) {
      warn(index, entries.length, `is weak: shorter than ${MIN_TOKEN_LENGTH} characters (use a generated token)`)
    }
    return true
  })
  checked = { entries: key, usable }
  return usable
}

/**
 * Whether `candidate` is one of the configured tokens. Every token is compared, in constant time, whatever
 * matches first, so the timing says neither which token matched nor how much of one did.
 */
export async function isAcceptedToken(candidate: string, tokens: readonly string[]): Promise<boolean> {
  if (candidate.length === 0 || candidate.length > MAX_TOKEN_LENGTH) return false
  const matches = await Promise.all(tokens.map((token) => constantTimeEqual(candidate, token)))
  return matches.reduce((accepted, match) => accepted || match, false)
}

/**
 * Bearer tokens accepted on /rpc (`RPC_TOKENS`, a Worker secret; several so one can be rotated out), without the
 * entries no client could match (see `usableTokens`).
 */
export function configuredTokens(env: Pick<Env, "RPC_TOKENS">): string[] {
  return usableTokens(tokenEntries(env))
}
