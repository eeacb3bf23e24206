import type { ShareSnapshot } from "@cloudsession/protocol"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { type MockLlm, startMockLlm } from "./support/mock-llm.ts"
import { mockModelConfig, type OpencodeHome, opencodeHome, runOpencode } from "./support/opencode.ts"

const workerUrl = inject("workerUrl")

type Exported = { info: { id: string }; messages: { info: { id: string }; parts: { id: string; type: string }[] }[] }

async function snapshot(url: string): Promise<ShareSnapshot> {
  const id = url.split("/").at(-1) ?? ""
  const response = await fetch(`${workerUrl}/api/share/${id}`)
  expect(response.status).toBe(200)
  return (await response.json()) as ShareSnapshot
}

async function exported(home: OpencodeHome, sessionID: string): Promise<Exported> {
  const result = await runOpencode(home, ["export", sessionID])
  expect(result.status, result.stderr).toBe(0)
  return JSON.parse(result.stdout.slice(result.stdout.indexOf("{"))) as Exported
}

let llm: MockLlm
beforeAll(async () => {
  llm = await startMockLlm("The stand-in model answers.")
})
afterAll(async () => {
  await llm.close()
})

describe("the real OpenCode CLI (npm opencode-ai) against this server", () => {
  let printedUrl = ""
  let sessionID = ""
  // A slash at the end of the base URL: upstream joins `${url}/api/share`, so it asks for //api/share.
  const sharing = () =>
    opencodeHome(mockModelConfig(llm.baseURL, { share: "auto", enterprise: { url: `${workerUrl}/` } }))

  it("`opencode run` with share auto prints the share it syncs, holding the session", async () => {
    const home = sharing()
    const run = await runOpencode(home, ["run", "say something about shares"])
    expect(run.status, run.stderr).toBe(0)
    const printed = /https?:\/\/\S+\/share\/[A-Za-z0-9_-]+/.exec(run.stderr)
    expect(printed, run.stderr).not.toBeNull()
    printedUrl = printed?.[0] ?? ""
    expect(printedUrl.startsWith(`${workerUrl}/share/`)).toBe(true)

    const shared = await snapshot(printedUrl)
    sessionID = shared.metadata.sessionID
    const local = await exported(home, sessionID)
    expect(shared.session.id).toBe(local.info.id)
    // What OpenCode sent before it exited (its last 1 s window may not go out): the user's turn at least.
    expect(shared.messages.length).toBeGreaterThan(0)
    const localMessages = new Set(local.messages.map((message) => message.info.id))
    for (const message of shared.messages) expect(localMessages.has(message.id)).toBe(true)
    // Which parts made it depends on where the exit fell in upstream's 1 s window (a busy machine loses the prompt's
    // part too): every part that did is one of the session's own.
    const localParts = new Map(local.messages.flatMap((message) => message.parts.map((part) => [part.id, part.type])))
    for (const part of shared.parts) expect(localParts.get(part.id), part.id).toBe(part.type)
  }, 120_000)

  it("`opencode import <share URL>` reads /api/share/:id/data and imports the session", async () => {
    expect(printedUrl).not.toBe("")
    const fresh = opencodeHome(mockModelConfig(llm.baseURL))
    const imported = await runOpencode(fresh, ["import", printedUrl])
    expect(imported.stdout.trim()).toBe(`Imported session: ${sessionID}`)
    const shared = await snapshot(printedUrl)
    const local = await exported(fresh, sessionID)
    expect(local.messages.map((message) => message.info.id)).toEqual(shared.messages.map((message) => message.id))
    expect(local.messages.flatMap((message) => message.parts.map((part) => part.id)).sort()).toEqual(
      shared.parts.map((part) => part.id).sort(),
    )
  }, 120_000)
})
