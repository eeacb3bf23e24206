import { ShareError } from "@cloudsession/protocol"
import type { MiddlewareHandler } from "hono"
import type { Env } from "../env.ts"
import { errorResponse } from "../errors/error-response.ts"
import { takeAnonymous } from "../quota/anonymous.ts"
import { clientKey } from "../quota/client-key.ts"
import { createRequiresToken } from "../settings/deployment.ts"
import { anonymousLimits } from "../settings/privacy.ts"
import { bearerRefusal, headerToken } from "./bearer.ts"
import { configuredTokens } from "./tokens.ts"

/** What the create guard found: whether the create came with an accepted bearer token. */
export type CreateEnv = { Bindings: Env; Variables: { authenticated: boolean } }

/**
 * In front of `POST /api/share`, before the body is read. When `HTTP_CREATE_REQUIRES_TOKEN` is "true": the same
 * bearer tokens as /rpc, checked the same way, so locking down /rpc cannot be sidestepped by creating shares over
 * HTTP. Otherwise a token is optional, and a create without an accepted one is anonymous: counted against the
 * client's rate and everyone's (429 with `Retry-After` past either), and its share gets one per session, the
 * anonymous quotas and the default expiry. Syncs and deletes need no token: they already need the share's secret.
 */
export const createGuard: MiddlewareHandler<CreateEnv> = async (c, next) => {
  const tokens = configuredTokens(c.env)
  const presented = headerToken(c.req.raw)
  if (!createRequiresToken(c.env)) {
    const accepted = presented !== undefined && (await bearerRefusal(presented, tokens)) === undefined
    if (!accepted) {
      const limits = anonymousLimits(c.env)
      const rates = { perClient: limits.createsPerClient, global: limits.createsGlobal }
      const decision = await takeAnonymous(c.env, "create", clientKey(c.req.raw), rates)
      if (!decision.ok) {
        const message = "too many shares created without a token; try again later, or send a bearer token"
        return errorResponse(c, new ShareError("too_many_requests", message, decision))
      }
    }
    c.set("authenticated", accepted)
    return next()
  }
  if (tokens.length === 0) {
    return errorResponse(c, new ShareError("unavailable", "creating a share needs a token, and none is configured"))
  }
  const refused = await bearerRefusal(presented, tokens)
  if (refused === undefined) {
    c.set("authenticated", true)
    return next()
  }
  for (const [name, value] of Object.entries(refused.headers)) c.header(name, value)
  return errorResponse(c, refused.error)
}
