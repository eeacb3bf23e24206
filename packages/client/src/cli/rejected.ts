import { ServerRefusedError } from "../errors.ts"
import type { BatchRejected } from "../sync/outbox-sender.ts"
import type { ItemTooLargeError } from "../sync/pack.ts"

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "es"}`

/** How many batches and items the server refused (they were dropped from the outbox). */
function dropped(rejected: BatchRejected[]): string {
  const items = rejected.reduce((sum, batch) => sum + batch.items, 0)
  return `${plural(rejected.length, "batch")} (${items} items) dropped from the outbox`
}

const firstLine = (text: string) => text.split("\n")[0] ?? text

/** One line about refused batches of several sessions, with the server's first reason and its code. */
export function describeRejected(rejected: BatchRejected[]): string {
  const first = rejected[0]
  if (first === undefined) return ""
  return `server refused ${dropped(rejected)} (${first.code}: ${firstLine(first.reason)})`
}

/**
 * Batches of the command's own session that the server refused were dropped so later ones could flow; the
 * command still failed to store them, so it ends as a refusal (exit 6) with that one line.
 */
export function throwIfRejected(sessionID: string, rejected: BatchRejected[]): void {
  const first = rejected[0]
  if (first === undefined) return
  throw new ServerRefusedError(first.code, `${dropped(rejected)} for ${sessionID}: ${firstLine(first.reason)}`)
}

/**
 * Items too large for any way to the server were left out (the rest was sent): the command still could not store
 * them, so it ends with the first one's error (exit 2), saying how many more there were.
 */
export function throwIfTooLarge(tooLarge: ItemTooLargeError[]): void {
  const first = tooLarge[0]
  if (first === undefined) return
  if (tooLarge.length > 1) first.message += ` (and ${tooLarge.length - 1} more items too large)`
  throw first
}
