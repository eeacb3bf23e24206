import { execFile } from "node:child_process"
import { randomBytes } from "node:crypto"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { promisify } from "node:util"
import type { Model, SyncData } from "@cloudsession/protocol"
import Database from "better-sqlite3"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import type { ForkResult, ForkScenario, ForkStep } from "./support/fork-share-next.ts"
import { createProject, opencodeBin, type Project, repoDir } from "./support/opencode.ts"
import { readShare } from "./support/share.ts"

const workerUrl = inject("workerUrl")
const token = inject("rpcToken")
const bun = join(repoDir, "node_modules", ".bin", "bun")

let project: Project

/** A real OpenCode database: OpenCode's own migrations made its tables, `session_share` among them. */
beforeAll(async () => {
  project = createProject({ llmUrl: "http://127.0.0.1:9/v1", plugin: false })
  await promisify(execFile)(opencodeBin, ["session", "list"], {
    cwd: project.dir,
    env: { ...process.env, ...project.env },
    timeout: 60_000,
  })
})

afterAll(() => {
  if (process.env.KEEP_OPENCODE_PROJECTS === undefined) project?.remove()
})

/** One start of the fork: a Bun process running the steps through `@cloudsession/opencode/share-next`. */
async function fork(scenario: Omit<ForkScenario, "url" | "token" | "database">): Promise<ForkResult[]> {
  const file = join(project.root, `scenario-${randomBytes(4).toString("hex")}.json`)
  writeFileSync(file, JSON.stringify({ url: workerUrl, token, database: project.database, ...scenario }))
  const { stdout } = await promisify(execFile)(
    bun,
    [join(import.meta.dirname, "support", "fork-share-next.ts"), file],
    {
      cwd: import.meta.dirname,
      env: { ...process.env, ...project.env },
      timeout: 60_000,
    },
  )
  return stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as ForkResult)
}

function shareRows(): { session_id: string; id: string; secret: string; url: string; server: string | null }[] {
  const db = new Database(project.database, { readonly: true })
  try {
    return db.prepare("SELECT session_id, id, secret, url, server FROM session_share").all() as ReturnType<
      typeof shareRows
    >
  } finally {
    db.close()
  }
}

const suffix = randomBytes(6).toString("hex")
const sessionID = `ses_fork${suffix}`
const user = { id: `msg_fork${suffix}1`, sessionID, role: "user", time: { created: 1_800_000_000_000 } }
const userPart = { id: `prt_fork${suffix}1`, sessionID, messageID: user.id, type: "text", text: "first prompt" }
const session = { id: sessionID, title: "A fork's session", directory: "/work/fork", time: { created: 1, updated: 2 } }
const modelA: Model = { id: "model-a", providerID: "prov", name: "Model A" }
const modelB: Model = { id: "model-b", providerID: "prov", name: "Model B" }
const snapshot: SyncData[] = [
  { type: "session", data: session },
  { type: "message", data: user },
  { type: "part", data: userPart },
  { type: "session_diff", data: [] },
  { type: "model", data: [modelA] },
]

// Changes published while the share is being created, and after: what a fork's bus carries during a turn.
const renamed = { ...session, title: "Renamed while sharing", time: { created: 1, updated: 3 } }
const assistant = { id: `msg_fork${suffix}2`, sessionID, role: "assistant", time: { created: 1_800_000_000_100 } }
const streamed = { id: `prt_fork${suffix}2`, sessionID, messageID: assistant.id, type: "text", text: "" }
const second = {
  id: `msg_fork${suffix}3`,
  sessionID,
  role: "user",
  time: { created: 1_800_000_000_200 },
  model: { providerID: "prov", modelID: "model-b" },
}
const diff = [{ file: "src/app.ts", before: "a\n", after: "b\n", additions: 1, deletions: 1 }]
const turn: ForkStep = {
  op: "publish",
  events: [
    { type: "message.updated", properties: { info: assistant } },
    { type: "message.part.updated", properties: { part: streamed } },
    ...["Stre", "amed ", "answer"].map((delta) => ({
      type: "message.part.delta",
      properties: { sessionID, messageID: assistant.id, partID: streamed.id, field: "text", delta },
    })),
    { type: "session.diff", properties: { sessionID, diff } },
    { type: "message.updated", properties: { info: second } },
    { type: "session.idle", properties: { sessionID } },
  ],
}

const byId = <T extends { id: string }>(items: T[]) => [...items].sort((a, b) => a.id.localeCompare(b.id))

describe("@cloudsession/opencode/share-next, loaded by a fork's share-next.ts under Bun", () => {
  it("init, create, live changes, dispose; then at the next start create again, remove", async () => {
    const first = await fork({
      sessions: { [sessionID]: snapshot },
      models: [modelA, modelB],
      // Longer than the run: the turn's changes are still queued at dispose, which must send them.
      debounceMs: 60_000,
      steps: [
        { op: "init" },
        { op: "url" },
        {
          op: "create",
          sessionID,
          duringSnapshot: [{ type: "session.updated", properties: { info: renamed } }],
        },
        turn,
        // Dispose is the exit: what the turn changed must reach the server before it returns.
        { op: "dispose" },
      ],
    })
    expect(first.map((result) => result.error)).toEqual([undefined, undefined, undefined, undefined, undefined])
    expect(first[1]?.value).toBe(workerUrl)
    const info = first[2]?.value as { id: string; url: string; secret: string }
    expect(info.url).toBe(`${workerUrl}/share/${info.id}`)
    expect(info.secret.length).toBeGreaterThan(20)

    // The record is a row of OpenCode's own table, with what create returned.
    expect(shareRows()).toEqual([{ session_id: sessionID, ...info, server: workerUrl }])

    // The share holds what was fed: the snapshot, the change made while it was read, the turn (deltas applied).
    const share = await readShare(workerUrl, info.id)
    expect(share?.session).toEqual(renamed)
    expect(byId(share?.messages ?? [])).toEqual(byId([user, assistant, second]))
    expect(byId(share?.parts ?? [])).toEqual(byId([userPart, { ...streamed, text: "Streamed answer" }]))
    expect((share as { diffs?: unknown } | undefined)?.diffs).toEqual(diff)
    expect(byId(share?.models ?? [])).toEqual(byId([modelA, modelB]))

    // The next start: the record is read back from the table (no second share), and remove deletes both.
    const next = await fork({
      sessions: { [sessionID]: snapshot },
      models: [],
      steps: [{ op: "init" }, { op: "create", sessionID }, { op: "remove", sessionID }, { op: "dispose" }],
    })
    expect(next.map((result) => result.error)).toEqual([undefined, undefined, undefined, undefined])
    expect(next[1]?.value).toEqual(info)
    expect(await readShare(workerUrl, info.id)).toBeUndefined()
    expect(shareRows()).toEqual([])
  })
})
