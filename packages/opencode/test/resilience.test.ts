import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { startLocalWorker } from "../../server/scripts/local-worker.mjs"
import { TEST_TOKEN } from "./global-setup.ts"
import { type MockLlm, startMockLlm } from "./support/mock-llm.ts"
import { createProject, freePort, type Project, poll, runOpencode, serveOpencode, stopAll } from "./support/opencode.ts"
import { expectShareToCatchUp, newSession, prompt } from "./support/served-session.ts"
import { readShare, sessionIDs, shareRow } from "./support/share.ts"

const workerUrl = inject("workerUrl")
const token = inject("rpcToken")

let llm: MockLlm
const projects: Project[] = []
const cleanups: (() => Promise<void> | void)[] = []

function project(options: Parameters<typeof createProject>[0]): Project {
  const created = createProject(options)
  projects.push(created)
  return created
}

beforeAll(async () => {
  llm = await startMockLlm()
})

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  await stopAll()
  await llm?.close()
  if (process.env.KEEP_OPENCODE_PROJECTS === undefined) for (const created of projects) created.remove()
})

/** Lines the plugin wrote to OpenCode's log matching `pattern`. */
const pluginLines = (target: Project, pattern: RegExp) =>
  target
    .log()
    .split("\n")
    .filter((line) => line.includes("cloudsession:") && pattern.test(line))

describe("the plugin when things go wrong", () => {
  it("loses and duplicates nothing when the Worker restarts mid-conversation", async () => {
    const state = mkdtempSync(join(tmpdir(), "cloudsession-opencode-restart-"))
    cleanups.push(() => rmSync(state, { recursive: true, force: true }))
    const port = await freePort()
    const vars = { RPC_TOKENS: TEST_TOKEN }
    let worker = await startLocalWorker({ port, persistTo: state, vars })
    cleanups.push(() => worker.stop())
    const target = project({ llmUrl: llm.url, plugin: { url: worker.url, token: TEST_TOKEN, mode: "auto" } })
    const served = await serveOpencode(target)
    cleanups.push(() => served.stop())

    const session = await newSession(served)
    await prompt(served, session.id, "first turn [[bash echo before-restart]]")
    const shareID = shareRow(target, session.id)?.id ?? ""
    await expectShareToCatchUp(served, worker.url, shareID, session.id)

    await worker.stop()
    // OpenCode keeps working while the server is away; the plugin's changes wait in the outbox.
    await prompt(served, session.id, "second turn while the server is down")
    worker = await startLocalWorker({ port, persistTo: state, vars })
    await prompt(served, session.id, "third turn after the restart [[bash echo after-restart]]")
    await expectShareToCatchUp(served, worker.url, shareID, session.id)
  })

  it("a wrong token: one clear line in OpenCode's log, nothing sent, and OpenCode keeps working", async () => {
    const target = project({ llmUrl: llm.url, plugin: { url: workerUrl, token: "not-the-token", mode: "manual" } })
    const served = await serveOpencode(target)
    cleanups.push(() => served.stop())
    const session = await newSession(served)
    await prompt(served, session.id, "hello")
    await expect(served.api("POST", `/session/${session.id}/share`)).rejects.toThrow()
    await expect(served.api("POST", `/session/${session.id}/share`)).rejects.toThrow()
    await prompt(served, session.id, "still answering")
    expect(shareRow(target, session.id)).toBeUndefined()
    // OpenCode writes plugin log lines asynchronously.
    await poll("the refusal in OpenCode's log", () => pluginLines(target, /refused the token/).length > 0, 10_000)
    expect(pluginLines(target, /refused the token/)).toHaveLength(1)
    // Listings are the server's owner's: asked with the owner's token, the server holds no share of this project.
    const listed = await fetch(`${workerUrl}/api/sessions?q=${encodeURIComponent(target.dir)}`, {
      headers: { Authorization: `Bearer ${token}` },
    })
    expect(listed.status).toBe(200)
    expect(((await listed.json()) as { sessions: unknown[] }).sessions).toEqual([])
  })

  it("no token: one line saying so, the run completes and nothing is shared anywhere", async () => {
    const target = project({ llmUrl: llm.url, plugin: { url: workerUrl, mode: "auto" } })
    const result = await runOpencode(target, ["hello without a token"])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain("hello without a token")
    const [sessionID] = sessionIDs(target)
    expect(sessionID).toBeDefined()
    expect(shareRow(target, sessionID ?? "")).toBeUndefined()
    await poll("the warning in OpenCode's log", () => pluginLines(target, /no token configured/).length > 0, 10_000)
    expect(pluginLines(target, /no token configured/)).toHaveLength(1)
  })

  it("a share made by OpenCode's own HTTP client before the plugin was enabled keeps syncing, over /rpc", async () => {
    const target = project({ llmUrl: llm.url, plugin: false, share: "auto", enterpriseUrl: workerUrl })
    const before = await runOpencode(target, ["made before the plugin"])
    expect(before.code, before.stderr).toBe(0)
    const [sessionID] = sessionIDs(target)
    const legacy = shareRow(target, sessionID ?? "")
    expect(legacy?.url).toBe(`${workerUrl}/share/${legacy?.id}`)

    // Now with the plugin: OpenCode's own client is pointed at the plugin's bridge, so only /rpc reaches the Worker.
    target.configure({ llmUrl: llm.url, plugin: { url: workerUrl, token, mode: "manual" } })
    const served = await serveOpencode(target)
    cleanups.push(() => served.stop())
    await prompt(served, sessionID ?? "", "after the plugin was enabled [[bash echo legacy-share]]")
    await expectShareToCatchUp(served, workerUrl, legacy?.id ?? "", sessionID ?? "")
    expect(shareRow(target, sessionID ?? "")).toEqual(legacy)
    expect(JSON.stringify((await readShare(workerUrl, legacy?.id ?? ""))?.parts)).toContain("legacy-share")
  })
})
