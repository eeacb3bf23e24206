import { SingleBar } from "cli-progress"
import type { BatchSent } from "../sync/outbox-sender.ts"
import { printErr } from "./terminal.ts"

export type UploadProgress = {
  onBatch: (event: BatchSent) => void
  stop: () => void
}

/**
 * Progress of an upload on stderr (stdout carries results scripts read). A bar when stderr is a terminal or
 * `--progress` asks for one; otherwise a plain line per batch, and only when the upload takes several batches.
 */
export function uploadProgress(totalItems: number, forceBar: boolean): UploadProgress {
  const useBar = forceBar || process.stderr.isTTY === true
  let sentItems = 0
  let reported = false
  let bar: SingleBar | undefined
  return {
    onBatch(event) {
      sentItems += event.items
      // A single-batch upload needs no progress; once reporting started, it reports through the last batch.
      const severalBatches = reported || event.remaining > 0 || sentItems < totalItems
      if (!severalBatches) return
      reported = true
      if (!useBar) {
        printErr(`sent ${sentItems}/${Math.max(totalItems, sentItems)} items (${event.remaining} batches left)\n`)
        return
      }
      if (bar === undefined) {
        bar = new SingleBar({
          stream: process.stderr,
          noTTYOutput: forceBar,
          format: "uploading [{bar}] {value}/{total} items | {eta_formatted} left",
          hideCursor: true,
        })
        bar.start(Math.max(totalItems, sentItems), 0)
      }
      bar.setTotal(Math.max(totalItems, sentItems))
      bar.update(sentItems)
    },
    stop() {
      bar?.stop()
    },
  }
}
