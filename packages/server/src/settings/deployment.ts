import type { Env } from "../env.ts"
import { isOn, listSetting } from "./values.ts"

/** Name of the one directory instance, unless `DIRECTORY_NAME` picks another. */
export const DEFAULT_DIRECTORY_NAME = "shares"

/** The share directory's instance name (`DIRECTORY_NAME`, else the default). */
export function directoryName(env: Pick<Env, "DIRECTORY_NAME">): string {
  return env.DIRECTORY_NAME?.trim() || DEFAULT_DIRECTORY_NAME
}

/** `API_DOMAIN` as configured (a host name, no scheme), or `undefined` when the var is empty. */
export function apiDomain(env: Pick<Env, "API_DOMAIN">): string | undefined {
  return env.API_DOMAIN?.trim() || undefined
}

/** `https://<API_DOMAIN>`, the origin share URLs point at, or `undefined` when the var is empty. */
export function configuredOrigin(env: Pick<Env, "API_DOMAIN">): string | undefined {
  const domain = apiDomain(env)
  return domain ? `https://${domain}` : undefined
}

/** The origin share URLs point at: `API_DOMAIN`'s, else the origin of the request that asked. */
export function publicOrigin(env: Pick<Env, "API_DOMAIN">, requestOrigin: string): string {
  return configuredOrigin(env) ?? requestOrigin
}

/** The entries of `RPC_ALLOWED_ORIGINS`, as written (not yet checked to be origins). */
export function allowedOriginEntries(env: Pick<Env, "RPC_ALLOWED_ORIGINS">): string[] {
  return listSetting(env.RPC_ALLOWED_ORIGINS)
}

/** The entries of the `RPC_TOKENS` secret, as written (see `configuredTokens` for the usable ones). */
export function tokenEntries(env: Pick<Env, "RPC_TOKENS">): string[] {
  return listSetting(env.RPC_TOKENS)
}

/** Whether `POST /api/share` needs a bearer token too (`HTTP_CREATE_REQUIRES_TOKEN`). */
export function createRequiresToken(env: Pick<Env, "HTTP_CREATE_REQUIRES_TOKEN">): boolean {
  return isOn(env.HTTP_CREATE_REQUIRES_TOKEN)
}
