import { ExpiresInSchema } from "@cloudsession/protocol"
import { z } from "zod"

/** How sessions get shared: `auto` shares every new session, `manual` only those the user shares (`/share`). */
export type ShareMode = "auto" | "manual"

/** What the plugin accepts in its `plugin` config entry (`["@cloudsession/opencode", { … }]`). */
export const PluginOptionsSchema = z
  .object({
    /** Origin of the cloudsession server, e.g. `https://share.example`. Else `$CLOUDSESSION_URL`. */
    url: z.url({ protocol: /^(https?|wss?)$/ }).optional(),
    /** Bearer token for `/rpc`. Else `$CLOUDSESSION_TOKEN` (prefer the environment: config files get committed). */
    token: z.string().min(1).max(4096).optional(),
    /** Else `$CLOUDSESSION_SHARE`, else OpenCode's own `share` setting (`manual` unless set). */
    mode: z.enum(["auto", "manual"]).optional(),
    /** OpenCode's database, which holds the share records. Else where OpenCode keeps it. */
    database: z.string().min(1).optional(),
    /** How long live changes gather before they are sent (ms). */
    debounceMs: z.number().int().min(0).max(10_000).optional(),
    /** How long OpenCode's exit may wait for unsent changes (ms); what is left goes out at the next start. */
    exitFlushMs: z.number().int().min(0).max(60_000).optional(),
    /**
     * Send the token over plain `http://`/`ws://` to a host that is not this machine. Off: anyone on the path would
     * read the token and every share's secret, so such a `url` is refused unless this says the network is yours.
     */
    allowCleartext: z.boolean().optional(),
    /** How long each new share lives (`30m`, `12h`, `7d`, `2w`); the server deletes it then. Else `$CLOUDSESSION_EXPIRE`. */
    expire: z.string().max(16).optional(),
  })
  .strict()

export type PluginOptions = z.infer<typeof PluginOptionsSchema>

export type ResolvedOptions = {
  url: string | undefined
  token: string | undefined
  mode: ShareMode | undefined
  database: string | undefined
  debounceMs: number
  exitFlushMs: number
  allowCleartext: boolean
  /** How long each new share lives, as the server takes it (`7d`); `undefined`: until it is unshared. */
  expire: string | undefined
}

type Env = Record<string, string | undefined>

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === "" ? undefined : value.trim()

/** Thrown for options that cannot be used; its message is the one line the user sees. */
export class OptionsError extends Error {
  override readonly name = "OptionsError"
}

function describe(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ")
}

/** Plugin options first, then the environment; anything malformed is refused with one line saying what. */
export function resolveOptions(input: unknown, env: Env = process.env): ResolvedOptions {
  const parsed = PluginOptionsSchema.safeParse(input ?? {})
  if (!parsed.success) throw new OptionsError(`invalid plugin options: ${describe(parsed.error)}`)
  const options = parsed.data
  const mode = options.mode ?? nonEmpty(env.CLOUDSESSION_SHARE)
  if (mode !== undefined && mode !== "auto" && mode !== "manual") {
    throw new OptionsError(`CLOUDSESSION_SHARE must be "auto" or "manual", not ${JSON.stringify(mode.slice(0, 40))}`)
  }
  const expire = options.expire ?? nonEmpty(env.CLOUDSESSION_EXPIRE)
  if (expire !== undefined && !ExpiresInSchema.safeParse(expire).success) {
    const source = options.expire === undefined ? "CLOUDSESSION_EXPIRE" : "expire"
    throw new OptionsError(`${source} must be a duration from 1m to 366d such as 30m, 12h, 7d or 2w`)
  }
  const url = options.url ?? nonEmpty(env.CLOUDSESSION_URL)
  if (url !== undefined && !URL.canParse(url)) throw new OptionsError("CLOUDSESSION_URL is not a URL")
  return {
    url,
    token: options.token ?? nonEmpty(env.CLOUDSESSION_TOKEN),
    mode,
    database: options.database,
    debounceMs: options.debounceMs ?? 100,
    exitFlushMs: options.exitFlushMs ?? 5_000,
    allowCleartext: options.allowCleartext ?? false,
    expire,
  }
}
