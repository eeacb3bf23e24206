import type { ShareClient } from "../share-client.ts"
import { describeError } from "./exit-codes.ts"
import { describeRejected } from "./rejected.ts"
import { printErr } from "./terminal.ts"

/**
 * Deliver what sessions shared on this server still have pending. It is not what the user asked for, so it never
 * fails the command: problems become one warning line on stderr, and the batches stay for the next attempt.
 */
export async function replayPending(client: ShareClient): Promise<void> {
  const problems = await client.replayOutbox().then(
    (replayed) => [
      ...replayed.failed.map((failure) => `${failure.sessionID}: ${describeError(failure.error)}`),
      ...(replayed.rejected.length > 0 ? [describeRejected(replayed.rejected)] : []),
    ],
    (error: unknown) => [describeError(error)],
  )
  if (problems.length === 0) return
  printErr(`cloudsession: warning: pending batches of other shares: ${problems.join("; ")}\n`)
}
