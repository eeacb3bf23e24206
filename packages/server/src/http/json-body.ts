import { ShareError } from "@cloudsession/protocol"
import type { Context } from "hono"
import type { Env } from "../env.ts"
import { bodyWithin } from "../input/request-body.ts"
import { limitsOf } from "../settings/limits.ts"

/** The request body as JSON, or a `bad_request` ShareError when it is not JSON at all. */
export async function jsonBody<E extends { Bindings: Env }>(c: Context<E>): Promise<unknown> {
  const text = await bodyWithin(c.req.raw, limitsOf(c.env).maxBodyBytes)
  try {
    return JSON.parse(text)
  } catch {
    throw new ShareError("bad_request", "request body is not valid JSON")
  }
}
