import type { Hooks, PluginInput } from "@opencode-ai/plugin"
import { type Bridge, type BridgeHandler, startBridge } from "./bridge.ts"
import { opencodeDatabasePath } from "./database-path.ts"
import { LiveShare } from "./live-share.ts"
import { type Logger, opencodeLogger } from "./log.ts"
import { type ResolvedOptions, resolveOptions } from "./options.ts"
import { clientSource } from "./session-source.ts"

/** A bridge that shares nothing: OpenCode's `/share` gets this reason as its error, and nothing leaves the machine. */
const refusing = (reason: string): BridgeHandler => ({
  create: () => Promise.reject(new Error(`cloudsession: ${reason}`)),
  remove: () => Promise.resolve("not-here"),
})

async function openLive(input: PluginInput, options: ResolvedOptions, log: Logger): Promise<LiveShare | string> {
  if (options.url === undefined) return "no server configured (set CLOUDSESSION_URL or the plugin's url option)"
  if (options.token === undefined) return "no token configured (set CLOUDSESSION_TOKEN or the plugin's token option)"
  try {
    return await LiveShare.open({
      server: options.url,
      token: options.token,
      database: options.database ?? opencodeDatabasePath(),
      source: clientSource(input.client),
      log,
      debounceMs: options.debounceMs,
      allowCleartext: options.allowCleartext,
      expire: options.expire,
    })
  } catch (error) {
    return `cannot open the share store: ${error instanceof Error ? error.message : String(error)}`
  }
}

/**
 * The OpenCode plugin. It points OpenCode's own share client at a loopback bridge (so `/share`, `/unshare`,
 * `share: "auto"` and `opencode run --share` work as they always did, and nothing goes to any other share host),
 * and syncs every change of a shared session live over the server's authenticated `/rpc`.
 */
export async function CloudsessionPlugin(input: PluginInput, raw?: Record<string, unknown>): Promise<Hooks> {
  // While OpenCode disposes its plugins, a call through its SDK client boots the directory's instance anew
  // (config, plugins) and the line never reaches the log: from then on warnings go to stderr, where `opencode run`
  // leaves them in the user's terminal.
  let exiting = false
  const toOpencode = opencodeLogger(input.client)
  const log: Logger = (level, message) => {
    if (!exiting) return toOpencode(level, message)
    if (level === "warn" || level === "error") process.stderr.write(`cloudsession: ${message}\n`)
  }
  let options: ResolvedOptions | undefined
  try {
    options = resolveOptions(raw)
  } catch (error) {
    log("error", error instanceof Error ? error.message : String(error))
  }
  const live = options === undefined ? "invalid options" : await openLive(input, options, log)
  if (typeof live === "string" && options !== undefined) log("error", `${live}; sharing is off`)
  const handler: BridgeHandler =
    typeof live === "string"
      ? refusing(live)
      : { create: (sessionID) => live.share(sessionID), remove: (shareID) => live.unshareShare(shareID) }
  const bridge: Bridge = await startBridge(handler)
  if (typeof live !== "string") void live.replay().catch(() => {})
  return {
    config: async (config) => {
      // OpenCode refuses to share at all with "disabled"; leave it so.
      if (config.share === "disabled") return
      config.enterprise = { ...config.enterprise, url: bridge.url }
      if (options?.mode !== undefined) config.share = options.mode
    },
    event: async ({ event }) => {
      if (typeof live !== "string") live.handle(event)
    },
    dispose: async () => {
      exiting = true
      if (typeof live !== "string") await live.close(options?.exitFlushMs ?? 5_000)
      await bridge.close()
    },
  }
}
