import type { Command } from "commander"
import { serverOrigin } from "../server-origin.ts"
import { defaultDatabasePath } from "../store/paths.ts"
import { UsageError } from "./exit-codes.ts"

/** Flags every command that talks to the server or the store understands. */
export type CommonFlags = {
  url?: string
  token?: string
  db?: string
  progress?: boolean
  /** `--no-redact` makes this false: items are sent with any secrets in them. */
  redact?: boolean
  allowCleartext?: boolean
}

export function addStoreOption(command: Command): Command {
  return command.option(
    "--db <path>",
    "local share store (env CLOUDSESSION_DB, default ~/.local/share/cloudsession/shares.db)",
  )
}

export function addServerOptions(command: Command): Command {
  return command
    .option("--url <url>", "server origin, e.g. https://share.example (env CLOUDSESSION_URL)")
    .option(
      "--token <token>",
      "bearer token for /rpc (env CLOUDSESSION_TOKEN; prefer the env var: flags show up in ps)",
    )
    .option("--allow-cleartext", "send the token over ws:// to a host that is not this machine (refused otherwise)")
}

export function databasePath(flags: CommonFlags): string {
  return flags.db ?? defaultDatabasePath()
}

/** The server named by `--url`, else `CLOUDSESSION_URL`, as an origin; undefined when neither is given. */
function explicitServer(flags: CommonFlags): { origin: string; source: string } | undefined {
  const source = flags.url !== undefined ? "--url" : "CLOUDSESSION_URL"
  const url = flags.url ?? nonEmpty(process.env.CLOUDSESSION_URL)
  if (url === undefined) return undefined
  const origin = serverOrigin(url)
  if (origin === undefined) throw new UsageError(`not a server URL: ${url}`)
  return { origin, source }
}

/** The server for a new share: `--url`, else `CLOUDSESSION_URL`. */
export function serverUrl(flags: CommonFlags): string {
  const explicit = explicitServer(flags)
  if (explicit === undefined) throw new UsageError("no server given: pass --url or set CLOUDSESSION_URL")
  return explicit.origin
}

/**
 * The server of an existing share is the one recorded with it, and it must also be the one configured (`--url` or
 * `CLOUDSESSION_URL`): the bearer token goes only where the user pointed it, and the share's secret only where the
 * share lives. A record naming another server (an OpenCode row names `https://opncd.ai` by default), or any server
 * while none is configured, is refused before anything is sent. Only records without a server (legacy rows whose
 * URL named none) take the configured one as theirs.
 */
export function serverForRecord(flags: CommonFlags, record: { sessionID: string; server: string | null }): string {
  const explicit = explicitServer(flags)
  if (record.server === null) {
    if (explicit === undefined) {
      throw new UsageError(`no server recorded for ${record.sessionID}: pass --url or set CLOUDSESSION_URL`)
    }
    return explicit.origin
  }
  const recorded = serverOrigin(record.server)
  if (recorded === undefined) throw new UsageError(`the recorded server of ${record.sessionID} is not a URL`)
  if (explicit === undefined) {
    throw new UsageError(
      `session ${record.sessionID} is shared on ${recorded}, and no server is configured; ` +
        `nothing was sent (pass --url ${recorded} or set CLOUDSESSION_URL to send your token there)`,
    )
  }
  if (explicit.origin !== recorded) {
    throw new UsageError(
      `session ${record.sessionID} is shared on ${recorded}, but ${explicit.source} says ${explicit.origin}; ` +
        `nothing was sent: its secret only goes to ${recorded} and your token only to ${explicit.origin}`,
    )
  }
  return recorded
}

export function rpcToken(flags: CommonFlags): string {
  const token = flags.token ?? nonEmpty(process.env.CLOUDSESSION_TOKEN)
  if (token === undefined) throw new UsageError("no token given: pass --token or set CLOUDSESSION_TOKEN")
  return token
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value
}
