import { snapshotToMarkdown } from "@cloudsession/protocol"
import { Command, Option } from "commander"
import { checkShareId, fetchShare, locateShare } from "../../export/fetch-share.ts"
import { type CommonFlags, serverUrl } from "../config.ts"

/** `export <shareID|url> [--format json|md]`: print a share as viewers see it. */
export function exportCommand(): Command {
  return new Command("export")
    .description("print a share (as viewers see it) as JSON or Markdown")
    .argument("<share>", "share id, or the share URL")
    .addOption(new Option("--format <format>", "output format").choices(["json", "md"]).default("json"))
    .option("--url <url>", "server origin (env CLOUDSESSION_URL); not needed when <share> is a URL")
    .action(async (share: string, flags: CommonFlags & { format: "json" | "md" }) => {
      const located = locateShare(share, undefined)
      checkShareId(located.id)
      const server = located.server ?? serverUrl(flags)
      const snapshot = await fetchShare(server, located.id)
      process.stdout.write(
        flags.format === "md" ? snapshotToMarkdown(snapshot) : `${JSON.stringify(snapshot, null, 2)}\n`,
      )
    })
}
