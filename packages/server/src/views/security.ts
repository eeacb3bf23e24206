import type { MiddlewareHandler } from "hono"
import { NONCE, secureHeaders } from "hono/secure-headers"

/**
 * Headers for HTML pages. Shared sessions hold arbitrary model and tool output; besides sanitising it, the CSP
 * makes sure nothing in it can run or load: only our own nonce'd inline script and style, images only as inline
 * data (an image URL, even our own, would make every viewer's browser send a request just by opening the page),
 * network only back to this origin (the fragments fetch and the live socket), forms only back to this origin (the
 * list page's search box, sign-in and the owner's dashboard).
 */
export const pageHeaders: MiddlewareHandler = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: [NONCE],
    styleSrc: [NONCE],
    imgSrc: ["data:"],
    connectSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  xFrameOptions: "DENY",
  // See app.ts: no referrer leaves for another site, and our own form posts keep their Origin.
  referrerPolicy: "same-origin",
})

/** Shares are unlisted: keep them (and the list of them) out of search engines, and out of shared caches. */
export const unlisted: MiddlewareHandler = async (c, next) => {
  await next()
  c.res.headers.set("X-Robots-Tag", "noindex, nofollow")
  c.res.headers.set("Cache-Control", "no-store")
}
