// `npm start`: serve the Worker locally with persisted local state. On first start a bearer token for /rpc is
// generated into .dev.vars (git-ignored) and printed, so a client can connect with no further set-up.
import { randomBytes } from "node:crypto"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { startLocalWorker } from "./local-worker.mjs"

const serverDir = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const devVars = resolve(serverDir, ".dev.vars")

function localToken() {
  const existing = existsSync(devVars) ? readFileSync(devVars, "utf8") : ""
  const match = /^RPC_TOKENS=(.*)$/m.exec(existing)
  if (match?.[1]) return match[1].split(",")[0].trim()
  const token = randomBytes(32).toString("base64url")
  writeFileSync(devVars, `${existing}${existing && !existing.endsWith("\n") ? "\n" : ""}RPC_TOKENS=${token}\n`, {
    mode: 0o600,
  })
  return token
}

const token = localToken()
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
