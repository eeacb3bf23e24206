// Start the Worker locally on workerd through `wrangler dev`, for `npm start`, client/browser tests and benchmarks.
// Everything stays on loopback: no account, no telemetry, no fetches of Cloudflare's request metadata.
import { spawn } from "node:child_process"
import { once } from "node:events"
import { createServer } from "node:net"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const serverDir = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const wranglerBin = resolve(serverDir, "../../node_modules/wrangler/bin/wrangler.js")

export const QUIET_ENV = {
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_LOG_SANITIZE: "true",
  CI: process.env.CI ?? "true",
}

/** wrangler runs on Node only: under Bun (the client's tests run there too) it is started with the `node` on PATH. */
const nodeBinary = process.versions.bun === undefined ? process.execPath : "node"

/** A free TCP port on loopback. */
export async function freePort() {
  const server = createServer()
  server.listen(0, "127.0.0.1")
  await once(server, "listening")
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  server.close()
  await once(server, "close")
  return port
}

/**
 * Run `wrangler dev` and resolve once it answers HTTP.
 * @param {{ port?: number, persistTo?: string, vars?: Record<string, string>, inspectorPort?: number, log?: boolean }} options
 * @returns {Promise<{ url: string, port: number, stop: () => Promise<void>, process: import("node:child_process").ChildProcess }>}
 */
export async function startLocalWorker(options = {}) {
  const port = options.port ?? (await freePort())
  const inspectorPort = options.inspectorPort ?? (await freePort())
  const args = [
    wranglerBin,
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--show-interactive-dev-session=false",
    "--log-level",
    options.log ? "info" : "warn",
  ]
  if (options.persistTo) args.push("--persist-to", options.persistTo)
  // A server on this machine answers only to its own names (see src/settings/hosts.ts); a caller may turn it off.
  const vars = { LOCAL_HOSTS_ONLY: "true", ...options.vars }
  for (const [key, value] of Object.entries(vars)) args.push("--var", `${key}:${value}`)
  const child = spawn(nodeBinary, args, {
    cwd: serverDir,
    env: { ...process.env, ...QUIET_ENV },
    stdio: options.log ? ["ignore", "inherit", "inherit"] : ["ignore", "pipe", "pipe"],
  })
  let output = ""
  child.stdout?.on("data", (chunk) => {
    output += chunk
  })
  child.stderr?.on("data", (chunk) => {
    output += chunk
  })
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill("SIGTERM")
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000)
    await once(child, "exit")
    clearTimeout(timer)
  }
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output}`)
    try {
      const response = await fetch(`${url}/api/sessions?limit=1`)
      if (response.status < 500) return { url, port, stop, process: child }
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 200))
  }
  await stop()
  throw new Error(`wrangler dev did not answer on ${url} within 60 s:\n${output}`)
}
