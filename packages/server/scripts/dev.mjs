// `npm start`: serve the Worker locally with persisted local state. On first start a bearer token for /rpc is
// generated into .dev.vars (git-ignored) and printed, so a client can connect with no further set-up.
import { randomBytes } from "node:crypto"
import { existsSync, readFileSync, realpathSync, writeFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { startLocalWorker } from "./local-worker.mjs"

const serverDir = resolve(dirname(fileURLToPath(import.meta.url)), "..")

/** Longest token the server matches (src/auth/tokens.ts): it ignores longer entries. */
const MAX_TOKEN_LENGTH = 512
const TOKENS_LINE = /^[ \t]*(?:export[ \t]+)?RPC_TOKENS[ \t]*=(.*)$/m

/** A `.dev.vars` value as wrangler reads it (dotenv): quotes removed, or an unquoted value cut at a `#` comment. */
function unquoted(raw) {
  const value = raw.trim()
  const quoted = /^(["'`])(.*?)\1\s*(?:#.*)?$/s.exec(value)
  if (quoted) return quoted[1] === '"' ? quoted[2].replaceAll("\\n", "\n") : quoted[2]
  return value.replace(/#.*$/, "")
}

/** A token the server matches and a client can send in a header: not empty, not too long, no spaces. */
function isUsable(token) {
  return token.length > 0 && token.length <= MAX_TOKEN_LENGTH && !/\s/.test(token)
}

/** The first usable token of `RPC_TOKENS` in `.dev.vars` text, or undefined when there is none. */
export function tokenIn(devVarsText) {
  const match = TOKENS_LINE.exec(devVarsText)
  if (!match) return undefined
  return unquoted(match[1])
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .find(isUsable)
}

/**
 * The token to print: the first usable one in the `.dev.vars` at `path`, else a new one written there (replacing an
 * `RPC_TOKENS` line without a usable token, keeping every other line).
 */
export function localToken(path) {
  const existing = existsSync(path) ? readFileSync(path, "utf8") : ""
  const current = tokenIn(existing)
  if (current !== undefined) return current
  const token = randomBytes(32).toString("base64url")
  const line = `RPC_TOKENS=${token}`
  if (TOKENS_LINE.test(existing)) {
    console.warn(
      `${path}: RPC_TOKENS held no usable token (at most ${MAX_TOKEN_LENGTH} characters, no spaces); replaced it`,
    )
    writeFileSync(path, existing.replace(TOKENS_LINE, line), { mode: 0o600 })
  } else {
    writeFileSync(path, `${existing}${existing && !existing.endsWith("\n") ? "\n" : ""}${line}\n`, { mode: 0o600 })
  }
  return token
}

async function main() {
  const token = localToken(resolve(serverDir, ".dev.vars"))
  const port = Number(process.env.PORT ?? 8787)
  // CLOUDSESSION_STATE_DIR moves the local R2 / Durable Object state elsewhere (tests use a scratch directory).
  const persistTo = process.env.CLOUDSESSION_STATE_DIR || resolve(serverDir, ".wrangler/state")
  const worker = await startLocalWorker({ port, persistTo, log: true })
  console.log(`
cloudsession is serving at ${worker.url}
  sessions:  ${worker.url}/sessions
  RPC:       ${worker.url.replace("http", "ws")}/rpc
  token:     ${token}   (from packages/server/.dev.vars; use it as CLOUDSESSION_TOKEN)
Press Ctrl+C to stop.`)
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
      worker.stop().then(() => process.exit(0))
    })
  }
}

// Run only as a script (`npm start`), not when a test imports the token helpers above.
const invokedAs = process.argv[1]
if (invokedAs !== undefined && realpathSync(invokedAs) === realpathSync(fileURLToPath(import.meta.url))) await main()
