import { Command } from "commander"
import { coalesce } from "../../sync/coalesce.ts"
import { shareClient, withConnection, withStore } from "../client.ts"
import { addServerOptions, addStoreOption, type CommonFlags, serverUrl } from "../config.ts"
import { readSession } from "../input.ts"
import { uploadProgress } from "../progress.ts"

/** `share <session.json|->`: create the share, upload the session, print its URL (the secret stays in the store). */
export function shareCommand(): Command {
  const command = new Command("share")
    .description("share a session (OpenCode export or snapshot JSON; - reads stdin) and print its URL")
    .argument("<session>", "session file, or - for stdin")
    .option("--progress", "show a progress bar even when stderr is not a terminal")
  addServerOptions(command)
  addStoreOption(command)
  return command.action(async (path: string, flags: CommonFlags) => {
    const session = await readSession(path)
    const server = serverUrl(flags)
    const outcome = await withConnection(flags, server, (connection) =>
      withStore(flags, async (store) => {
        const total = store.outbox.pendingItems(session.sessionID) + coalesce(session.items).length
        const progress = uploadProgress(total, flags.progress === true)
        try {
          return await shareClient(store, connection, server, progress.onBatch).share(session.sessionID, session.items)
        } finally {
          progress.stop()
        }
      }),
    )
    if (!outcome.created) process.stderr.write(`session ${session.sessionID} was already shared; synced it\n`)
    process.stdout.write(`${outcome.share.url}\n`)
  })
}
