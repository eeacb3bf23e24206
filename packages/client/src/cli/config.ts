import type { Command } from "commander"
import { defaultDatabasePath } from "../store/paths.ts"
import { UsageError } from "./exit-codes.ts"

/** Flags every command that talks to the server or the store understands. */
export type CommonFlags = {
  url?: string
  token?: string
  db?: string
  progress?: boolean
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
}

export function databasePath(flags: CommonFlags): string {
  return flags.db ?? defaultDatabasePath()
}

/** The server to use: the flag, then the environment, then (for existing shares) where the share lives. */
export function serverUrl(flags: CommonFlags, recorded?: string | null): string {
  const url = flags.url ?? nonEmpty(process.env.CLOUDSESSION_URL) ?? recorded ?? undefined
  if (url === undefined) throw new UsageError("no server given: pass --url or set CLOUDSESSION_URL")
  if (!URL.canParse(url) || !/^(https?|wss?):$/.test(new URL(url).protocol)) {
    throw new UsageError(`not a server URL: ${url}`)
  }
  return new URL(url).origin.replace(/^ws/, "http")
}

export function rpcToken(flags: CommonFlags): string {
  const token = flags.token ?? nonEmpty(process.env.CLOUDSESSION_TOKEN)
  if (token === undefined) throw new UsageError("no token given: pass --token or set CLOUDSESSION_TOKEN")
  return token
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value
}
