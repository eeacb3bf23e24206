import { ShareError } from "@cloudsession/protocol"
import { type Context, Hono } from "hono"
import { deleteCookie, setCookie } from "hono/cookie"
import { formTokenOf, isFormToken, isSameOriginPost, type Owner, ownerOf } from "../auth/owner.ts"
import { issueSession, OWNER_COOKIE } from "../auth/owner-session.ts"
import { configuredTokens, isAcceptedToken } from "../auth/tokens.ts"
import type { Env } from "../env.ts"
import { OwnerService } from "../service/owner-service.ts"
import { ShareService } from "../service/share-service.ts"
import { configuredOrigin } from "../settings/deployment.ts"
import { ownerSessionMs, publicListingEnabled } from "../settings/privacy.ts"
import { ErrorPage } from "./error-page.tsx"
import { Layout } from "./layout.tsx"
import { pageHeaders, unlisted } from "./security.ts"
import { SessionList } from "./session-list.tsx"
import { SignInPage } from "./sign-in-page.tsx"

type ViewContext = Context<{ Bindings: Env }>

const LIST_PAGE_SIZE = 50
/** Form bodies here are a token and a few words. */
const MAX_FORM_BYTES = 4096

function nonceOf(c: ViewContext): string {
  return c.get("secureHeadersNonce") ?? ""
}

function ownOrigins(c: ViewContext): string[] {
  const configured = configuredOrigin(c.env)
  const own = new URL(c.req.url).origin
  return configured === undefined ? [own] : [own, configured]
}

/** Only a path on this site: a `next` of `//evil.example` or `https://…` would make sign-in an open redirect. */
function safeNext(value: unknown): string {
  return typeof value === "string" && /^\/(?![/\\])[\x21-\x7e]{0,512}$/.test(value) ? value : "/sessions"
}

function errorPage(c: ViewContext, status: 400 | 403 | 404 | 410, heading: string, message: string) {
  return c.html(<ErrorPage nonce={nonceOf(c)} status={status} heading={heading} message={message} />, status)
}

/** A form body of bounded size, as text fields; `undefined` when it is too large or not a form. */
async function formOf(c: ViewContext): Promise<Record<string, string> | undefined> {
  const declared = Number(c.req.header("Content-Length") ?? "0")
  if (declared > MAX_FORM_BYTES) return undefined
  const text = await c.req.text()
  if (text.length > MAX_FORM_BYTES) return undefined
  return Object.fromEntries(new URLSearchParams(text))
}

/**
 * The browser owner behind a dashboard form (signed in with a token, or named by Access), once its origin and form
 * token check out.
 */
async function formSession(c: ViewContext): Promise<{ owner: Owner; form: Record<string, string> } | Response> {
  if (!isSameOriginPost(c.req.raw, ownOrigins(c)))
    return errorPage(c, 403, "Refused", "This form must come from this site.")
  const owner = await ownerOf(c)
  if (owner === undefined || formTokenOf(owner) === undefined) return c.redirect("/signin", 303)
  const form = await formOf(c)
  if (form === undefined || !isFormToken(owner, form.csrf ?? "")) {
    return errorPage(c, 403, "Refused", "This form has expired; reload the page and try again.")
  }
  return { owner, form }
}

async function listPage(c: ViewContext, owner: Owner | undefined) {
  const limit = c.req.query("limit") ?? String(LIST_PAGE_SIZE)
  const cursor = c.req.query("cursor") ?? "0"
  const query = c.req.query("q") ?? ""
  try {
    const service = new ShareService(c.env)
    const request = { limit, cursor, q: query }
    const page = owner === undefined ? await service.listPublic(request) : await service.list(request)
    const csrf = formTokenOf(owner)
    return c.html(
      <SessionList
        nonce={nonceOf(c)}
        sessions={page.sessions}
        cursor={Number(cursor)}
        next={page.cursor}
        limit={Number(limit)}
        query={query.trim()}
        csrf={csrf}
        signOut={owner?.via === "access" ? "access" : "form"}
        path={owner === undefined ? "/public" : "/sessions"}
      />,
    )
  } catch (error) {
    if (!(error instanceof ShareError) || error.code !== "bad_request") throw error
    return errorPage(c, 400, "Bad page", error.message)
  }
}

/** Run an owner action from the dashboard, then go back to it; a share that is gone says so. */
async function act(c: ViewContext, action: (owner: OwnerService, form: Record<string, string>) => Promise<unknown>) {
  const checked = await formSession(c)
  if (checked instanceof Response) return checked
  try {
    await action(new OwnerService(c.env), checked.form)
  } catch (error) {
    if (!(error instanceof ShareError)) throw error
    const status = error.status === 404 || error.status === 410 || error.status === 400 ? error.status : 400
    return errorPage(c, status, "Not done", error.message)
  }
  return c.redirect("/sessions", 303)
}

/**
 * The owner's pages: listings are theirs (no anonymous route reveals that a share exists except its own URL), the
 * sign-in page that turns a pasted token into a session cookie, sign-out, and the dashboard's actions. `/public`
 * lists the shares the owner marked listed, only where the operator turned it on.
 */
export const ownerRoutes = new Hono<{ Bindings: Env }>()
  .get("/sessions", unlisted, pageHeaders, async (c) => {
    const owner = await ownerOf(c)
    if (owner === undefined) return c.redirect(`/signin?next=${encodeURIComponent(c.req.path)}`, 303)
    return listPage(c, owner)
  })
  .get("/public", unlisted, pageHeaders, async (c) => {
    if (!publicListingEnabled(c.env)) return errorPage(c, 404, "Not found", "This server has no public listing.")
    return listPage(c, undefined)
  })
  .get("/signin", unlisted, pageHeaders, (c) =>
    c.html(<SignInPage nonce={nonceOf(c)} next={safeNext(c.req.query("next"))} />),
  )
  .post("/signin", unlisted, pageHeaders, async (c) => {
    if (!isSameOriginPost(c.req.raw, ownOrigins(c))) return errorPage(c, 403, "Refused", "Sign in from this site.")
    const form = await formOf(c)
    const next = safeNext(form?.next)
    const token = form?.token?.trim() ?? ""
    if (!(await isAcceptedToken(token, configuredTokens(c.env)))) {
      return c.html(<SignInPage nonce={nonceOf(c)} next={next} error="That is not one of this server's tokens." />, 401)
    }
    const lifetime = ownerSessionMs(c.env)
    setCookie(c, OWNER_COOKIE, await issueSession(token, Date.now() + lifetime), {
      httpOnly: true,
      secure: new URL(c.req.url).protocol === "https:",
      sameSite: "Strict",
      path: "/",
      maxAge: Math.floor(lifetime / 1000),
    })
    return c.redirect(next, 303)
  })
  .post("/signout", unlisted, pageHeaders, async (c) => {
    const checked = await formSession(c)
    if (checked instanceof Response) return checked
    deleteCookie(c, OWNER_COOKIE, { path: "/", secure: new URL(c.req.url).protocol === "https:" })
    return c.redirect("/signin", 303)
  })
  .post("/sessions/:id/delete", unlisted, pageHeaders, (c) => act(c, (owner) => owner.remove(c.req.param("id"))))
  .post("/sessions/:id/expiry", unlisted, pageHeaders, (c) =>
    act(c, (owner, form) => {
      const text = (form.expiresIn ?? "").trim()
      const expiresIn = text === "" || text.toLowerCase() === "never" ? null : text
      return owner.update(c.req.param("id"), { expiresIn })
    }),
  )
  .post("/sessions/:id/listed", unlisted, pageHeaders, (c) =>
    act(c, (owner, form) => owner.update(c.req.param("id"), { listed: form.listed === "true" })),
  )
  .post("/sessions/:id/secret", unlisted, pageHeaders, async (c) => {
    const checked = await formSession(c)
    if (checked instanceof Response) return checked
    try {
      const rotated = await new OwnerService(c.env).rotateSecret(c.req.param("id"))
      return c.html(
        <Layout title="New secret · cloudsession" nonce={nonceOf(c)}>
          <section class="signin">
            <h1>New secret</h1>
            <p>
              The old secret of share <span class="mono">{rotated.id}</span> no longer works. This is the new one; it is
              shown once:
            </p>
            <p class="mono">{rotated.secret}</p>
            <p>
              <a href="/sessions">Back to the shares</a>
            </p>
          </section>
        </Layout>,
      )
    } catch (error) {
      if (!(error instanceof ShareError)) throw error
      return errorPage(c, error.status === 410 ? 410 : 404, "Not done", error.message)
    }
  })
