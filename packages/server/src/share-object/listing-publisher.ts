import type { SessionIndex } from "@cloudsession/protocol"
import { deleteIndex, writeIndex } from "../index-store.ts"

/**
 * After a sync, the listing entry is written this long later by a Durable Object alarm, so a burst of syncs costs
 * one R2 put instead of one each and no sync waits on R2. Alarms are durable: the write happens even if the object
 * is evicted first.
 */
export const LISTING_DELAY_MS = 500

/**
 * Keeps a share's R2 listing entry (`index/<id>`) in step with its rows. Writes run one after another, so an older
 * entry can never land after a newer one, or after the entry was deleted.
 */
export class ListingPublisher {
  private readonly storage: DurableObjectStorage
  private readonly bucket: R2Bucket
  private readonly current: () => SessionIndex | undefined
  private writes: Promise<void> = Promise.resolve()
  private scheduled = false

  constructor(storage: DurableObjectStorage, bucket: R2Bucket, current: () => SessionIndex | undefined) {
    this.storage = storage
    this.bucket = bucket
    this.current = current
  }

  /** Write the entry now (creation, import): a new share is listed as soon as its creator hears back. */
  publishNow(): Promise<void> {
    return this.serialise(async () => {
      const entry = this.current()
      if (entry !== undefined) await writeIndex(this.bucket, entry)
    })
  }

  /**
   * After a create or an import, which have already committed: write now, and if R2 fails leave the entry to the
   * alarm (which retries) rather than fail a request whose share exists, so its creator still gets the secret.
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

  /** The alarm fired: write the newest state. */
  onAlarm(): Promise<void> {
    this.scheduled = false
    return this.publishNow()
  }

  /** The share is gone: cancel a pending write and remove the entry once any write in flight has landed. */
  async unpublish(shareID: string): Promise<void> {
    this.scheduled = false
    await this.storage.deleteAlarm()
    await this.serialise(() => deleteIndex(this.bucket, shareID))
  }

  private serialise(task: () => Promise<void>): Promise<void> {
    const next = this.writes.then(task, task)
    // A failed write must not wedge the queue; the caller still sees the failure through `next`.
    this.writes = next.catch(() => {})
    return next
  }
}
