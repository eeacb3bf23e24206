import { Command } from "commander"
import { NotSharedError } from "../../errors.ts"
import { coalesce } from "../../sync/coalesce.ts"
import { shareClient, withConnection, withStore } from "../client.ts"
import { addServerOptions, addStoreOption, type CommonFlags, serverUrl } from "../config.ts"
import { readSession } from "../input.ts"
import { uploadProgress } from "../progress.ts"

/** `sync <session.json>`: send the session's current state to its existing share (and anything still pending). */
export function syncCommand(): Command {
  const command = new Command("sync")
    .description("sync a shared session's current state to its share")
    .argument("<session>", "session file, or - for stdin")
    .option("--progress", "show a progress bar even when stderr is not a terminal")
  addServerOptions(command)
  addStoreOption(command)
  return command.action(async (path: string, flags: CommonFlags) => {
    const session = await readSession(path)
    const sent = await withStore(flags, async (store) => {
      const record = store.shares.get(session.sessionID)
      if (record === undefined) throw new NotSharedError(session.sessionID)
      const server = serverUrl(flags, record.server)
      const total = store.outbox.pendingItems(session.sessionID) + coalesce(session.items).length
      const progress = uploadProgress(total, flags.progress === true)
      try {
        return await withConnection(flags, server, (connection) =>
          shareClient(store, connection, server, progress.onBatch).sync(session.sessionID, session.items),
        )
      } finally {
        progress.stop()
      }
    })
    process.stdout.write(`synced ${sent.items} items in ${sent.batches} batches\n`)
  })
}
