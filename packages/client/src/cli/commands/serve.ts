import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Command } from "commander"
import { UsageError } from "../exit-codes.ts"

/** The server's local launcher, next to the client in the repository: seen from `dist/` or from `src/cli/commands/`. */
function devScript(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url))
  return [resolve(here, "../../server/scripts/dev.mjs"), resolve(here, "../../../../server/scripts/dev.mjs")].find(
    (candidate) => existsSync(candidate),
  )
}

/** wrangler runs on Node only: under Bun, the launcher is started with the `node` found on PATH. */
function nodeRuntime(): string {
  return process.versions.bun === undefined ? process.execPath : "node"
}

function parsePort(value: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new UsageError(`not a port: ${value}`)
  return port
}

/**
 * `serve`: the same local server as `npm start` (wrangler dev on workerd, local R2 and Durable Object state, a
 * generated /rpc token printed on start). Runs until interrupted.
 */
export function serveCommand(): Command {
  return new Command("serve")
    .description("run the share server locally (no Cloudflare account; prints the /rpc token)")
    .option("--port <port>", "port to listen on (127.0.0.1)", "8787")
    .action(async (flags: { port: string }) => {
      const port = parsePort(flags.port)
      const script = devScript()
      if (script === undefined) {
        throw new UsageError(
          "serve needs the cloudsession server package beside the client; run it from the repository",
        )
      }
      const server = spawn(nodeRuntime(), [script], {
        stdio: "inherit",
        env: { ...process.env, PORT: String(port) },
      })
      const forward = (signal: NodeJS.Signals) => server.kill(signal)
      process.on("SIGINT", forward)
      process.on("SIGTERM", forward)
      const code = await new Promise<number>((done, fail) => {
        server.on("exit", (exitCode) => done(exitCode ?? 1))
        server.on("error", () =>
          fail(new UsageError("serve needs Node.js on PATH: the local server (wrangler) runs on Node")),
        )
      })
      process.off("SIGINT", forward)
      process.off("SIGTERM", forward)
      if (code !== 0) throw new Error(`the local server stopped with exit code ${code}`)
    })
}
