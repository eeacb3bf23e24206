import { ShareError, ShareIdSchema } from "@cloudsession/protocol"
import { type Context, Hono } from "hono"
import type { JSX } from "hono/jsx/jsx-runtime"
import { isOriginAllowed } from "../auth/origin.ts"
import type { Env } from "../env.ts"
import { errorResponse } from "../errors/error-response.ts"
import { RENDER_UNITS, RenderBudget } from "../render/budget.ts"
import { withBudget } from "../render/context.ts"
import { markHiddenInPage } from "../render/html.ts"
import { ShareService } from "../service/share-service.ts"
import { ErrorPage } from "./error-page.tsx"
import { fragmentsOf } from "./fragments.tsx"
import { ownerRoutes } from "./owner-routes.tsx"
import { earlierTurns, wantsMarkdown, windowOf } from "./page-window.tsx"
import { pageHeaders, unlisted } from "./security.ts"
import { PartPage, SessionDetail } from "./session-detail.tsx"

type ViewContext = Context<{ Bindings: Env }>

function nonceOf(c: ViewContext): string {
  // Set by `pageHeaders` (hono's NONCE) before the handler runs; one fresh value per response.
  return c.get("secureHeadersNonce") ?? ""
}

function isShareId(id: string): boolean {
  return ShareIdSchema.safeParse(id).success
}

/** A share that was deleted (by its creator, the server's owner or its expiry): it is not coming back. */
function gonePage(c: ViewContext, message: string): Response | Promise<Response> {
  return c.html(<ErrorPage nonce={nonceOf(c)} status={410} heading="Share deleted" message={message} />, 410)
}

/**
 * A whole page as HTML: parts and diffs come with the HTML stored when they were written; what has none is rendered
 * here, within one page's budget, and hidden characters are marked like in the stored HTML.
 */
function renderPage(page: () => JSX.Element): string {
  return withBudget(new RenderBudget(RENDER_UNITS.read), () => markHiddenInPage(String(page())))
}

function notFoundPage(c: ViewContext): Response | Promise<Response> {
  return c.html(
    <ErrorPage
      nonce={nonceOf(c)}
      status={404}
      heading="Share not found"
      message="This share does not exist or was deleted."
    />,
    404,
  )
}

/** Browser pages and the viewers' live socket. Pages read through ShareService like every other route. */
export const viewRoutes = new Hono<{ Bindings: Env }>()
  .get("/", (c) => c.redirect("/sessions"))
  .route("/", ownerRoutes)
  .get("/share/:id", unlisted, pageHeaders, async (c) => {
    const requested = c.req.param("id")
    // `/share/<id>.md` and `/share/<id>.json`: the same share for agents and scripts (ids never hold a dot).
    const [id = "", format] = requested.split(".", 2)
    if (!isShareId(id) || (format !== undefined && format !== "md" && format !== "json")) return notFoundPage(c)
    const service = new ShareService(c.env)
    c.header("Vary", "Accept")
    try {
      if (format === "json") {
        return c.body(await service.getStream(id), 200, { "Content-Type": "application/json; charset=UTF-8" })
      }
      if (format === "md" || wantsMarkdown(c.req.header("accept"))) {
        return c.body(await service.getTranscript(id), 200, { "Content-Type": "text/markdown; charset=UTF-8" })
      }
      const partID = c.req.query("part")
      if (partID !== undefined) {
        const { snapshot, part, message, clipped } = await service.getPart(id, partID)
        // Shown whole, so rendered here (the stored HTML is clipped), within the page's budget.
        return c.html(
          renderPage(() => (
            <PartPage snapshot={snapshot} part={part} message={message} clipped={clipped} nonce={nonceOf(c)} />
          )),
        )
      }
      const page = await service.getPage(id, {
        before: c.req.query("before"),
        at: c.req.query("at"),
        v: c.req.query("v"),
      })
      return c.html(
        renderPage(() => (
          <SessionDetail
            snapshot={page.snapshot}
            complete={page.complete}
            html={page.html}
            nonce={nonceOf(c)}
            window={windowOf(page)}
          />
        )),
      )
    } catch (error) {
      if (error instanceof ShareError && error.code === "not_found") return notFoundPage(c)
      if (error instanceof ShareError && error.code === "bad_request") {
        return c.html(<ErrorPage nonce={nonceOf(c)} status={400} heading="Bad page" message={error.message} />, 400)
      }
      if (error instanceof ShareError && error.code === "gone") return gonePage(c, error.message)
      throw error
    }
  })
  // Earlier turns for the live script's "load earlier": server-rendered, sanitised HTML of the messages before one.
  .get("/share/:id/turns", unlisted, async (c) => {
    const id = c.req.param("id")
    if (!isShareId(id)) return errorResponse(c, new ShareError("not_found", "share not found"))
    const before = c.req.query("before")
    if (before === undefined) return errorResponse(c, new ShareError("bad_request", "`before` is required"))
    const page = await new ShareService(c.env).getPage(id, { before })
    return c.json(
      withBudget(new RenderBudget(RENDER_UNITS.read), () => earlierTurns(page)),
      200,
      {
        "Cache-Control": "no-store",
      },
    )
  })
  // Server-rendered, sanitised HTML of what changed after `since`: what the live script patches into the page. Read
  // under the page's byte budget, from the HTML stored when items were written; nothing is cached, so nothing of a
  // deleted share outlives its delete (a view costs one Durable Object read of what it shows).
  .get("/share/:id/fragments", unlisted, async (c) => {
    const id = c.req.param("id")
    if (!isShareId(id)) return errorResponse(c, new ShareError("not_found", "share not found"))
    const since = c.req.query("since")
    const delta = await new ShareService(c.env).getForView(id, since)
    // The service has validated `since` (absent, or a non-negative integer) by now.
    return c.json(fragmentsOf(delta, since === undefined ? -1 : Number(since)), 200, { "Cache-Control": "no-store" })
  })
  .get("/ws/:id", async (c) => {
    const id = c.req.param("id")
    if (!isShareId(id)) return errorResponse(c, new ShareError("not_found", "share not found"))
    // Checked like /rpc: a page on another site must not open viewers' sockets from its visitors' browsers (it would
    // take the share's viewer slots, and read a share its visitors can reach and it cannot).
    if (!isOriginAllowed(c.req.raw, c.env)) {
      return errorResponse(c, new ShareError("forbidden", "this Origin may not open a viewer socket"))
    }
    // The socket lives in the share's Durable Object; only the upgrade is proxied here.
    const response = await new ShareService(c.env).viewerSocket(id, c.req.raw)
    if (response.status === 101) return response
    // A refusal (unknown share, too many viewers) comes back with immutable headers; copy it so the security
    // headers can still be added on the way out.
    return new Response(response.body, response)
  })
