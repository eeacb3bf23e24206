import type { Command } from "commander"
import { shareClient, withConnection, withStore } from "../client.ts"
import { type CommonFlags, serverUrl } from "../config.ts"
import { readSession } from "../input.ts"
import { uploadCommand, withUploadProgress } from "../upload.ts"

/** `share <session.json|->`: create the share, upload the session, print its URL (the secret stays in the store). */
export function shareCommand(): Command {
  const command = uploadCommand(
    "share",
    "share a session (OpenCode export or snapshot JSON; - reads stdin) and print its URL",
  )
  return command.action(async (path: string, flags: CommonFlags) => {
    const session = await readSession(path)
    const server = serverUrl(flags)
    const outcome = await withConnection(flags, server, (connection) =>
      withStore(flags, (store) =>
        withUploadProgress(store, session, flags.progress === true, (onBatch) =>
          shareClient(store, connection, server, onBatch).share(session.sessionID, session.items),
        ),
      ),
    )
    if (!outcome.created) process.stderr.write(`session ${session.sessionID} was already shared; synced it\n`)
    process.stdout.write(`${outcome.share.url}\n`)
  })
}
