import { ShareError } from "@cloudsession/protocol"
import type { MiddlewareHandler } from "hono"
import type { Env } from "../env.ts"
import { errorResponse } from "../errors/error-response.ts"
import { createRequiresToken } from "../settings/deployment.ts"
import { bearerRefusal, headerToken } from "./bearer.ts"
import { configuredTokens } from "./tokens.ts"

/**
 * In front of `POST /api/share` when `HTTP_CREATE_REQUIRES_TOKEN` is "true": the same bearer tokens as /rpc, checked
 * the same way, before the body is read, so locking down /rpc cannot be sidestepped by creating shares over HTTP.
 * Syncs and deletes need no token: they already need the share's secret.
 */
export const createGuard: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  if (!createRequiresToken(c.env)) return next()
  const tokens = configuredTokens(c.env)
  if (tokens.length === 0) {
    return errorResponse(c, new ShareError("unavailable", "creating a share needs a token, and none is configured"))
  }
  const refused = await bearerRefusal(headerToken(c.req.raw), tokens)
  if (refused === undefined) return next()
  for (const [name, value] of Object.entries(refused.headers)) c.header(name, value)
  return errorResponse(c, refused.error)
}
