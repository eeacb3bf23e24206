import Database from "better-sqlite3"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { type MockLlm, startMockLlm } from "./support/mock-llm.ts"
import { createProject, type Project, poll, runOpencode, serveOpencode, stopAll } from "./support/opencode.ts"
import { type Outage, relayTo } from "./support/outage.ts"
import { expectShareToCatchUp } from "./support/served-session.ts"
import { readShare, sessionIDs, shareRow } from "./support/share.ts"

const workerUrl = inject("workerUrl")
const token = inject("rpcToken")

let llm: MockLlm
let relay: Outage
let project: Project

beforeAll(async () => {
  llm = await startMockLlm()
  relay = await relayTo(workerUrl)
})

afterAll(async () => {
  llm?.release()
  await stopAll()
  await relay?.close()
  await llm?.close()
  if (process.env.KEEP_OPENCODE_PROJECTS === undefined) project?.remove()
})

/** Batches of the session waiting in the plugin's outbox, in OpenCode's database. */
function outboxCount(sessionID: string): number {
  const db = new Database(project.database, { readonly: true, fileMustExist: true })
  try {
    const row = db.prepare("SELECT count(*) AS n FROM share_outbox WHERE session_id = ?").get(sessionID) as {
      n: number
    }
    return row.n
  } finally {
    db.close()
  }
}

const pluginLines = (pattern: RegExp) =>
  project
    .log()
    .split("\n")
    .filter((line) => line.includes("cloudsession:") && pattern.test(line))

describe("what cannot be flushed at exit", () => {
  it("stays in the outbox, and the next OpenCode start delivers it: the share then equals the session", async () => {
    // The plugin reaches the Worker through a relay the test cuts; a short exit flush keeps the failing exit short.
    project = createProject({ llmUrl: llm.url, plugin: { url: relay.url, token, mode: "auto", exitFlushMs: 1_000 } })
    const run = runOpencode(project, ["answer after a pause [[hold]] [[chunks 6 every 5]]"])

    // The session is shared and the answer has begun; now the server goes away for the rest of the turn.
    await llm.holding()
    const sessionID = await poll("the session to be shared", () => {
      const [id] = sessionIDs(project)
      return id !== undefined && shareRow(project, id) !== undefined ? id : undefined
    })
    const shareID = shareRow(project, sessionID)?.id ?? ""
    await poll("the share to be on the server", async () => (await readShare(workerUrl, shareID)) !== undefined)
    await relay.down()
    llm.release()
    const result = await run
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain("answer after a pause")

    // After the exit: the end of the turn is in the outbox, not on the server, and the run's stderr says how much.
    const left = outboxCount(sessionID)
    expect(left).toBeGreaterThan(0)
    expect(result.stderr).toContain(`cloudsession: ${left} batches could not be sent before exit`)
    // Nothing of the answer after the cut reached the server (its text is what the outbox still holds).
    expect(JSON.stringify((await readShare(workerUrl, shareID))?.parts)).not.toContain("You said")

    // The next start, with the server back: the plugin sends the leftovers without being asked.
    await relay.up()
    const served = await serveOpencode(project)
    await expectShareToCatchUp(served, workerUrl, shareID, sessionID)
    await poll("the outbox to empty", () => outboxCount(sessionID) === 0)
    await poll("the replay in OpenCode's log", () => pluginLines(/left over from an earlier run/).length > 0)
    expect(pluginLines(/left over from an earlier run/)[0]).toContain(`sent ${left} batches`)
    await served.stop()
  })
})
