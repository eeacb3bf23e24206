import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest"
import { uniqueSessionID } from "./helpers.ts"
import { batchRpc, createShareLine, openRpc, postBatch, rpcFailure, sharesOf } from "./rpc-helpers.ts"

/** Text only a malformed message carries: it must show up in no log line and no answer. */
const MARKER = "client-secret-marker-7f3a"

let logs: MockInstance[] = []
beforeEach(() => {
  logs = (["error", "warn", "log", "info"] as const).map((level) => vi.spyOn(console, level))
})
afterEach(() => vi.restoreAllMocks())

function loggedText(): string {
  return logs.flatMap((log) => log.mock.calls.flat()).join("\n")
}

describe("/rpc HTTP batch: a malformed body is the client's error", () => {
  it("runs a well-formed hand-written batch (the control for the cases below)", async () => {
    const sessionID = uniqueSessionID("batch_control")
    const response = await postBatch(`${createShareLine(sessionID)}\n["pull",1]`)
    expect(response.status, await response.clone().text()).toBe(200)
    expect(await sharesOf(sessionID)).toHaveLength(1)
  })

  const cases = [
    { name: "a line that is not JSON", bad: `{"not json ${MARKER}`, says: "malformed RPC message: not JSON" },
    {
      name: "a message of unknown type",
      bad: JSON.stringify(["bogus", MARKER]),
      says: "malformed RPC message: unknown message type",
    },
    { name: "an abort", bad: JSON.stringify(["abort", ["error", "Error", MARKER]]), says: "cannot carry an abort" },
  ]
  for (const malformed of cases) {
    it(`refuses a batch with ${malformed.name} after a createShare with 400, running neither`, async () => {
      const sessionID = uniqueSessionID("batch_malformed")
      const response = await postBatch(`${createShareLine(sessionID)}\n["pull",1]\n${malformed.bad}`)
      expect(response.status).toBe(400)
      expect(response.headers.get("Content-Type")).toMatch(/^application\/json/)
      const body = await response.text()
      expect(JSON.parse(body).error).toEqual({ code: "bad_request", message: expect.stringContaining(malformed.says) })
      expect(body).not.toContain(MARKER)
      expect(await sharesOf(sessionID)).toEqual([])
      expect(loggedText()).not.toContain(MARKER)
    })
  }

  it("refuses a known message type with the wrong shape (capnweb's `bad RPC message`) with 400", async () => {
    const response = await postBatch(JSON.stringify(["pull", MARKER]))
    expect(response.status).toBe(400)
    const body = await response.text()
    expect(JSON.parse(body).error).toEqual({ code: "bad_request", message: "malformed RPC message" })
    expect(body).not.toContain(MARKER)
    expect(loggedText()).not.toContain(MARKER)
  })
})

describe("/rpc WebSocket: a malformed message ends the session cleanly", () => {
  const cases = [
    { name: "a frame that is not JSON", frame: `{"not json ${MARKER}`, reason: "malformed RPC message: not JSON" },
    {
      name: "a message of unknown type",
      frame: JSON.stringify(["bogus", MARKER]),
      reason: "malformed RPC message: unknown message type",
    },
    {
      name: "a known type with the wrong shape",
      frame: JSON.stringify(["pull", MARKER]),
      reason: "malformed RPC message",
    },
  ]
  for (const malformed of cases) {
    it(`fails pending calls and closes with 1002 on ${malformed.name}`, async () => {
      const { rpc, socket, closed } = await openRpc()
      // A call that stays pending until the session ends: the server calls back, and the callback never answers.
      let calledBack: () => void = () => {}
      const reached = new Promise<void>((resolve) => {
        calledBack = resolve
      })
      const pending = rpcFailure(
        rpc.probeCallback(() => {
          calledBack()
          return new Promise<string>(() => {})
        }),
      )
      await reached
      socket.send(malformed.frame)
      const failure = await pending
      expect(failure.code, failure.message).toBe("bad_request")
      expect(failure.message).toContain(malformed.reason)
      expect(await closed).toEqual({ code: 1002, reason: malformed.reason })
      expect(loggedText()).not.toContain(MARKER)

      // The server is fine: the next connection works.
      const next = await openRpc()
      expect(await next.rpc.probeCallback(() => "still serving")).toBe("still serving")
      next.end()
    })
  }
})

describe("/rpc: a method the server does not have is the caller's error", () => {
  type Unknown = { [MARKER]: () => Promise<unknown> }

  it("over WebSocket: bad_request naming the method, nothing logged, the session goes on", async () => {
    const { rpc, end } = await openRpc()
    const failure = await rpcFailure((rpc as unknown as Unknown)[MARKER]())
    expect(failure).toEqual({ code: "bad_request", message: `[bad_request] '${MARKER}' is not a function.` })
    expect(loggedText()).not.toContain(MARKER)
    expect(await rpc.probeCallback(() => "still here")).toBe("still here")
    end()
  })

  it("over HTTP batch: bad_request in a 200 batch answer, nothing logged", async () => {
    const batch = batchRpc()
    try {
      const failure = await rpcFailure((batch.rpc as unknown as Unknown)[MARKER]())
      expect(failure.code).toBe("bad_request")
      expect(batch.responses.map((response) => response.status)).toEqual([200])
      expect(loggedText()).not.toContain(MARKER)
    } finally {
      batch.restore()
    }
  })
})
