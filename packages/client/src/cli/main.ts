import { Command, CommanderError } from "commander"
import { exportCommand } from "./commands/export.ts"
import { importLegacyCommand } from "./commands/import-legacy.ts"
import { listCommand } from "./commands/list.ts"
import { serveCommand } from "./commands/serve.ts"
import { shareCommand } from "./commands/share.ts"
import { syncCommand } from "./commands/sync.ts"
import { unshareCommand } from "./commands/unshare.ts"
import { urlCommand } from "./commands/url.ts"
import { describeError, EXIT, exitCodeOf } from "./exit-codes.ts"

function program(): Command {
  const root = new Command("cloudsession")
    .description("share OpenCode sessions as live read-only views (server and token: --url/--token or env)")
    .version("0.1.0")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride()
  for (const command of [
    shareCommand(),
    syncCommand(),
    unshareCommand(),
    listCommand(),
    urlCommand(),
    exportCommand(),
    importLegacyCommand(),
    serveCommand(),
  ]) {
    // Subcommands report usage errors through the same path as the root, so they get the same exit code.
    root.addCommand(command.exitOverride().showHelpAfterError("(add --help for usage)"))
  }
  return root
}

/** Run the CLI; resolves to the exit code (the bin sets it), so tests can call it in-process too. */
export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: "user" })
    return EXIT.ok
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; commander already printed its message for usage errors.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage
    }
    process.stderr.write(`cloudsession: ${describeError(error)}\n`)
    return exitCodeOf(error)
  }
}
