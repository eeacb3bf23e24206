import type { SessionIndex, SessionPage, ShareInfo } from "@cloudsession/protocol"
import { makeSession } from "@cloudsession/protocol/fixtures"
import { beforeAll, describe, expect, it } from "vitest"
import { newestFirst } from "../src/listing/r2-entries.ts"
import { directory, finishBackfill, watchedService } from "./directory-helpers.ts"
import { api, createShare, ownerApi, uniqueSessionID } from "./helpers.ts"

function entry(id: string, fields: Partial<SessionIndex> = {}): SessionIndex {
  return {
    id,
    sessionID: `ses_${id}`,
    title: "",
    directory: "",
    messageCount: 0,
    partCount: 0,
    diffCount: 0,
    modelCount: 0,
    lastUpdated: 1_700_000_000_000,
    syncCount: 0,
    createdAt: 1_700_000_000_000,
    ...fields,
  }
}

async function titledShare(title: string, directoryPath = ""): Promise<ShareInfo> {
  const sessionID = uniqueSessionID("dir")
  return createShare(sessionID, [
    { type: "session", data: makeSession(sessionID, { title, directory: directoryPath }) },
  ])
}

/** Every page of a listing, following the cursors: the pages and the entries in the order served. */
async function walk(list: (cursor: string | undefined) => Promise<SessionPage>) {
  const pages: SessionPage[] = []
  let cursor: string | undefined
  do {
    const page = await list(cursor)
    pages.push(page)
    cursor = page.cursor
  } while (cursor !== undefined && pages.length < 100)
  return { pages, entries: pages.flatMap((page) => page.sessions) }
}

beforeAll(async () => {
  // This file's storage starts empty, so one step finds R2 empty and every listing below comes from SQLite.
  expect(await finishBackfill(directory())).toMatchObject({ phase: "done" })
})

describe("the share directory", () => {
  it("pages newest first: every share exactly once, the last page without a cursor, no R2 listing", async () => {
    const created = new Set<string>()
    for (let index = 0; index < 12; index += 1) created.add((await createShare(uniqueSessionID(`walk-${index}`))).id)
    const { service, calls } = watchedService()
    const { pages, entries } = await walk((cursor) => service.list({ limit: 5, cursor }))
    const ids = entries.map((listed) => listed.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of created) expect(ids).toContain(id)
    expect(entries).toEqual([...entries].sort(newestFirst))
    expect(pages.length).toBe(Math.ceil(entries.length / 5))
    expect(pages.at(-1)?.cursor).toBeUndefined()
    expect(pages.slice(0, -1).every((page) => page.sessions.length === 5)).toBe(true)
    expect(calls).toEqual({ list: 0, get: 0 })

    // The HTTP API serves the same pages, and its cursors are the offsets the list page links to.
    const overHttp = await walk(
      async (cursor) => (await (await ownerApi(`/api/sessions?limit=5&cursor=${cursor ?? 0}`)).json()) as SessionPage,
    )
    expect(overHttp.entries.map((listed) => listed.id)).toEqual(ids)
    expect(overHttp.pages.map((page) => page.cursor)).toEqual(pages.map((page) => page.cursor))
  })

  it("searches titles and directories for the literal text: `%` and `_` are no wildcards, 200 characters work", async () => {
    const long = "Ünïcode ½ ".repeat(20)
    const shares = {
      percent: await titledShare("Ship 100%_done", "/srv/a_b"),
      // What LIKE would wrongly match: `%` and `_` taken as wildcards.
      titleDecoy: await titledShare("Ship 100xxdone"),
      directoryDecoy: await titledShare("", "/srv/aXb"),
      long: await titledShare(long),
    }
    const mine = new Map(Object.entries(shares).map(([name, share]) => [share.id, name]))
    const { service, calls } = watchedService()
    const found = async (q: string) => {
      const page = await service.list({ q, limit: 200 })
      return page.sessions.flatMap((listed) => mine.get(listed.id) ?? [])
    }
    expect(await found("100%_done")).toEqual(["percent"])
    expect(await found("%")).toEqual(["percent"])
    expect(await found("A_B")).toEqual(["percent"])
    expect(await found("100xxDONE")).toEqual(["titleDecoy"])
    // Two hundred characters, over 50 bytes many times, in another case: found whole.
    const query = long.toUpperCase().slice(0, 200)
    expect(query).toHaveLength(200)
    expect(await found(query)).toEqual(["long"])
    expect(calls).toEqual({ list: 0, get: 0 })
    const overHttp = (await (
      await ownerApi(`/api/sessions?q=${encodeURIComponent("100%_done")}`)
    ).json()) as SessionPage
    expect(overHttp.sessions.map((listed) => listed.id)).toEqual([shares.percent.id])
  })

  it("drops a deleted share", async () => {
    const share = await titledShare("Soon deleted")
    const { service } = watchedService()
    const listedIds = async () => (await service.list({ q: "soon deleted" })).sessions.map((listed) => listed.id)
    expect(await listedIds()).toEqual([share.id])
    const removed = await api(`/api/share/${share.id}`, { method: "DELETE", json: { secret: share.secret } })
    expect(removed.status).toBe(200)
    expect(await listedIds()).toEqual([])
  })

  it("never rolls an entry back when an older write arrives late", async () => {
    const stub = directory("late-writes")
    await finishBackfill(stub)
    const titleOf = async () => {
      const listed = await stub.page({ limit: 1, offset: 0, q: "late-write" })
      return listed.ready ? listed.page.sessions.map((found) => found.title) : []
    }
    await stub.upsert(entry("late1", { title: "late-write newer", lastUpdated: 2_000, syncCount: 3 }))
    await stub.upsert(entry("late1", { title: "late-write older", lastUpdated: 1_000, syncCount: 9 }))
    expect(await titleOf()).toEqual(["late-write newer"])
    // Same clock: the higher sync count is the newer state, and the same state again (a retried write) lands.
    await stub.upsert(entry("late1", { title: "late-write fewer syncs", lastUpdated: 2_000, syncCount: 2 }))
    expect(await titleOf()).toEqual(["late-write newer"])
    await stub.upsert(entry("late1", { title: "late-write more syncs", lastUpdated: 2_000, syncCount: 4 }))
    expect(await titleOf()).toEqual(["late-write more syncs"])
    await stub.upsert(entry("late1", { title: "late-write same state", lastUpdated: 2_000, syncCount: 4 }))
    expect(await titleOf()).toEqual(["late-write same state"])
  })

  it("reads offset + limit + 1 rows for a page, however many shares there are", async () => {
    const stub = directory("page-cost")
    await finishBackfill(stub)
    const rowsRead = async (offset: number) => {
      const listed = await stub.page({ limit: 5, offset, q: "" })
      if (!listed.ready) return expect.fail("the directory should be ready")
      expect(listed.page.sessions).toHaveLength(5)
      return listed.rowsRead
    }
    const add = async (from: number, count: number) => {
      for (let index = from; index < from + count; index += 1) {
        await stub.upsert(entry(`cost${index}`, { lastUpdated: 1_000 + index }))
      }
    }
    await add(0, 20)
    const small = [await rowsRead(0), await rowsRead(10)]
    expect(small).toEqual([6, 16])
    await add(20, 400)
    expect([await rowsRead(0), await rowsRead(10)]).toEqual(small)
  })
})
