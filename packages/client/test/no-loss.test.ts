import { afterAll, describe, expect, it } from "vitest"
import { HttpApi } from "../../../bench/http.ts"
import { concurrency } from "../../../bench/scenarios/concurrency.ts"
import { restart } from "../../../bench/scenarios/restart.ts"
import { removeTempDirs, tempDir, testServer } from "./helpers.ts"

/*
 * Small editions of the benchmark's concurrency and restart scenarios (`npm run bench`), run on every change. The
 * same code as the benchmark, with fewer clients and parts; only the no-loss counts are asserted, never timings.
 */
afterAll(() => removeTempDirs())

describe("no item is lost or duplicated", () => {
  it("when several clients sync distinct parts into one share at once", async () => {
    const server = testServer()
    const api = new HttpApi(server.url)
    const outcome = await concurrency(api, server.token, { clients: 8, partsPerClient: 50, partsPerSync: 5 })
    expect(outcome.storedParts).toBe(400)
    expect(outcome.itemsLost).toBe(0)
    expect(outcome.duplicated).toBe(0)
  })

  it("when the Worker restarts in the middle of an upload", async () => {
    const outcome = await restart(
      tempDir("cloudsession-noloss-state-"),
      tempDir("cloudsession-noloss-db-"),
      "no-loss-token",
      {
        parts: 600,
        restartAfterBatches: 3,
        batchItems: 50,
      },
    )
    expect(outcome.itemsLost).toBe(0)
    expect(outcome.duplicated).toBe(0)
    expect(outcome.diffsStored).toBe(outcome.diffsExpected)
    // The restart really happened mid-upload: a recovery was measured.
    expect(Number.isFinite(outcome.recoverySeconds)).toBe(true)
  })
})
