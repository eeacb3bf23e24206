import { Hono } from "hono"
import { type CreateEnv, createGuard } from "../auth/create-guard.ts"
import { ShareService } from "../service/share-service.ts"
import { jsonBody } from "./json-body.ts"

/** The JSON API the CLI uses (the seed's routes). Each route is an adapter: parse the request, call the service. */
export const apiRoutes = new Hono<CreateEnv>()
  .post("/share", createGuard, async (c) => {
    const service = new ShareService(c.env)
    const caller = { authenticated: c.get("authenticated") }
    return c.json(await service.create(await jsonBody(c), new URL(c.req.url).origin, caller), 201)
  })
  .post("/share/:id/sync", async (c) => {
    // Read as a stream, whatever its size up to the limit (upstream sends a session's whole history at once).
    return c.json(await new ShareService(c.env).syncStream(c.req.param("id"), c.req.raw.body))
  })
  .get("/share/:id", async (c) => {
    const stream = await new ShareService(c.env).getStream(c.req.param("id"), c.req.query("since"))
    return c.body(stream, 200, { "Content-Type": "application/json; charset=UTF-8" })
  })
  .get("/share/:id/data", async (c) => {
    const stream = await new ShareService(c.env).getData(c.req.param("id"))
    return c.body(stream, 200, { "Content-Type": "application/json; charset=UTF-8" })
  })
  .get("/share/:id/metadata", async (c) => {
    return c.json(await new ShareService(c.env).metadata(c.req.param("id")))
  })
  .delete("/share/:id", async (c) => {
    return c.json(await new ShareService(c.env).remove(c.req.param("id"), await jsonBody(c)))
  })
  .get("/sessions", async (c) => {
    return c.json(
      await new ShareService(c.env).list({
        limit: c.req.query("limit"),
        cursor: c.req.query("cursor"),
        q: c.req.query("q"),
      }),
    )
  })
