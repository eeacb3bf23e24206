import { Command } from "commander"
import { NotSharedError } from "../../errors.ts"
import { withConnection, withExistingStore, withShareClient } from "../client.ts"
import { addServerOptions, addStoreOption, type CommonFlags, serverForRecord } from "../config.ts"
import { printOut } from "../terminal.ts"

/** `unshare <sessionID>`: delete the share on the server, then forget it locally. */
export function unshareCommand(): Command {
  const command = new Command("unshare")
    .description("delete a session's share on the server and its local record")
    .argument("<sessionID>", "id of the shared session")
  addServerOptions(command)
  addStoreOption(command)
  return command.action(async (sessionID: string, flags: CommonFlags) => {
    const notShared = () => {
      throw new NotSharedError(sessionID)
    }
    const outcome = await withExistingStore(
      flags,
      async (store) => {
        const record = store.shares.get(sessionID) ?? notShared()
        // Asking another server would get "not found" and forget a share that still exists: never.
        const server = serverForRecord(flags, record)
        return withConnection(flags, server, (connection) =>
          withShareClient(
            store,
            connection,
            server,
            () => {},
            (client) => client.unshare(sessionID),
          ),
        )
      },
      notShared,
    )
    const note = outcome.remote === "already-gone" ? " (it was already gone from the server)" : ""
    printOut(`unshared ${sessionID}${note}\n`)
  })
}
