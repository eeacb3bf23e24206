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

describe("opencode run with the plugin", () => {
  it("shares a new session in auto mode, and after the run exits the share equals the session", async () => {
    const project = createProject({ llmUrl: llm.url, plugin: { url: workerUrl, token, mode: "auto" } })
    projects.push(project)
    const result = await runOpencode(project, ["list the files [[bash echo plugin-tool-output]]"])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain("The command printed: plugin-tool-output")
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
    expect(JSON.stringify(share.parts)).toContain("plugin-tool-output")
  })
})
