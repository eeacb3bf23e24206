import { app } from "./app.ts"
import type { Env } from "./env.ts"
import { installItemRenderer } from "./render/item-renderer.ts"
import { itemRenderer } from "./views/item-html.tsx"

// Shares render their items when they are written, with the page's own components (see render/item-renderer.ts).
installItemRenderer(itemRenderer)

export { ShareDirectory } from "./listing/share-directory.ts"
export { RateLimiter } from "./quota/rate-limiter.ts"
export { SessionClaim } from "./share-object/session-claim.ts"
export { ShareObject } from "./share-object/share-object.ts"

/**
 * A client whose base URL ends in a slash asks for `//api/share` (upstream OpenCode joins `${url}/api/share`): runs
 * of slashes in the path are one slash, so every route answers whatever the base URL's spelling.
 */
function collapseSlashes(request: Request): Request {
  const url = new URL(request.url)
  if (!url.pathname.includes("//")) return request
  url.pathname = url.pathname.replace(/\/{2,}/g, "/")
  return new Request(url, request)
}

export default {
  fetch: (request, env, ctx) => app.fetch(collapseSlashes(request), env, ctx),
} satisfies ExportedHandler<Env>
