import { Command } from "commander"
import { NotSharedError } from "../../errors.ts"
import { shareClient, withConnection, withStore } from "../client.ts"
import { addServerOptions, addStoreOption, type CommonFlags, serverUrl } from "../config.ts"

/** `unshare <sessionID>`: delete the share on the server, then forget it locally. */
export function unshareCommand(): Command {
  const command = new Command("unshare")
    .description("delete a session's share on the server and its local record")
    .argument("<sessionID>", "id of the shared session")
  addServerOptions(command)
  addStoreOption(command)
  return command.action(async (sessionID: string, flags: CommonFlags) => {
    const outcome = await withStore(flags, async (store) => {
      const record = store.shares.get(sessionID)
      if (record === undefined) throw new NotSharedError(sessionID)
      const server = serverUrl(flags, record.server)
      return withConnection(flags, server, (connection) =>
        shareClient(store, connection, server, () => {}).unshare(sessionID),
      )
    })
    const note = outcome.remote === "already-gone" ? " (it was already gone from the server)" : ""
    process.stdout.write(`unshared ${sessionID}${note}\n`)
  })
}
