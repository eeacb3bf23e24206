import type { Env } from "../env.ts"
import type { Rate } from "../settings/privacy.ts"
import type { RateDecision } from "./rate-limiter.ts"

/** Counters are kept per key in their own object; "global" is everyone's. */
const GLOBAL = "global"

type LimiterEnv = Pick<Env, "RATE_LIMITER">

function take(env: LimiterEnv, key: string, bucket: string, rate: Rate, now: number): Promise<RateDecision> {
  const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(key))
  return stub.take(bucket, rate.limit, rate.windowMs, now)
}

/**
 * One request of `bucket` ("create", "sync") from `client`, counted against that client's rate and everyone's.
 * Both counters are asked at once; a refusal by either wins, with the longer wait.
 */
export async function takeAnonymous(
  env: LimiterEnv,
  bucket: string,
  client: string,
  rates: { perClient: Rate; global: Rate },
  now = Date.now(),
): Promise<RateDecision> {
  const [own, everyone] = await Promise.all([
    take(env, `client:${client}`, bucket, rates.perClient, now),
    take(env, GLOBAL, bucket, rates.global, now),
  ])
  const waits = [own, everyone].flatMap((decision) => (decision.ok ? [] : [decision.retryAfterSeconds]))
  return waits.length === 0 ? { ok: true } : { ok: false, retryAfterSeconds: Math.max(...waits) }
}
