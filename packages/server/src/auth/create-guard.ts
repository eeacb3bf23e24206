import { ShareError } from "@cloudsession/protocol"
import type { MiddlewareHandler } from "hono"
import type { Env } from "../env.ts"
import { errorResponse } from "../errors/error-response.ts"
import { createRequiresToken } from "../settings/deployment.ts"
import { bearerRefusal, headerToken } from "./bearer.ts"
import { configuredTokens } from "./tokens.ts"

/** What the create guard found: whether the create came with an accepted bearer token. */
export type CreateEnv = { Bindings: Env; Variables: { authenticated: boolean } }

/**
 * In front of `POST /api/share`. When `HTTP_CREATE_REQUIRES_TOKEN` is "true": the same bearer tokens as /rpc, checked
 * the same way, before the body is read, so locking down /rpc cannot be sidestepped by creating shares over HTTP.
 * Otherwise a token is optional, and the guard only notes whether an accepted one came (an unauthenticated create
 * gets one share per session). Syncs and deletes need no token: they already need the share's secret.
 */
export const createGuard: MiddlewareHandler<CreateEnv> = async (c, next) => {
  const tokens = configuredTokens(c.env)
  const presented = headerToken(c.req.raw)
  if (!createRequiresToken(c.env)) {
    const accepted = presented !== undefined && (await bearerRefusal(presented, tokens)) === undefined
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
