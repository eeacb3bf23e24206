import { homedir } from "node:os"
import { join } from "node:path"

type Env = Record<string, string | undefined>

function dataHome(env: Env): string {
  const xdg = env.XDG_DATA_HOME
  return xdg !== undefined && xdg !== "" ? xdg : join(homedir(), ".local", "share")
}

/** `$CLOUDSESSION_DB`, else `$XDG_DATA_HOME/cloudsession/shares.db` (XDG default `~/.local/share`). */
export function defaultDatabasePath(env: Env = process.env): string {
  const explicit = env.CLOUDSESSION_DB
  if (explicit !== undefined && explicit !== "") return explicit
  return join(dataHome(env), "cloudsession", "shares.db")
}

/** Where older OpenCode versions kept one JSON file per shared session. */
export function defaultLegacyShareDir(env: Env = process.env): string {
  return join(dataHome(env), "opencode", "storage", "session", "share")
}
