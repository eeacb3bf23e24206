import { EXPIRY_BOUNDS, parseDuration } from "@cloudsession/protocol"
import type { Env } from "../env.ts"
import { isOn, positiveInt } from "./values.ts"

/** A rate: at most `limit` requests per minute. */
export type Rate = { limit: number; windowMs: number }

/**
 * What a share created without a token may do: how often one client (IP address, or /64 for IPv6) and everyone
 * together may create such shares and sync them, how much one may hold, and how long it lives unless its creator
 * asked for less. The defaults leave room for a normal OpenCode session from upstream's tokenless client (one share
 * per session, syncs a few times a second while the agent streams, well under the quotas) and none for floods.
 */
export type AnonymousLimits = {
  createsPerClient: Rate
  createsGlobal: Rate
  syncsPerClient: Rate
  syncsGlobal: Rate
  maxBytes: number
  maxItems: number
  /** Milliseconds a share created without a token lives, at most. */
  expiryMs: number
}

const MINUTE = 60_000
const DEFAULT_ANONYMOUS_EXPIRY_MS = 30 * 24 * 3600 * 1000

const perMinute = (value: string | undefined, fallback: number): Rate => ({
  limit: positiveInt(value, fallback, 1_000_000),
  windowMs: MINUTE,
})

export function anonymousLimits(env: Env): AnonymousLimits {
  const expiry = parseDuration(env.ANONYMOUS_EXPIRY ?? "") ?? DEFAULT_ANONYMOUS_EXPIRY_MS
  return {
    createsPerClient: perMinute(env.ANONYMOUS_CREATES_PER_MINUTE, 10),
    createsGlobal: perMinute(env.ANONYMOUS_CREATES_GLOBAL_PER_MINUTE, 600),
    syncsPerClient: perMinute(env.ANONYMOUS_SYNCS_PER_MINUTE, 600),
    syncsGlobal: perMinute(env.ANONYMOUS_SYNCS_GLOBAL_PER_MINUTE, 20_000),
    // Room for what upstream's client sends in its one full-history POST (up to the 100 MB sync body limit; a long
    // real session is about 100 MiB in 11 000 items), and no more.
    maxBytes: positiveInt(env.ANONYMOUS_MAX_SHARE_BYTES, 128 * 1024 * 1024, 1024 * 1024 * 1024),
    maxItems: positiveInt(env.ANONYMOUS_MAX_SHARE_ITEMS, 50_000, 10_000_000),
    expiryMs: Math.min(Math.max(expiry, EXPIRY_BOUNDS.minMs), EXPIRY_BOUNDS.maxMs),
  }
}

/** Whether the optional public page of shares the owner marked `listed` is served (`PUBLIC_LISTING`). */
export function publicListingEnabled(env: Pick<Env, "PUBLIC_LISTING">): boolean {
  return isOn(env.PUBLIC_LISTING)
}

/** Whether items arriving over the JSON API (clients that do not redact) are redacted (`REDACT_HTTP_ITEMS`). */
export function redactsHttpItems(env: Pick<Env, "REDACT_HTTP_ITEMS">): boolean {
  return env.REDACT_HTTP_ITEMS?.trim().toLowerCase() !== "false"
}

/** How long the owner's sign-in cookie lasts (`OWNER_SESSION_HOURS`, default 12, at most 30 days). */
export function ownerSessionMs(env: Pick<Env, "OWNER_SESSION_HOURS">): number {
  return positiveInt(env.OWNER_SESSION_HOURS, 12, 720) * 3600 * 1000
}

/**
 * How long an /rpc WebSocket lives before the client must reconnect and show its token again
 * (`RPC_SESSION_MAX_SECONDS`, default 60): a token removed from RPC_TOKENS stops working within that time.
 */
export function rpcSessionMaxMs(env: Pick<Env, "RPC_SESSION_MAX_SECONDS">): number {
  return positiveInt(env.RPC_SESSION_MAX_SECONDS, 60, 3600) * 1000
}
