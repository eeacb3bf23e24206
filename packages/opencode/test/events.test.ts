import { describe, expect, it } from "vitest"
import { changeOf } from "../src/events.ts"
import { LiveParts } from "../src/live-parts.ts"

const part = { id: "prt_1", sessionID: "ses_1", messageID: "msg_1", type: "text", text: "" }

describe("OpenCode events", () => {
  it("apply streaming deltas to the part they extend, each as a new object", () => {
    const parts = new LiveParts()
    changeOf({ type: "message.part.updated", properties: { part } }, parts)
    const delta = (text: string) =>
      changeOf(
        {
          type: "message.part.delta",
          properties: { sessionID: "ses_1", messageID: "msg_1", partID: "prt_1", field: "text", delta: text },
        },
        parts,
      )
    const first = delta("Hel")
    const second = delta("lo")
    expect(first).toEqual([
      { sessionID: "ses_1", kind: "items", items: [{ type: "part", data: { ...part, text: "Hel" } }] },
    ])
    expect(second).toEqual([
      { sessionID: "ses_1", kind: "items", items: [{ type: "part", data: { ...part, text: "Hello" } }] },
    ])
  })

  it("ignore a delta for a part never announced (its final update carries the whole text)", () => {
    const changes = changeOf(
      {
        type: "message.part.delta",
        properties: { sessionID: "ses_1", messageID: "msg_1", partID: "prt_x", field: "text", delta: "x" },
      },
      new LiveParts(),
    )
    expect(changes).toEqual([])
  })

  it("ask for the model a user message names", () => {
    const info = { id: "msg_1", sessionID: "ses_1", role: "user", model: { providerID: "p", modelID: "m" } }
    expect(changeOf({ type: "message.updated", properties: { info } }, new LiveParts())).toEqual([
      { sessionID: "ses_1", kind: "items", items: [{ type: "message", data: info }] },
      { sessionID: "ses_1", kind: "model", providerID: "p", modelID: "m" },
    ])
  })

  it("translate sessions and diffs, and ignore what a share does not show or cannot parse", () => {
    const parts = new LiveParts()
    const session = { id: "ses_1", title: "t" }
    expect(changeOf({ type: "session.updated", properties: { info: session } }, parts)).toEqual([
      { sessionID: "ses_1", kind: "items", items: [{ type: "session", data: session }] },
    ])
    const diff = [{ file: "a.ts", additions: 1, deletions: 0 }]
    expect(changeOf({ type: "session.diff", properties: { sessionID: "ses_1", diff } }, parts)).toEqual([
      { sessionID: "ses_1", kind: "items", items: [{ type: "session_diff", data: diff }] },
    ])
    expect(changeOf({ type: "plugin.added", properties: { id: "x" } }, parts)).toEqual([])
    expect(changeOf({ type: "message.part.updated", properties: { part: { id: 1 } } }, parts)).toEqual([])
  })

  it("keep a bounded number of streaming parts", () => {
    const parts = new LiveParts(2)
    for (const id of ["a", "b", "c"]) parts.set({ ...part, id })
    expect(parts.size).toBe(2)
    expect(parts.apply("a", "text", "x")).toBeUndefined()
    expect(parts.apply("c", "text", "x")?.text).toBe("x")
  })
})
