import { ShareError } from "@cloudsession/protocol"
import type { Context } from "hono"
import type { ContentfulStatusCode } from "hono/utils/http-status"
import { logServerFault } from "./fault-log.ts"

/** JSON error response in the API's one shape: `{ error: { code, message } }`. */
export function errorResponse(c: Context, error: ShareError): Response {
  if (error.retryAfterSeconds !== undefined) c.header("Retry-After", String(error.retryAfterSeconds))
  return c.json(error.toBody(), error.status as ContentfulStatusCode)
}

/**
 * Last-resort handler: ShareErrors become their status; anything else is a 500 whose message is not echoed (it
 * may carry internals) and whose log line never includes request bodies, where secrets travel.
 */
export function handleError(error: Error, c: Context): Response {
  if (error instanceof ShareError) return errorResponse(c, error)
  logServerFault(`unhandled error on ${c.req.method} ${new URL(c.req.url).pathname}`, error)
  return errorResponse(c, new ShareError("internal", "internal error"))
}
