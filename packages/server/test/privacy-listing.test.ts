import { createExecutionContext, env } from "cloudflare:test"
import type { SessionIndex, SessionPage } from "@cloudsession/protocol"
import { makeSession } from "@cloudsession/protocol/fixtures"
import { describe, expect, it } from "vitest"
import { app } from "../src/app.ts"
import type { Env } from "../src/env.ts"
import { api, BASE, createShare, errorOf, ownerApi, uniqueSessionID } from "./helpers.ts"

const HTTP_BASE = "http://cloudsession.local"

async function call(path: string, init: RequestInit = {}, bindings: Env = env, base = BASE): Promise<Response> {
  return app.fetch(new Request(`${base}${path}`, { redirect: "manual", ...init }), bindings, createExecutionContext())
}

/** A share whose session sits in a home directory, so the listing has a path worth hiding. */
async function shareIn(label: string, directory: string) {
  const sessionID = uniqueSessionID(label)
  // With the session in the first batch, the listing entry is written before the create answers.
  const title = `Title ${label} ${sessionID}`
  const share = await createShare(sessionID, [{ type: "session", data: makeSession(sessionID, { title, directory }) }])
  return { share, sessionID }
}

/** Sign in through the form; answers the cookie pair (`cs_owner=…`) and the whole Set-Cookie header. */
async function signIn(token: string, base = BASE, bindings: Env = env) {
  const response = await call(
    "/signin",
    {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", Origin: base },
      body: new URLSearchParams({ token, next: "/sessions" }).toString(),
    },
    bindings,
    base,
  )
  const setCookie = response.headers.get("Set-Cookie") ?? ""
  return { response, setCookie, cookie: setCookie.split(";")[0] ?? "" }
}

function csrfOf(html: string): string {
  return /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? ""
}

describe("link-only by default: a stranger", () => {
  it("cannot list or search shares, over the API or in a browser", async () => {
    const { sessionID } = await shareIn("stranger", "/home/alice/secret-project")
    for (const path of ["/api/sessions?limit=200", "/api/sessions?q=/home/", `/api/sessions?q=${sessionID}`]) {
      const response = await api(path)
      expect(response.status, path).toBe(401)
      expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer/)
      expect(await response.text()).not.toContain(sessionID)
    }
    const wrong = await api("/api/sessions", { headers: { Authorization: "Bearer not-a-token-of-this-server" } })
    expect(wrong.status).toBe(401)
    const page = await call("/sessions?q=/home/")
    expect(page.status).toBe(303)
    expect(page.headers.get("location")).toBe("/signin?next=%2Fsessions")
    expect((await call("/", {})).headers.get("location")).toBe("/sessions")
  })

  it("sees no public listing unless the operator turned it on, and then only listed shares, paths shortened", async () => {
    const listed = await shareIn("listed", "/home/alice/work/listed-project")
    const unlisted = await shareIn("unlisted", "/home/alice/work/unlisted-project")
    expect((await call("/api/public/sessions")).status).toBe(404)
    expect((await call("/public")).status).toBe(404)
    const marked = await ownerApi(`/api/owner/shares/${listed.share.id}`, { method: "PATCH", json: { listed: true } })
    expect(marked.status).toBe(200)
    expect(((await marked.json()) as SessionIndex).listed).toBe(true)

    const open: Env = { ...env, PUBLIC_LISTING: "true" }
    const page = (await (await call("/api/public/sessions?limit=200", {}, open)).json()) as SessionPage
    const ids = page.sessions.map((entry) => entry.id)
    expect(ids).toContain(listed.share.id)
    expect(ids).not.toContain(unlisted.share.id)
    const entry = page.sessions.find((candidate) => candidate.id === listed.share.id)
    expect(entry?.directory).toBe("listed-project")
    // A search of the public listing is by title: the hidden paths cannot be probed through it.
    const byPath = (await (await call("/api/public/sessions?q=/home/alice", {}, open)).json()) as SessionPage
    expect(byPath.sessions.map((candidate) => candidate.id)).not.toContain(listed.share.id)
    const html = await (await call("/public", {}, open)).text()
    expect(html).toContain("Title listed")
    expect(html).not.toContain("/home/alice")
    expect(html).not.toContain("Title unlisted")
    expect(html).not.toContain('name="csrf"')
  })

  it("holding a link sees the share's directory as its last component only, in its metadata", async () => {
    const { share } = await shareIn("meta", "/home/alice/clients/acme")
    const metadata = (await (await api(`/api/share/${share.id}/metadata`)).json()) as SessionIndex
    expect(metadata.directory).toBe("acme")
    const home = await shareIn("home", "/Users/alice")
    expect(((await (await api(`/api/share/${home.share.id}/metadata`)).json()) as SessionIndex).directory).toBe("~")
  })
})

describe("the owner's listing", () => {
  it("with the bearer token lists and searches every share, with the whole directory", async () => {
    const { share, sessionID } = await shareIn("owner", "/home/alice/owner-project")
    const page = (await (await ownerApi(`/api/sessions?q=${sessionID}`)).json()) as SessionPage
    const entry = page.sessions.find((candidate) => candidate.id === share.id)
    expect(entry?.directory).toBe("/home/alice/owner-project")
    const byPath = (await (await ownerApi("/api/sessions?q=/home/alice/owner-project&limit=200")).json()) as SessionPage
    expect(byPath.sessions.map((candidate) => candidate.id)).toContain(share.id)
  })

  it("in a browser: pasting a token once gives an HttpOnly, SameSite=Strict, expiring cookie (Secure on https)", async () => {
    const refused = await signIn("not-one-of-the-tokens")
    expect(refused.response.status).toBe(401)
    expect(refused.setCookie).toBe("")

    const signed = await signIn("test-token-current")
    expect(signed.response.status).toBe(303)
    expect(signed.response.headers.get("location")).toBe("/sessions")
    expect(signed.setCookie).toMatch(/^cs_owner=\d+\.[A-Za-z0-9_-]{43};/)
    expect(signed.setCookie).toContain("HttpOnly")
    expect(signed.setCookie).toContain("Secure")
    expect(signed.setCookie).toContain("SameSite=Strict")
    expect(signed.setCookie).toContain("Max-Age=43200")
    expect(signed.setCookie).not.toContain("test-token-current")
    const plain = await signIn("test-token-current", HTTP_BASE)
    expect(plain.setCookie).not.toContain("Secure")

    const { share } = await shareIn("cookie", "/home/alice/cookie-project")
    const dashboard = await call("/sessions?limit=200", { headers: { Cookie: signed.cookie } })
    expect(dashboard.status).toBe(200)
    const html = await dashboard.text()
    expect(html).toContain("/home/alice/cookie-project")
    expect(html).toContain(`/sessions/${share.id}/delete`)
    expect(csrfOf(html)).toMatch(/^[A-Za-z0-9_-]{43}$/)
    // The cookie is not an API credential: the JSON API wants the token itself.
    expect((await call("/api/sessions", { headers: { Cookie: signed.cookie } })).status).toBe(401)
  })

  it("a forged, expired or orphaned cookie is no session: back to the sign-in page", async () => {
    const signed = await signIn("test-token-next")
    const [expiry = "", mac = ""] = signed.cookie.replace("cs_owner=", "").split(".")
    const cases = [
      `cs_owner=${Number(expiry) + 3600}.${mac}`,
      `cs_owner=${Math.floor(Date.now() / 1000) - 10}.${mac}`,
      "cs_owner=garbage",
    ]
    for (const cookie of cases) {
      expect((await call("/sessions", { headers: { Cookie: cookie } })).status, cookie).toBe(303)
    }
    // Its token removed from RPC_TOKENS, a cookie it made stops working at once.
    const rotated: Env = { ...env, RPC_TOKENS: "test-token-current" }
    expect((await call("/sessions", { headers: { Cookie: signed.cookie } }, rotated)).status).toBe(303)
    expect((await call("/sessions", { headers: { Cookie: signed.cookie } })).status).toBe(200)
  })

  it("signs out only with the page's form token and from this site (no CSRF), and the open redirect is closed", async () => {
    const signed = await signIn("test-token-current")
    const csrf = csrfOf(await (await call("/sessions", { headers: { Cookie: signed.cookie } })).text())
    const post = (body: Record<string, string>, origin: string) =>
      call("/signout", {
        method: "POST",
        headers: { Cookie: signed.cookie, Origin: origin, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(body).toString(),
      })
    expect((await post({ csrf }, "https://evil.example")).status).toBe(403)
    expect((await post({}, BASE)).status).toBe(403)
    expect((await post({ csrf: "x".repeat(43) }, BASE)).status).toBe(403)
    const out = await post({ csrf }, BASE)
    expect(out.status).toBe(303)
    expect(out.headers.get("Set-Cookie")).toMatch(/^cs_owner=;.*Max-Age=0/)

    const crossSite = await call("/signin", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", Origin: "https://evil.example" },
      body: new URLSearchParams({ token: "test-token-current" }).toString(),
    })
    expect(crossSite.status).toBe(403)
    const redirected = await call("/signin", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", Origin: BASE },
      body: new URLSearchParams({ token: "test-token-current", next: "//evil.example/x" }).toString(),
    })
    expect(redirected.headers.get("location")).toBe("/sessions")
    // A page under `no-referrer` makes the browser send `Origin: null` with its own form posts, which are then
    // refused like a cross-site one: the sign-in page keeps the referrer (and so the Origin) on this site only.
    const signinPage = await call("/signin")
    expect(signinPage.headers.get("Referrer-Policy")).toBe("same-origin")
    expect(await signinPage.text()).toContain('<meta name="referrer" content="same-origin"/>')
    const nullOrigin = await call("/signin", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", Origin: "null" },
      body: new URLSearchParams({ token: "test-token-current" }).toString(),
    })
    expect(nullOrigin.status).toBe(403)
  })

  it("refuses the owner's routes to a stranger and changes nothing", async () => {
    const { share } = await shareIn("owner-routes", "/home/alice/p")
    const attempts = [
      api(`/api/owner/shares/${share.id}`, { method: "DELETE" }),
      api(`/api/owner/shares/${share.id}/secret`, { method: "POST" }),
      api(`/api/owner/shares/${share.id}`, { method: "PATCH", json: { listed: true } }),
    ]
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(401)
      expect((await errorOf(response)).code).toBe("unauthorized")
    }
    const metadata = (await (await api(`/api/share/${share.id}/metadata`)).json()) as SessionIndex
    expect(metadata.listed).toBeUndefined()
    expect((await api(`/api/share/${share.id}`)).status).toBe(200)
  })
})
