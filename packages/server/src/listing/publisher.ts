import type { SessionIndex } from "@cloudsession/protocol"
import type { Env } from "../env.ts"
import { directoryOf } from "./directory-of.ts"
import { deleteIndex, writeIndex } from "./r2-entries.ts"

/**
 * After a sync, the listing entry is written this long later by a Durable Object alarm, so a burst of syncs costs
 * one R2 put and one directory write instead of one each, and no sync waits on either. Alarms are durable: the write
 * happens even if the object is evicted first.
 */
export const LISTING_DELAY_MS = 500

type ListingEnv = Pick<Env, "SESSIONS_STORE" | "DIRECTORY" | "DIRECTORY_NAME">

/**
 * Waits for every write, then throws the first failure. Both targets are written at once (a creator waits for the
 * slower one, not the sum), but the step ends only when both have settled, so the next serialised write can never
 * overtake one still in flight.
 */
async function allOrFirstFailure(writes: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(writes)
  const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected")
  if (failed !== undefined) throw failed.reason
}

/**
 * Keeps a share's listing entry in step with its rows, in two places: the share directory, which listings read, and
 * R2 (`index/<id>`, the seed's layout), which a rollback to an older Worker reads and the directory imports from.
 * Writes run one after another, so an older entry can never land after a newer one, or after the entry was deleted.
 */
export class ListingPublisher {
  private readonly storage: DurableObjectStorage
  private readonly env: ListingEnv
  private readonly current: () => SessionIndex | undefined
  private writes: Promise<void> = Promise.resolve()
  private scheduled = false

  constructor(storage: DurableObjectStorage, env: ListingEnv, current: () => SessionIndex | undefined) {
    this.storage = storage
    this.env = env
    this.current = current
  }

  /** Write the entry now (creation, import): a new share is listed as soon as its creator hears back. */
  publishNow(): Promise<void> {
    return this.serialise(async () => {
      const entry = this.current()
      if (entry === undefined) return
      await allOrFirstFailure([writeIndex(this.env.SESSIONS_STORE, entry), directoryOf(this.env).upsert(entry)])
    })
  }

  /**
   * After a create or an import, which have already committed: write now, and if a write fails leave the entry to
   * the alarm (which retries) rather than fail a request whose share exists, so its creator still gets the secret.
   */
  async publishPromptly(): Promise<void> {
    try {
      await this.publishNow()
    } catch (error) {
      console.warn(`listing entry not written (${error instanceof Error ? error.name : "error"}); retrying by alarm`)
      await this.publishSoon()
    }
  }

  /** After a sync: one pending alarm covers every change until it fires. */
  async publishSoon(): Promise<void> {
    if (this.scheduled) return
    this.scheduled = true
    await this.storage.setAlarm(Date.now() + LISTING_DELAY_MS)
  }

  /** The alarm fired: write the newest state. A failure throws, so the runtime retries the alarm. */
  onAlarm(): Promise<void> {
    this.scheduled = false
    return this.publishNow()
  }

  /** The share is gone: cancel a pending write and remove the entry once any write in flight has landed. */
  async unpublish(shareID: string): Promise<void> {
    this.scheduled = false
    await this.storage.deleteAlarm()
    await this.serialise(() =>
      allOrFirstFailure([deleteIndex(this.env.SESSIONS_STORE, shareID), directoryOf(this.env).remove(shareID)]),
    )
  }

  private serialise(task: () => Promise<void>): Promise<void> {
    const next = this.writes.then(task, task)
    // A failed write must not wedge the queue; the caller still sees the failure through `next`.
    this.writes = next.catch(() => {})
    return next
  }
}
