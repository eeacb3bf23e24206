import type { Command } from "commander"
import { NotSharedError } from "../../errors.ts"
import { shareClient, withConnection, withStore } from "../client.ts"
import { type CommonFlags, serverUrl } from "../config.ts"
import { readSession } from "../input.ts"
import { uploadCommand, withUploadProgress } from "../upload.ts"

/** `sync <session.json>`: send the session's current state to its existing share (and anything still pending). */
export function syncCommand(): Command {
  const command = uploadCommand("sync", "sync a shared session's current state to its share")
  return command.action(async (path: string, flags: CommonFlags) => {
    const session = await readSession(path)
    const sent = await withStore(flags, async (store) => {
      const record = store.shares.get(session.sessionID)
      if (record === undefined) throw new NotSharedError(session.sessionID)
      const server = serverUrl(flags, record.server)
      return withUploadProgress(store, session, flags.progress === true, (onBatch) =>
        withConnection(flags, server, (connection) =>
          shareClient(store, connection, server, onBatch).sync(session.sessionID, session.items),
        ),
      )
    })
    process.stdout.write(`synced ${sent.items} items in ${sent.batches} batches\n`)
  })
}
