import { homedir } from "node:os"
import { isAbsolute, join } from "node:path"

type Env = Record<string, string | undefined>

/**
 * Where OpenCode keeps its database, which holds the `session_share` table: `$OPENCODE_DB` (absolute, or relative
 * to OpenCode's data directory), else `opencode.db` in `$XDG_DATA_HOME/opencode` (XDG default `~/.local/share`).
 * Release builds use that one file; OpenCode's development channels use another, so they need `database`.
 */
export function opencodeDatabasePath(env: Env = process.env): string {
  const xdg = env.XDG_DATA_HOME
  const data = join(xdg !== undefined && xdg !== "" ? xdg : join(homedir(), ".local", "share"), "opencode")
  const explicit = env.OPENCODE_DB
  if (explicit === undefined || explicit === "") return join(data, "opencode.db")
  return explicit === ":memory:" || isAbsolute(explicit) ? explicit : join(data, explicit)
}
