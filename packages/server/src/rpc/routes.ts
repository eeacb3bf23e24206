import { ShareError } from "@cloudsession/protocol"
import { Hono } from "hono"
import type { Env } from "../env.ts"
import { errorResponse } from "../http/errors.ts"

/** capnweb endpoint (WebSocket and HTTP batch) behind the authentication gate. Filled in by the /rpc issue. */
export const rpcRoutes = new Hono<{ Bindings: Env }>().all("/", (c) =>
  errorResponse(c, new ShareError("unavailable", "RPC endpoint not enabled yet")),
)
