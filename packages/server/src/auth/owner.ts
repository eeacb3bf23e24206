import { ShareError } from "@cloudsession/protocol"
import type { Context, MiddlewareHandler } from "hono"
import { getCookie } from "hono/cookie"
import type { Env } from "../env.ts"
import { errorResponse } from "../errors/error-response.ts"
import { type AccessIdentity, accessIdentity } from "./access.ts"
import { bearerRefusal, headerToken } from "./bearer.ts"
import { OWNER_COOKIE, type OwnerSession, verifySession } from "./owner-session.ts"
import { configuredTokens } from "./tokens.ts"

/**
 * Who may see listings and act on any share: whoever holds one of the configured bearer tokens. An API client
 * sends it (`Authorization: Bearer`); a browser proves it with the session cookie it got for pasting one, or, where
 * the deployment is behind Cloudflare Access, with the identity token Access adds to its requests.
 */
export type Owner =
  | { via: "bearer" }
  | { via: "cookie"; session: OwnerSession }
  | { via: "access"; identity: AccessIdentity }

/** The form token of a browser owner's dashboard (none for a bearer token: the API has no forms). */
export function formTokenOf(owner: Owner | undefined): string | undefined {
  if (owner?.via === "cookie") return owner.session.csrf
  if (owner?.via === "access") return owner.identity.csrf
  return undefined
}

export type OwnerEnv = { Bindings: Env; Variables: { owner: Owner } }

/** The owner a request speaks for, or `undefined` for anyone else (a bad token or cookie is no owner either). */
export async function ownerOf(c: Context<{ Bindings: Env }>): Promise<Owner | undefined> {
  const tokens = configuredTokens(c.env)
  const presented = headerToken(c.req.raw)
  if (presented !== undefined) {
    if (tokens.length === 0) return undefined
    return (await bearerRefusal(presented, tokens)) === undefined ? { via: "bearer" } : undefined
  }
  const cookie = getCookie(c, OWNER_COOKIE)
  const session =
    cookie === undefined || tokens.length === 0 ? undefined : await verifySession(cookie, tokens, Date.now())
  if (session !== undefined) return { via: "cookie", session }
  const identity = await accessIdentity(c.req.raw, c.env)
  return identity === undefined ? undefined : { via: "access", identity }
}

/**
 * In front of the owner's API routes: a bearer token only. A cookie is not enough for the API: a browser would
 * send it along with a request another site made it send, and the JSON API has no form token to tell them apart.
 */
export const requireOwnerToken: MiddlewareHandler<OwnerEnv> = async (c, next) => {
  const tokens = configuredTokens(c.env)
  if (tokens.length === 0) {
    return errorResponse(c, new ShareError("unavailable", "the owner's routes need a token, and none is configured"))
  }
  const refused = await bearerRefusal(headerToken(c.req.raw), tokens)
  if (refused !== undefined) {
    for (const [name, value] of Object.entries(refused.headers)) c.header(name, value)
    return errorResponse(c, refused.error)
  }
  c.set("owner", { via: "bearer" })
  await next()
}

/**
 * Whether a browser's form post comes from one of this service's own pages: `Origin` (which browsers send on every
 * POST) must be the request's own origin or `https://<API_DOMAIN>`. A request without one is not a browser's, and
 * carries no cookie a cross-site page could have made it send.
 */
export function isSameOriginPost(request: Request, ownOrigins: readonly string[]): boolean {
  const origin = request.headers.get("Origin")
  if (origin === null) return request.headers.get("Sec-Fetch-Site") !== "cross-site"
  return ownOrigins.includes(origin)
}

/** Whether `presented` is the browser owner's form token (compared in constant time). */
export function isFormToken(owner: Owner, presented: string): boolean {
  const expected = formTokenOf(owner)
  if (expected === undefined) return false
  const left = new TextEncoder().encode(expected)
  const right = new TextEncoder().encode(presented)
  return left.byteLength === right.byteLength && crypto.subtle.timingSafeEqual(left, right)
}
