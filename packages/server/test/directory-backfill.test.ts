import { env, reset, runInDurableObject } from "cloudflare:test"
import type { SessionIndex } from "@cloudsession/protocol"
import { afterEach, describe, expect, it } from "vitest"
import { BACKFILL_GET_LIMIT } from "../src/listing/backfill.ts"
import { readIndexChunk, writeIndex } from "../src/listing/r2-entries.ts"
import { directory, finishBackfill, watchedBucket, watchedService } from "./directory-helpers.ts"

function entry(id: string, fields: Partial<SessionIndex> = {}): SessionIndex {
  return {
    id,
    sessionID: `ses_${id}`,
    title: `Backfilled ${id}`,
    directory: "/srv/old",
    messageCount: 1,
    partCount: 2,
    diffCount: 0,
    modelCount: 1,
    lastUpdated: 1_690_000_000_000,
    syncCount: 3,
    createdAt: 1_690_000_000_000,
    ...fields,
  }
}

/** An entry as the seed wrote it: the body only, no metadata copy, so reading it takes a `get`. */
async function putSeedEntry(key: string, body: unknown): Promise<void> {
  await env.SESSIONS_STORE.put(`index/${key}`, typeof body === "string" ? body : JSON.stringify(body))
}

// Each test starts from an empty bucket and fresh directories, so the import sees exactly what the test put.
afterEach(async () => {
  await reset()
})

describe("the directory's import of R2 entries", () => {
  it("lists from R2 until the import is done, then from SQLite: same entries, malformed ones skipped", async () => {
    await writeIndex(env.SESSIONS_STORE, entry("withMeta", { lastUpdated: 1_690_000_000_500 }))
    await putSeedEntry("seedOnly", entry("seedOnly", { title: "Seed-era, no metadata" }))
    await putSeedEntry("partial1", { id: "partial1", lastUpdated: 5 })
    await putSeedEntry("garbage1", "not json at all")
    await putSeedEntry("noId", { title: "an entry without an id" })
    // A metadata copy that does not parse: the body is read instead.
    await env.SESSIONS_STORE.put("index/badMeta", JSON.stringify(entry("badMeta")), {
      customMetadata: { entry: "{broken" },
    })
    const stub = directory("import-switch")
    expect(await stub.backfillStatus()).toEqual({ phase: "not_started" })

    const fromR2 = watchedService({ DIRECTORY_NAME: "import-switch" })
    const before = await fromR2.service.list({ limit: 200 })
    expect(fromR2.calls.list).toBeGreaterThan(0)
    const ids = before.sessions.map((listed) => listed.id)
    expect(ids).toEqual(["withMeta", "badMeta", "seedOnly", "partial1"])
    expect(before.sessions.find((listed) => listed.id === "partial1")).toMatchObject({ title: "", partCount: 0 })

    // The first listing scheduled the import; run its alarm to the end.
    expect(await finishBackfill(stub)).toEqual({ phase: "done", scanned: 6 })
    const fromSql = watchedService({ DIRECTORY_NAME: "import-switch" })
    expect(await fromSql.service.list({ limit: 200 })).toEqual(before)
    expect(await fromSql.service.list({ limit: 2, cursor: 2 })).toEqual({ sessions: before.sessions.slice(2, 4) })
    expect(await fromSql.service.list({ q: "seed-era" })).toEqual({ sessions: [before.sessions[2]] })
    expect(fromSql.calls).toEqual({ list: 0, get: 0 })
  })

  it("bounds a step to one list and BACKFILL_GET_LIMIT gets, and resumes after the last key it imported", async () => {
    const seeds = BACKFILL_GET_LIMIT + 5
    // Keys sort as "m-…" (metadata copies, no get needed) before "s-…" (seed bodies, one get each).
    for (let index = 0; index < 3; index += 1) await writeIndex(env.SESSIONS_STORE, entry(`m-${index}`))
    for (let index = 0; index < seeds; index += 1) {
      const id = `s-${String(index).padStart(3, "0")}`
      await putSeedEntry(id, entry(id))
    }
    const { bucket, calls } = watchedBucket(env.SESSIONS_STORE)
    const chunk = await readIndexChunk(bucket, { startAfter: undefined, limit: 1000, maxGets: BACKFILL_GET_LIMIT })
    expect(calls).toEqual({ list: 1, get: BACKFILL_GET_LIMIT })
    expect(chunk).toMatchObject({ scanned: 3 + BACKFILL_GET_LIMIT, done: false })

    const stub = directory("import-bounded")
    const lastOfFirstStep = `index/s-${String(BACKFILL_GET_LIMIT - 1).padStart(3, "0")}`
    expect(await stub.backfillStep()).toEqual({
      phase: "in_progress",
      after: lastOfFirstStep,
      scanned: 3 + BACKFILL_GET_LIMIT,
    })
    expect(await stub.backfillStep()).toEqual({ phase: "done", scanned: 3 + seeds })
    const listed = await stub.page({ limit: 200, offset: 0, q: "" })
    expect(listed.ready && listed.page.sessions.length).toBe(3 + seeds)
  })

  it("never overwrites a newer entry with an R2 copy, nor brings back a share deleted during the import", async () => {
    await writeIndex(env.SESSIONS_STORE, entry("fresher", { title: "R2 copy, older", lastUpdated: 100 }))
    await writeIndex(env.SESSIONS_STORE, entry("tied", { title: "R2 copy, same state", lastUpdated: 100 }))
    await writeIndex(env.SESSIONS_STORE, entry("deleted", { title: "R2 copy, share deleted" }))
    const stub = directory("import-races")
    // Inside the object, so the import's first step runs after these writes (the hardest case for it), not before.
    await runInDurableObject(stub, async (instance) => {
      // Published by the shares while the import runs.
      await instance.upsert(entry("fresher", { title: "published, newer", lastUpdated: 200 }))
      await instance.upsert(entry("tied", { title: "published, same state", lastUpdated: 100 }))
      // The share was deleted: the directory has been told, though R2's copy is still there to be read.
      await instance.upsert(entry("deleted"))
      await instance.remove("deleted")
      expect(instance.backfillStatus()).toEqual({ phase: "not_started" })
      expect(await instance.backfillStep()).toMatchObject({ phase: "done", scanned: 3 })
    })
    const listed = await stub.page({ limit: 200, offset: 0, q: "" })
    if (!listed.ready) return expect.fail("the import is done")
    expect(listed.page.sessions.map((found) => [found.id, found.title])).toEqual([
      ["fresher", "published, newer"],
      ["tied", "published, same state"],
    ])
  })
})
