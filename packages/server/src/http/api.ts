import { ShareError } from "@cloudsession/protocol"
import { Hono } from "hono"
import { type CreateEnv, createGuard } from "../auth/create-guard.ts"
import { type OwnerEnv, requireOwnerToken } from "../auth/owner.ts"
import type { Env } from "../env.ts"
import { clientKey } from "../quota/client-key.ts"
import { OwnerService } from "../service/owner-service.ts"
import { type Caller, ShareService } from "../service/share-service.ts"
import { publicListingEnabled, redactsHttpItems } from "../settings/privacy.ts"
import { jsonBody } from "./json-body.ts"

/** A JSON API client: upstream OpenCode's HTTP client among them, which does not redact, so the server does. */
function httpCaller(env: Env, request: Request, anonymous: boolean): Caller {
  return { client: clientKey(request), anonymous, redact: redactsHttpItems(env) }
}

/**
 * The owner's routes: listing every share, and acting on any of them without its secret. Bearer token only; the
 * guard is on each route (a sub-app's `use` would reach every path mounted beside it).
 */
const ownerRoutes = new Hono<OwnerEnv>()
  .get("/sessions", requireOwnerToken, async (c) => {
    const query = { limit: c.req.query("limit"), cursor: c.req.query("cursor"), q: c.req.query("q") }
    return c.json(await new ShareService(c.env).list(query))
  })
  .delete("/owner/shares/:id", requireOwnerToken, async (c) =>
    c.json(await new OwnerService(c.env).remove(c.req.param("id"))),
  )
  .post("/owner/shares/:id/secret", requireOwnerToken, async (c) =>
    c.json(await new OwnerService(c.env).rotateSecret(c.req.param("id"))),
  )
  .patch("/owner/shares/:id", requireOwnerToken, async (c) =>
    c.json(await new OwnerService(c.env).update(c.req.param("id"), await jsonBody(c))),
  )

/** The JSON API the CLI uses (the seed's routes). Each route is an adapter: parse the request, call the service. */
export const apiRoutes = new Hono<CreateEnv>()
  .post("/share", createGuard, async (c) => {
    const caller = httpCaller(c.env, c.req.raw, !c.get("authenticated"))
    return c.json(await new ShareService(c.env).create(await jsonBody(c), new URL(c.req.url).origin, caller), 201)
  })
  .post("/share/:id/sync", async (c) => {
    // Read as a stream, whatever its size up to the limit (upstream sends a session's whole history at once).
    const caller = httpCaller(c.env, c.req.raw, false)
    return c.json(await new ShareService(c.env).syncStream(c.req.param("id"), c.req.raw.body, caller))
  })
  .get("/share/:id", async (c) => {
    const stream = await new ShareService(c.env).getStream(c.req.param("id"), c.req.query("since"))
    return c.body(stream, 200, { "Content-Type": "application/json; charset=UTF-8" })
  })
  .get("/share/:id/data", async (c) => {
    const stream = await new ShareService(c.env).getData(c.req.param("id"))
    return c.body(stream, 200, { "Content-Type": "application/json; charset=UTF-8" })
  })
  .get("/share/:id/part/:partID", async (c) => {
    const body = await new ShareService(c.env).getPartJson(c.req.param("id"), c.req.param("partID"))
    return c.body(body, 200, { "Content-Type": "application/json; charset=UTF-8" })
  })
  .get("/share/:id/metadata", async (c) => {
    return c.json(await new ShareService(c.env).metadata(c.req.param("id")))
  })
  .delete("/share/:id", async (c) => {
    return c.json(await new ShareService(c.env).remove(c.req.param("id"), await jsonBody(c)))
  })
  // Off unless the operator turns it on: then the shares the owner marked listed, never anything else.
  .get("/public/sessions", async (c) => {
    if (!publicListingEnabled(c.env)) throw new ShareError("not_found", "no such route")
    const query = { limit: c.req.query("limit"), cursor: c.req.query("cursor"), q: c.req.query("q") }
    return c.json(await new ShareService(c.env).listPublic(query))
  })
  .route("/", ownerRoutes)
