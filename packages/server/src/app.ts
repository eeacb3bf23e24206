import { ShareError } from "@cloudsession/protocol"
import { Hono } from "hono"
import { secureHeaders } from "hono/secure-headers"
import type { Env } from "./env.ts"
import { errorResponse, handleError } from "./errors/error-response.ts"
import { apiRoutes } from "./http/api.ts"
import { drainUnread } from "./input/request-body.ts"
import { rpcRoutes } from "./rpc/routes.ts"
import { isAllowedHost } from "./settings/hosts.ts"
import { viewRoutes } from "./views/routes.tsx"

export const app = new Hono<{ Bindings: Env }>()

// `same-origin`, not `no-referrer`: a share's URL still never goes to another site, and a form post from our own
// pages keeps its real `Origin` (under `no-referrer` a browser sends `Origin: null`, which the owner's forms refuse).
app.use(secureHeaders({ xFrameOptions: "DENY", referrerPolicy: "same-origin" }))
// Before anything reads the request: a local server answers only to its own names (DNS rebinding, see hosts.ts),
// so no page is rendered for, and no share URL is built from, a Host someone else chose.
app.use(async (c, next) => {
  if (isAllowedHost(c.env, c.req.header("Host") ?? null)) return next()
  return errorResponse(c, new ShareError("forbidden", "this server does not answer to that Host name"))
})
// A WebSocket upgrade answered by a Durable Object comes back with immutable headers; re-wrap it so the security
// headers above can still be added on the way out.
app.use(async (c, next) => {
  await next()
  const socket = c.res.webSocket
  if (c.res.status !== 101 || socket === null) return
  c.res = new Response(null, { status: 101, webSocket: socket, headers: new Headers(c.res.headers) })
})
// A request answered without its body being read (refused by a guard, an unknown route) still has it read and
// dropped, bounded: workerd answers nothing more on a connection with an unread body (see input/request-body.ts).
app.use(async (c, next) => {
  await next()
  await drainUnread(c.req.raw)
})
app.route("/api", apiRoutes)
app.route("/rpc", rpcRoutes)
app.route("/", viewRoutes)
app.notFound((c) => errorResponse(c, new ShareError("not_found", "no such route")))
app.onError(handleError)
