import { Command } from "commander"
import { NotSharedError } from "../../errors.ts"
import { withExistingStore } from "../client.ts"
import { addStoreOption, type CommonFlags } from "../config.ts"
import { printOut } from "../terminal.ts"

/** `url <sessionID>`: print the share URL from the local record (no network). */
export function urlCommand(): Command {
  const command = new Command("url")
    .description("print the share URL of a shared session")
    .argument("<sessionID>", "id of the shared session")
  addStoreOption(command)
  return command.action(async (sessionID: string, flags: CommonFlags) => {
    const url = await withExistingStore(
      flags,
      (store) => store.shares.get(sessionID)?.url,
      () => undefined,
    )
    if (url === undefined) throw new NotSharedError(sessionID)
    printOut(`${url}\n`)
  })
}
