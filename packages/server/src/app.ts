import { ShareError } from "@cloudsession/protocol"
import { Hono } from "hono"
import { secureHeaders } from "hono/secure-headers"
import type { Env } from "./env.ts"
import { errorResponse, handleError } from "./errors/error-response.ts"
import { apiRoutes } from "./http/api.ts"
import { rpcRoutes } from "./rpc/routes.ts"
import { viewRoutes } from "./views/routes.tsx"

export const app = new Hono<{ Bindings: Env }>()

// `same-origin`, not `no-referrer`: a share's URL still never goes to another site, and a form post from our own
// pages keeps its real `Origin` (under `no-referrer` a browser sends `Origin: null`, which the owner's forms refuse).
app.use(secureHeaders({ xFrameOptions: "DENY", referrerPolicy: "same-origin" }))
// A WebSocket upgrade answered by a Durable Object comes back with immutable headers; re-wrap it so the security
// headers above can still be added on the way out.
app.use(async (c, next) => {
  await next()
  const socket = c.res.webSocket
  if (c.res.status !== 101 || socket === null) return
  c.res = new Response(null, { status: 101, webSocket: socket, headers: new Headers(c.res.headers) })
})
app.route("/api", apiRoutes)
app.route("/rpc", rpcRoutes)
app.route("/", viewRoutes)
app.notFound((c) => errorResponse(c, new ShareError("not_found", "no such route")))
app.onError(handleError)
