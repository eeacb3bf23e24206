import { ShareError } from "@cloudsession/protocol"
import { isAcceptedToken } from "./tokens.ts"

/** A refused request: the error to answer with, plus headers that belong to it (`WWW-Authenticate`, ...). */
export type Refusal = { ok: false; error: ShareError; headers: Record<string, string> }

const REALM = 'Bearer realm="cloudsession"'

export function refuse(code: ShareError["code"], message: string, headers: Record<string, string> = {}): Refusal {
  return { ok: false, error: new ShareError(code, message), headers }
}

/** The token from `Authorization: Bearer <token>`, `""` for another scheme, `undefined` when there is no header. */
export function headerToken(request: Request): string | undefined {
  const authorization = request.headers.get("Authorization")
  if (authorization === null) return undefined
  const match = /^Bearer +(\S+)\s*$/i.exec(authorization)
  return match?.[1] ?? ""
}

/** The header the fork's RPC client (OPENCODE_SHARE_TRANSPORT=rpc) carries its key in: the same token, another name. */
export const SHARE_KEY_HEADER = "x-opencode-share-key"

/** The token from `x-opencode-share-key`, or `undefined` when the header is absent. */
export function shareKeyToken(request: Request): string | undefined {
  return request.headers.get(SHARE_KEY_HEADER)?.trim() ?? undefined
}

/** Why a presented bearer token is refused (none sent, or not a configured one); `undefined` when it is accepted. */
export async function bearerRefusal(
  candidate: string | undefined,
  tokens: readonly string[],
): Promise<Refusal | undefined> {
  if (candidate === undefined) {
    return refuse("unauthorized", "a bearer token is required", { "WWW-Authenticate": REALM })
  }
  if (await isAcceptedToken(candidate, tokens)) return undefined
  return refuse("unauthorized", "the bearer token is not valid", {
    "WWW-Authenticate": `${REALM}, error="invalid_token"`,
  })
}
