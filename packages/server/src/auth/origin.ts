import type { Env } from "../env.ts"
import { allowedOriginEntries, configuredOrigin } from "../settings/deployment.ts"

function originOf(value: string): string | undefined {
  try {
    return new URL(value).origin
  } catch {
    return undefined
  }
}

/**
 * Browser origins allowed to open /rpc and a viewer's /ws socket: the service's own origin (the request's, and `https://<API_DOMAIN>`), plus
 * `RPC_ALLOWED_ORIGINS`. Everything else is refused, so a page on another site cannot ride a visitor's network
 * position or cookies into a socket (cross-site WebSocket hijacking).
 */
export function allowedOrigins(request: Request, env: Env): Set<string> {
  const origins = new Set([new URL(request.url).origin])
  const own = configuredOrigin(env)
  if (own !== undefined) origins.add(own)
  for (const entry of allowedOriginEntries(env)) {
    const origin = originOf(entry)
    if (origin !== undefined) origins.add(origin)
  }
  return origins
}

/** Native clients send no `Origin` and pass; a browser's must be on the allowlist (`null` never is). */
export function isOriginAllowed(request: Request, env: Env): boolean {
  const origin = request.headers.get("Origin")
  if (origin === null) return true
  return allowedOrigins(request, env).has(origin)
}
