import { ExpiresInSchema } from "@cloudsession/protocol"
import type { Command } from "commander"
import { withConnection, withExistingStore, withShareClient, withStore } from "../client.ts"
import { type CommonFlags, serverForRecord, serverUrl } from "../config.ts"
import { UsageError } from "../exit-codes.ts"
import { readSession } from "../input.ts"
import { throwIfRejected, throwIfTooLarge } from "../rejected.ts"
import { printErr, printOut } from "../terminal.ts"
import { uploadCommand, withUploadProgress } from "../upload.ts"

/** `share <session.json|->`: create the share, upload the session, print its URL (the secret stays in the store). */
export function shareCommand(): Command {
  const command = uploadCommand(
    "share",
    "share a session (OpenCode export or snapshot JSON; - reads stdin) and print its URL",
  )
  command.option("--expire <duration>", "delete the share on the server after this long: 30m, 12h, 7d, 2w")
  return command.action(async (path: string, flags: CommonFlags & { expire?: string }) => {
    if (flags.expire !== undefined && !ExpiresInSchema.safeParse(flags.expire).success) {
      throw new UsageError(`--expire: not a duration: ${flags.expire} (use 30m, 12h, 7d or 2w; at most 366 days)`)
    }
    const options = flags.expire === undefined ? {} : { expiresIn: flags.expire }
    const session = await readSession(path)
    // An already shared session is synced to its share, on the server recorded with it (its secret goes nowhere
    // else); only a new share follows --url / CLOUDSESSION_URL. Looking does not create the store.
    const recorded = await withExistingStore(
      flags,
      (store) => store.shares.get(session.sessionID),
      () => undefined,
    )
    const server = recorded === undefined ? serverUrl(flags) : serverForRecord(flags, recorded)
    const outcome = await withConnection(flags, server, (connection) =>
      withStore(flags, (store) =>
        withUploadProgress(store, session, flags.progress === true, (onBatch) =>
          withShareClient(
            store,
            connection,
            server,
            onBatch,
            (client) => client.share(session.sessionID, session.items, options),
            flags,
          ),
        ),
      ),
    )
    if (!outcome.created) printErr(`session ${session.sessionID} was already shared; synced it\n`)
    printOut(`${outcome.share.url}\n`)
    throwIfRejected(session.sessionID, outcome.sent.rejected)
    throwIfTooLarge(outcome.sent.tooLarge)
  })
}
