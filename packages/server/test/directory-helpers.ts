import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test"
import { expect } from "vitest"
import type { Env } from "../src/env.ts"
import type { BackfillStatus } from "../src/listing/backfill.ts"
import type { ShareDirectory } from "../src/listing/share-directory.ts"
import { ShareService } from "../src/service/share-service.ts"
import { DEFAULT_DIRECTORY_NAME } from "../src/settings/deployment.ts"

export function directory(name: string = DEFAULT_DIRECTORY_NAME): DurableObjectStub<ShareDirectory> {
  return env.DIRECTORY.get(env.DIRECTORY.idFromName(name))
}

/**
 * Runs the directory's backfill alarm until the import is done, as the runtime would, one step per alarm. An alarm
 * the runtime already started may be running: then there is none to run for a moment, and the loop waits.
 */
export async function finishBackfill(stub: DurableObjectStub<ShareDirectory>): Promise<BackfillStatus> {
  for (let round = 0; round < 200; round += 1) {
    const status = await stub.backfillStatus()
    if (status.phase === "done") return status
    if (status.phase === "not_started") await stub.page({ limit: 1, offset: 0, q: "" })
    if (!(await runDurableObjectAlarm(stub))) await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return expect.fail("the backfill did not finish")
}

/**
 * The directory as this Worker version finds it on its first deploy onto a bucket that already holds entries: the
 * import not started (its entries stay; an import never overwrites a newer one). The import in progress, if any, is
 * finished first and its pending alarm dropped, so no step that began before the reset can end after it.
 */
export async function restartBackfill(stub: DurableObjectStub<ShareDirectory>): Promise<void> {
  await finishBackfill(stub)
  await runInDurableObject(stub, async (_, state) => {
    await state.storage.deleteAlarm()
    state.storage.sql.exec("DELETE FROM backfill")
  })
  expect(await stub.backfillStatus()).toEqual({ phase: "not_started" })
}

export type BucketCalls = { list: number; get: number }

/** The bucket, counting the `list` and `get` calls made through it. */
export function watchedBucket(bucket: R2Bucket): { bucket: R2Bucket; calls: BucketCalls } {
  const calls: BucketCalls = { list: 0, get: 0 }
  const watched = new Proxy(bucket, {
    get(target, property) {
      if (property === "list" || property === "get") calls[property] += 1
      const value: unknown = Reflect.get(target, property)
      // The binding's methods must run on the binding itself, not on the proxy.
      return typeof value === "function" ? value.bind(target) : value
    },
  })
  return { bucket: watched, calls }
}

/** A ShareService whose R2 calls are counted, optionally reading another directory instance. */
export function watchedService(overrides: Partial<Env> = {}): { service: ShareService; calls: BucketCalls } {
  const { bucket, calls } = watchedBucket(env.SESSIONS_STORE)
  return { service: new ShareService({ ...env, ...overrides, SESSIONS_STORE: bucket }), calls }
}
