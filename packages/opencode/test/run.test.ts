import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { type MockLlm, startMockLlm } from "./support/mock-llm.ts"
import { createProject, type Project, runOpencode, stopAll } from "./support/opencode.ts"
import { expectShareEqualsSession, exportSession, readShare, sessionIDs, shareRow } from "./support/share.ts"

const workerUrl = inject("workerUrl")
const token = inject("rpcToken")

let llm: MockLlm
const projects: Project[] = []

beforeAll(async () => {
  llm = await startMockLlm()
})

afterAll(async () => {
  await stopAll()
  await llm.close()
  if (process.env.KEEP_OPENCODE_PROJECTS === undefined) for (const project of projects) project.remove()
})

const readConfig = (project: Project): unknown => JSON.parse(readFileSync(join(project.dir, "opencode.json"), "utf8"))

/** One `opencode run` with a tool call; after it exits, the share must equal the session OpenCode recorded. */
async function expectRunShared(project: Project, marker: string): Promise<void> {
  projects.push(project)
  const result = await runOpencode(project, [`list the files [[bash echo ${marker}]]`])
  expect(result.code, result.stderr).toBe(0)
  expect(result.stdout).toContain(`The command printed: ${marker}`)
  const [sessionID] = sessionIDs(project)
  if (sessionID === undefined) throw new Error("OpenCode recorded no session")
  const row = shareRow(project, sessionID)
  expect(row?.url).toMatch(new RegExp(`^${workerUrl}/share/`))
  const share = await readShare(workerUrl, row?.id ?? "")
  if (share === undefined) throw new Error("the share is not on the server")
  const exported = await exportSession(project, sessionID)
  expectShareEqualsSession(share, exported)
  expect(exported.info.share).toEqual({ url: row?.url })
  // The tool really ran: its part carries the command's output.
  expect(JSON.stringify(share.parts)).toContain(marker)
}

describe("opencode run with the plugin", () => {
  it("shares a new session in auto mode, and after the run exits the share equals the session", async () => {
    await expectRunShared(
      createProject({ llmUrl: llm.url, plugin: { url: workerUrl, token, mode: "auto" } }),
      "plugin-tool-output",
    )
  })

  it("loaded from a file in .opencode/plugin/ (no options: the environment), it shares the same way", async () => {
    const project = createProject(
      { llmUrl: llm.url, plugin: {}, load: "file" },
      { CLOUDSESSION_URL: workerUrl, CLOUDSESSION_TOKEN: token, CLOUDSESSION_SHARE: "auto" },
    )
    // OpenCode's own config names no plugin: only the file can have shared the session.
    expect(JSON.stringify(readConfig(project))).not.toContain("plugin")
    await expectRunShared(project, "file-plugin-output")
  })
})
