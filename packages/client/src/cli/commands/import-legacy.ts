import { existsSync } from "node:fs"
import { Command } from "commander"
import { importLegacyJson } from "../../store/legacy-json.ts"
import { defaultLegacyShareDir } from "../../store/paths.ts"
import { withStore } from "../client.ts"
import { addStoreOption, type CommonFlags } from "../config.ts"
import { UsageError } from "../exit-codes.ts"
import { printErr, printOut } from "../terminal.ts"

/**
 * `import-legacy [dir]`: record shares an older OpenCode kept as `<dir>/<sessionID>.json` files. (Rows of the old
 * `session_share` table need no command: opening the store upgrades them in place.)
 */
export function importLegacyCommand(): Command {
  const command = new Command("import-legacy")
    .description("import shares kept by older OpenCode versions as <sessionID>.json files")
    .argument("[dir]", "directory of <sessionID>.json files", defaultLegacyShareDir())
  addStoreOption(command)
  return command.action(async (dir: string, flags: CommonFlags) => {
    if (!existsSync(dir)) throw new UsageError(`no such directory: ${dir}`)
    const report = await withStore(flags, (store) => importLegacyJson(store.shares, dir))
    for (const skipped of report.skipped) printErr(`skipped ${skipped.file}: ${skipped.reason}\n`)
    printOut(`imported ${report.imported} shares (${report.alreadyKnown} already known)\n`)
  })
}
