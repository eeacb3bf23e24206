import { expect } from "vitest"
import { poll, type Served } from "./opencode.ts"
import { type Exported, expectShareEqualsSession, readShare, shareEquals } from "./share.ts"

export type SessionInfo = { id: string; share?: { url: string } }

export const MODEL = { providerID: "mock", modelID: "mock-model" }

export async function newSession(served: Served): Promise<SessionInfo> {
  return served.api<SessionInfo>("POST", "/session", {})
}

/** One user turn through OpenCode's HTTP API; resolves once the answer is complete. */
export async function prompt(served: Served, sessionID: string, text: string): Promise<void> {
  await served.api("POST", `/session/${sessionID}/message`, { parts: [{ type: "text", text }], model: MODEL })
}

export function messagesOf(served: Served, sessionID: string): Promise<Exported> {
  return served.api<Exported>("GET", `/session/${sessionID}/message`)
}

/** Wait (bounded) until the share holds exactly what OpenCode holds for the session, then assert it field by field. */
export async function expectShareToCatchUp(served: Served, workerUrl: string, shareID: string, sessionID: string) {
  let last: Exported = []
  await poll(
    "the share to equal the session",
    async () => {
      last = await messagesOf(served, sessionID)
      return shareEquals(await readShare(workerUrl, shareID), last)
    },
    30_000,
    200,
  ).catch(() => undefined)
  const share = await readShare(workerUrl, shareID)
  expect(share, "the share exists").toBeDefined()
  if (share !== undefined) expectShareEqualsSession(share, { info: { id: sessionID }, messages: last })
}
