import { Command } from "commander"
import { withExistingStore } from "../client.ts"
import { addStoreOption, type CommonFlags } from "../config.ts"
import { printOut, terminalJson } from "../terminal.ts"

const iso = (time: number | null) => (time === null ? "-" : new Date(time).toISOString())

/** `list`: the shares in the local store, one per line (or JSON); secrets are never shown. */
export function listCommand(): Command {
  const command = new Command("list").description("list shared sessions").option("--json", "print JSON")
  addStoreOption(command)
  return command.action(async (flags: CommonFlags & { json?: boolean }) => {
    const rows = await withExistingStore(
      flags,
      (store) =>
        store.shares.list().map((share) => ({ ...share, pendingBatches: store.outbox.count(share.sessionID) })),
      () => [],
    )
    if (flags.json === true) {
      printOut(`${terminalJson(rows)}\n`)
      return
    }
    for (const row of rows) {
      const pending = row.pendingBatches > 0 ? `  (${row.pendingBatches} batches pending)` : ""
      printOut(`${row.sessionID}\t${row.url}\tsynced ${iso(row.timeSynced)}${pending}\n`)
    }
  })
}
