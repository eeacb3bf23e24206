import type { JSONWebKeySet } from "jose"
import type { Env } from "../env.ts"
import { listSetting } from "./values.ts"

/**
 * A deployment behind Cloudflare Access: whose identity tokens name the server's owner. `issuer`: the team's
 * origin (`https://<team>.cloudflareaccess.com`), which signs them; `audiences`: the Access application's AUD tags;
 * `keys`: the team's public keys when the operator pins them (`ACCESS_JWKS`), else they are fetched from
 * `<issuer>/cdn-cgi/access/certs`; `owners`: the e-mail addresses that count as the owner (empty: anyone the
 * application's Access policy lets in).
 */
export type AccessSettings = { issuer: string; audiences: string[]; keys?: JSONWebKeySet; owners: string[] }

/** A host name (labels of letters, digits and hyphens), optionally with a port. */
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?::\d{1,5})?$/

/**
 * The team's origin from `ACCESS_TEAM_DOMAIN` (`team.cloudflareaccess.com`, with or without `https://`). Plain
 * `http://` is taken for a loopback host only (a local test's key server); keys fetched over the network otherwise
 * always come over TLS.
 */
function issuerOf(value: string | undefined): string | undefined {
  const text = (value ?? "").trim().toLowerCase().replace(/\/+$/, "")
  const loopback = /^http:\/\/(?:127\.0\.0\.1|localhost)(?::\d{1,5})?$/.exec(text)
  if (loopback !== null) return text
  const host = text.replace(/^https:\/\//, "")
  return HOST.test(host) ? `https://${host}` : undefined
}

function keysOf(value: string | undefined): JSONWebKeySet | undefined | "invalid" {
  if (value === undefined || value.trim() === "") return undefined
  try {
    const parsed: unknown = JSON.parse(value)
    if (typeof parsed !== "object" || parsed === null || !("keys" in parsed) || !Array.isArray(parsed.keys)) {
      return "invalid"
    }
    return parsed as JSONWebKeySet
  } catch {
    return "invalid"
  }
}

/**
 * Access as the vars configure it, or `undefined` when it is off: no team, no audience, or keys that do not parse
 * (a half-configured Access never lets anyone in).
 */
export function accessSettings(
  env: Pick<Env, "ACCESS_TEAM_DOMAIN" | "ACCESS_AUD" | "ACCESS_JWKS" | "ACCESS_OWNER_EMAILS">,
): AccessSettings | undefined {
  const issuer = issuerOf(env.ACCESS_TEAM_DOMAIN)
  const audiences = listSetting(env.ACCESS_AUD)
  const keys = keysOf(env.ACCESS_JWKS)
  if (issuer === undefined || audiences.length === 0 || keys === "invalid") return undefined
  const owners = listSetting(env.ACCESS_OWNER_EMAILS).map((email) => email.toLowerCase())
  return keys === undefined ? { issuer, audiences, owners } : { issuer, audiences, keys, owners }
}
