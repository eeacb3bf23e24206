import type { Command } from "commander"
import { NotSharedError } from "../../errors.ts"
import { withConnection, withExistingStore, withShareClient } from "../client.ts"
import { type CommonFlags, serverForRecord } from "../config.ts"
import { readSession } from "../input.ts"
import { throwIfRejected, throwIfTooLarge } from "../rejected.ts"
import { printOut } from "../terminal.ts"
import { uploadCommand, withUploadProgress } from "../upload.ts"

/** `sync <session.json>`: send the session's current state to its existing share (and anything still pending). */
export function syncCommand(): Command {
  const command = uploadCommand("sync", "sync a shared session's current state to its share")
  return command.action(async (path: string, flags: CommonFlags) => {
    const session = await readSession(path)
    const notShared = () => {
      throw new NotSharedError(session.sessionID)
    }
    const sent = await withExistingStore(
      flags,
      async (store) => {
        const record = store.shares.get(session.sessionID) ?? notShared()
        // The share's own server, whatever --url / CLOUDSESSION_URL say (a different one is refused).
        const server = serverForRecord(flags, record)
        return withUploadProgress(store, session, flags.progress === true, (onBatch) =>
          withConnection(flags, server, (connection) =>
            withShareClient(
              store,
              connection,
              server,
              onBatch,
              (client) => client.sync(session.sessionID, session.items),
              flags,
            ),
          ),
        )
      },
      notShared,
    )
    printOut(`synced ${sent.items} items in ${sent.batches} batches\n`)
    throwIfRejected(session.sessionID, sent.rejected)
    throwIfTooLarge(sent.tooLarge)
  })
}
