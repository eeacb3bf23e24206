/**
 * A fork's `share-next.ts`, reduced to what the fork supplies: its event bus, its database path and its reader of
 * whole sessions, handed to `@cloudsession/opencode/share-next` exactly as docs/opencode.md shows. Run by Bun (as
 * a fork's OpenCode is), one process per "OpenCode start", by `share-next.test.ts`:
 *
 *     bun test/support/fork-share-next.ts <scenario.json>
 *
 * The scenario names the server, token, database, the sessions the fork holds (what `snapshot` returns), the
 * models it knows, and steps to take in order; each step's result is printed as one JSON line.
 */
import { readFileSync } from "node:fs"
import { createShareNext, type OpencodeEvent } from "@cloudsession/opencode/share-next"
import type { Model, SyncData } from "@cloudsession/protocol"

export type ForkStep =
  | { op: "init" | "dispose" | "url" }
  | { op: "create"; sessionID: string; duringSnapshot?: OpencodeEvent[] }
  | { op: "remove"; sessionID: string }
  | { op: "publish"; events: OpencodeEvent[] }

export type ForkScenario = {
  url: string
  token: string
  database: string
  sessions: Record<string, SyncData[]>
  models: Model[]
  /** How long live changes gather before they are sent (the library's default when absent). */
  debounceMs?: number
  steps: ForkStep[]
}

export type ForkResult = { op: string; value?: unknown; error?: string }

const scenario = JSON.parse(readFileSync(process.argv[2] ?? "", "utf8")) as ForkScenario

// The fork's bus: `Bus.subscribeAll` hands every event to every subscriber.
const subscribers = new Set<(event: OpencodeEvent) => void>()
const publish = (events: OpencodeEvent[]) => {
  for (const event of events) for (const subscriber of subscribers) subscriber(event)
}
// Changes the fork makes while a session is being read for its share (the user keeps typing meanwhile).
const concurrent = new Map<string, OpencodeEvent[]>()

const share = createShareNext({
  url: scenario.url,
  token: scenario.token,
  database: scenario.database,
  ...(scenario.debounceMs === undefined ? {} : { debounceMs: scenario.debounceMs }),
  subscribe: (listener) => {
    subscribers.add(listener)
    return () => subscribers.delete(listener)
  },
  source: {
    snapshot: async (sessionID) => {
      const items = scenario.sessions[sessionID]
      if (items === undefined) throw new Error(`no session ${sessionID}`)
      publish(concurrent.get(sessionID) ?? [])
      return items
    },
    model: async (providerID, modelID) =>
      scenario.models.find((model) => model.providerID === providerID && model.id === modelID),
  },
  log: (level, message) => process.stderr.write(`${level} ${message}\n`),
})

async function run(step: ForkStep): Promise<unknown> {
  switch (step.op) {
    case "init":
      return share.init()
    case "dispose":
      return share.dispose()
    case "url":
      return share.url()
    case "create":
      concurrent.set(step.sessionID, step.duringSnapshot ?? [])
      return share.create(step.sessionID)
    case "remove":
      return share.remove(step.sessionID)
    case "publish":
      return publish(step.events)
  }
}

for (const step of scenario.steps) {
  const result: ForkResult = await run(step).then(
    (value) => ({ op: step.op, value }),
    (error: unknown) => ({ op: step.op, error: error instanceof Error ? error.message : String(error) }),
  )
  process.stdout.write(`${JSON.stringify(result)}\n`)
}
