/** Where the plugin's messages go: OpenCode's log, one line each, always prefixed so they are easy to find. */
export type Level = "debug" | "info" | "warn" | "error"
export type Logger = (level: Level, message: string) => void

/** The SDK call OpenCode gives plugins for its log (`client.app.log`). */
export type AppLog = {
  app: { log(options: { body: { service: string; level: Level; message: string } }): Promise<unknown> }
}

/** Log through OpenCode; a log call that fails must not fail what was being logged. */
export function opencodeLogger(client: AppLog): Logger {
  return (level, message) => {
    void client.app
      .log({ body: { service: "cloudsession", level, message: `cloudsession: ${message}` } })
      .catch(() => {})
  }
}
