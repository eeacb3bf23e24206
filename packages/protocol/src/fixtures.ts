import type { FileDiff, Message, Model, Part, Session } from "./opencode.ts"
import type { SyncData } from "./sync.ts"

/**
 * Builders of realistic OpenCode objects for tests and benchmarks on both sides. Ids follow OpenCode's shape
 * (prefix + sortable counter) so ordering by id matches creation order, as it does in the agent.
 */
const pad = (n: number) => n.toString().padStart(8, "0")

export function makeSession(id: string, overrides: Partial<Session> = {}): Session {
  return {
    id,
    slug: id,
    projectID: "proj_fixture",
    directory: "/home/dev/project",
    title: `Session ${id}`,
    version: "1.0.0",
    time: { created: 1_700_000_000_000, updated: 1_700_000_000_000 },
    ...overrides,
  }
}

export function makeMessage(sessionID: string, index: number, role: "user" | "assistant" = "assistant"): Message {
  return {
    id: `msg_${pad(index)}`,
    sessionID,
    role,
    time: { created: 1_700_000_000_000 + index * 1000 },
    ...(role === "assistant" ? { modelID: "claude-sonnet", providerID: "anthropic", mode: "build" } : {}),
  }
}

export function makeTextPart(sessionID: string, messageID: string, index: number, text = `Part ${index}`): Part {
  return { id: `prt_${pad(index)}`, sessionID, messageID, type: "text", text }
}

export function makeToolPart(sessionID: string, messageID: string, index: number): Part {
  return {
    id: `prt_${pad(index)}`,
    sessionID,
    messageID,
    type: "tool",
    callID: `call_${index}`,
    tool: "bash",
    state: {
      status: "completed",
      input: { command: `ls -la src/${index}` },
      output: `total ${index}\n-rw-r--r-- 1 dev dev 120 index.ts`,
      title: `ls src/${index}`,
      metadata: {},
      time: { start: 1_700_000_000_000, end: 1_700_000_000_500 },
    },
  }
}

export function makeDiff(file: string, additions = 3, deletions = 1): FileDiff {
  return { file, before: "old line\n", after: "new line\n", additions, deletions }
}

export function makeModel(id = "claude-sonnet", providerID = "anthropic"): Model {
  return { id, providerID, name: id }
}

/**
 * A session of `partCount` parts spread over messages of `partsPerMessage` parts each, as sync items: the session
 * first, then each message followed by its parts.
 */
export function makeSessionItems(sessionID: string, partCount: number, partsPerMessage = 10): SyncData[] {
  const items: SyncData[] = [{ type: "session", data: makeSession(sessionID) }]
  for (let index = 0; index < partCount; index++) {
    const messageIndex = Math.floor(index / partsPerMessage)
    const messageID = `msg_${pad(messageIndex)}`
    if (index % partsPerMessage === 0) {
      items.push({
        type: "message",
        data: makeMessage(sessionID, messageIndex, messageIndex % 2 ? "assistant" : "user"),
      })
    }
    const part = index % 3 === 2 ? makeToolPart(sessionID, messageID, index) : makeTextPart(sessionID, messageID, index)
    items.push({ type: "part", data: part })
  }
  return items
}

/** Split items into batches of at most `size`. */
export function chunk<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, index) =>
    items.slice(index * size, (index + 1) * size),
  )
}
export { RICH_DIFFS, type RichSessionOptions, richSessionItems } from "./rich-fixture.ts"
