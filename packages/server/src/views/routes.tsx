import { Hono } from "hono"
import type { Env } from "../env.ts"

/** Browser pages and the viewers' live socket. */
export const viewRoutes = new Hono<{ Bindings: Env }>()
  .get("/", (c) => c.redirect("/sessions"))
  .get("/ws/:id", async (c) => {
    const id = c.req.param("id")
    const stub = c.env.SHARES.get(c.env.SHARES.idFromName(id))
    const url = new URL(c.req.url)
    url.searchParams.set("share", id)
    return stub.fetch(new Request(url, c.req.raw))
  })
