import { ShareError } from "@cloudsession/protocol"
import { Hono } from "hono"
import { secureHeaders } from "hono/secure-headers"
import type { Env } from "./env.ts"
import { apiRoutes } from "./http/api.ts"
import { errorResponse, handleError } from "./http/errors.ts"
import { rpcRoutes } from "./rpc/routes.ts"
import { viewRoutes } from "./views/routes.tsx"

export const app = new Hono<{ Bindings: Env }>()

app.use(secureHeaders({ xFrameOptions: "DENY", referrerPolicy: "no-referrer" }))
app.route("/api", apiRoutes)
app.route("/rpc", rpcRoutes)
app.route("/", viewRoutes)
app.notFound((c) => errorResponse(c, new ShareError("not_found", "no such route")))
app.onError(handleError)
