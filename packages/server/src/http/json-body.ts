import { ShareError } from "@cloudsession/protocol"
import type { Context, MiddlewareHandler } from "hono"
import { bodyLimit } from "hono/body-limit"
import type { Env } from "../env.ts"
import { limitsOf } from "../settings/limits.ts"

/** Refuse bodies over the deployment's limit before they are read (413), whether or not they declare a length. */
export const limitBody: MiddlewareHandler<{ Bindings: Env }> = (c, next) =>
  bodyLimit({
    maxSize: limitsOf(c.env).maxBodyBytes,
    onError: () => {
      throw new ShareError("payload_too_large", `request body exceeds ${limitsOf(c.env).maxBodyBytes} bytes`)
    },
  })(c, next)

/** The request body as JSON, or a `bad_request` ShareError when it is not JSON at all. */
export async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text()
  try {
    return JSON.parse(text)
  } catch {
    throw new ShareError("bad_request", "request body is not valid JSON")
  }
}
