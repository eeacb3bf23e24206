import { ShareError } from "@cloudsession/protocol"
import type { Env } from "../env.ts"

/**
 * A claim younger than this stands without asking whether its share exists: the share may still be being created
 * (OpenCode's two creates for one session arrive milliseconds apart). An older claim whose share is gone (deleted,
 * expired, or never created because its create failed) is taken over.
 */
const CLAIM_SETTLE_MS = 60_000

const taken = () =>
  new ShareError(
    "conflict",
    "this session already has a share; its owner holds the secret (delete that share first to share it again)",
  )

function claimsOf(env: Env, sessionID: string) {
  return env.SESSION_CLAIMS.get(env.SESSION_CLAIMS.idFromName(sessionID))
}

async function shareExists(env: Env, shareID: string): Promise<boolean> {
  const outcome = await env.SHARES.get(env.SHARES.idFromName(shareID)).metadata({ shareID })
  return outcome.ok
}

/**
 * One share per session for creates that carry neither a token nor a creation key (upstream's client): claim the
 * session for `shareID`, or fail with `conflict` when a live share holds it. Never reveals that share's secret.
 */
export async function claimSession(env: Env, sessionID: string, shareID: string, now: number): Promise<void> {
  const claims = claimsOf(env, sessionID)
  const first = await claims.claim({ shareID, now })
  if ("ok" in first) return
  if (now - first.claimedAt < CLAIM_SETTLE_MS || (await shareExists(env, first.shareID))) throw taken()
  const second = await claims.claim({ shareID, now, replacing: first.shareID })
  if (!("ok" in second)) throw taken()
}

/** The share was deleted (or its create failed): its session may be shared again. */
export async function releaseSession(env: Env, sessionID: string, shareID: string): Promise<void> {
  await claimsOf(env, sessionID).release(shareID)
}
