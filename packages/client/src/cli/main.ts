import { Command, CommanderError } from "commander"
import { exportCommand } from "./commands/export.ts"
import { importLegacyCommand } from "./commands/import-legacy.ts"
import { listCommand } from "./commands/list.ts"
import { ownerCommand } from "./commands/owner.ts"
import { serveCommand } from "./commands/serve.ts"
import { shareCommand } from "./commands/share.ts"
import { syncCommand } from "./commands/sync.ts"
import { unshareCommand } from "./commands/unshare.ts"
import { urlCommand } from "./commands/url.ts"
import { describeError, EXIT, exitCodeOf } from "./exit-codes.ts"
import { printErr } from "./terminal.ts"

/** Which command a usage error came from, for the `--help` hint in its one line. */
type UsageContext = { command: string }

/**
 * Usage errors throw instead of exiting, and commander prints nothing for them: it would print its message and
 * then help or a hint on further lines, while every error here is one line (printed by `main`).
 */
function quiet(command: Command, name: string, usage: UsageContext): Command {
  return command.exitOverride().configureOutput({
    outputError: () => {
      usage.command = name
    },
    // Only help shown because of an error goes here (the root run without a command); `main` says it in one line.
    writeErr: () => {},
  })
}

function program(usage: UsageContext): Command {
  const root = quiet(
    new Command("cloudsession")
      .description("share OpenCode sessions as live read-only views (server and token: --url/--token or env)")
      .version("0.1.0"),
    "cloudsession",
    usage,
  )
  for (const command of [
    shareCommand(),
    syncCommand(),
    unshareCommand(),
    listCommand(),
    urlCommand(),
    exportCommand(),
    importLegacyCommand(),
    ownerCommand(),
    serveCommand(),
  ]) {
    root.addCommand(quiet(command, `cloudsession ${command.name()}`, usage))
    // Subcommands (`owner delete`) report their usage errors in one line too.
    for (const sub of command.commands) quiet(sub, `cloudsession ${command.name()} ${sub.name()}`, usage)
  }
  return root
}

/** Commander's message (`error: unknown option '--x'`, maybe a suggestion on the next line) as one line. */
function usageLine(error: CommanderError, usage: UsageContext): string {
  if (error.code === "commander.help") return "no command given (try cloudsession --help)"
  const message = error.message
    .replace(/^error: /, "")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .join(" ")
  return `${message} (try ${usage.command} --help)`
}

/** Run the CLI; resolves to the exit code (the bin sets it), so tests can call it in-process too. */
export async function main(argv: string[]): Promise<number> {
  const usage: UsageContext = { command: "cloudsession" }
  try {
    await program(usage).parseAsync(argv, { from: "user" })
    return EXIT.ok
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0 (and were printed to stdout).
      if (error.exitCode === 0) return EXIT.ok
      printErr(`cloudsession: ${usageLine(error, usage)}\n`)
      return EXIT.usage
    }
    printErr(`cloudsession: ${describeError(error)}\n`)
    return exitCodeOf(error)
  }
}
