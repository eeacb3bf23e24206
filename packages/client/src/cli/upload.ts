import type { SyncData } from "@cloudsession/protocol"
import { Command } from "commander"
import type { ShareStore } from "../store/store.ts"
import { coalesce } from "../sync/coalesce.ts"
import type { BatchSent } from "../sync/outbox-sender.ts"
import { addServerOptions, addStoreOption } from "./config.ts"
import { uploadProgress } from "./progress.ts"

/** A command that uploads a session file (`share`, `sync`): the file argument and the server/store/progress options. */
export function uploadCommand(name: string, description: string): Command {
  const command = new Command(name)
    .description(description)
    .argument("<session>", "session file, or - for stdin")
    .option("--progress", "show a progress bar even when stderr is not a terminal")
    .option("--no-redact", "send secrets (API keys, tokens, private keys) as they are instead of [redacted:<rule>]")
  addServerOptions(command)
  addStoreOption(command)
  return command
}

/** Run an upload with progress sized to what will go out: the session's pending batches plus its coalesced items. */
/** One line for the items of a batch the server did not store (the others it did): which ones, and why. */
export function describeRefused(event: BatchSent): string {
  const shown = event.refused
    .slice(0, 3)
    .map((item) => `#${item.index} ${item.type ?? "item"} (${item.code}): ${item.reason}`)
  const more = event.refused.length > shown.length ? `; and ${event.refused.length - shown.length} more` : ""
  return `cloudsession: server refused ${event.refused.length} of ${event.items} items of ${event.sessionID}: ${shown.join("; ")}${more}`
}

export async function withUploadProgress<T>(
  store: ShareStore,
  session: { sessionID: string; items: SyncData[] },
  forceBar: boolean,
  upload: (onBatch: (event: BatchSent) => void) => Promise<T>,
): Promise<T> {
  const total = store.outbox.pendingItems(session.sessionID) + coalesce(session.items).length
  const progress = uploadProgress(total, forceBar)
  try {
    // Replays of other sessions' pending batches report through the same callback; they are not this upload.
    return await upload((event) => {
      if (event.refused.length > 0) process.stderr.write(`${describeRefused(event)}\n`)
      if (event.sessionID === session.sessionID) progress.onBatch(event)
    })
  } finally {
    progress.stop()
  }
}
