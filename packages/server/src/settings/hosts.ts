import type { Env } from "../env.ts"
import { apiDomain } from "./deployment.ts"
import { isOn } from "./values.ts"

/**
 * Whether a request's `Host` names this server, when `LOCAL_HOSTS_ONLY` is on (the local launcher, `npm start` and
 * `cloudsession serve`, turns it on). A local server is reachable from every page the user's browser opens: a
 * page on `evil.example` whose name is made to resolve to 127.0.0.1 (DNS rebinding) is same-origin with itself,
 * so its requests pass any Origin check while carrying `Host: evil.example`. Only names DNS cannot point elsewhere
 * are accepted: `localhost` and `*.localhost`, IP literals, and the configured `API_DOMAIN`. (Behind Cloudflare the
 * Host is always one of the Worker's own routes, so the check is not needed there.)
 */
export function isAllowedHost(env: Pick<Env, "LOCAL_HOSTS_ONLY" | "API_DOMAIN">, host: string | null): boolean {
  if (!isOn(env.LOCAL_HOSTS_ONLY)) return true
  if (host === null) return false
  const name = hostName(host.trim().toLowerCase())
  if (name === undefined) return false
  const domain = apiDomain(env)?.toLowerCase()
  if (domain && name === domain) return true
  if (name === "localhost" || name.endsWith(".localhost")) return true
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || /^\[[0-9a-f:.]+\]$/.test(name)
}

/** The name part of a `Host` value (`name`, `name:port`, `[v6]:port`), or undefined for anything else. */
function hostName(host: string): string | undefined {
  const match = /^(\[[^\]]*\]|[^:[\]]+)(?::\d{1,5})?$/.exec(host)
  return match?.[1]?.replace(/\.$/, "")
}
