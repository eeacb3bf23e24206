import { afterEach, describe, expect, it } from "vitest"
import { type Bridge, startBridge } from "../src/bridge.ts"

let bridge: Bridge | undefined
afterEach(async () => {
  await bridge?.close()
  bridge = undefined
})

function recordingBridge() {
  const calls: string[] = []
  return {
    calls,
    start: async () => {
      bridge = await startBridge({
        create: async (sessionID) => {
          calls.push(`create ${sessionID}`)
          if (sessionID === "ses_fail") throw new Error("cloudsession: refused")
          return { id: "shr", url: "https://share.example/share/shr", secret: "s3cret" }
        },
        remove: async (shareID) => {
          calls.push(`remove ${shareID}`)
          return "deleted"
        },
      })
      return bridge
    },
  }
}

const post = (url: string, body: unknown, method = "POST") =>
  fetch(url, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) })

describe("the bridge OpenCode's share client talks to", () => {
  it("creates and removes shares through the handler, as OpenCode's client calls them", async () => {
    const recording = recordingBridge()
    const { url } = await recording.start()
    expect(new URL(url).hostname).toBe("127.0.0.1")
    const created = await post(`${url}/api/share`, { sessionID: "ses_1" })
    expect(created.status).toBe(200)
    expect(await created.json()).toEqual({ id: "shr", url: "https://share.example/share/shr", secret: "s3cret" })
    expect((await post(`${url}/api/share/shr`, { secret: "s3cret" }, "DELETE")).status).toBe(200)
    expect(recording.calls).toEqual(["create ses_1", "remove shr"])
  })

  it("answers OpenCode's once-a-second syncs without acting on them (the plugin sends changes itself)", async () => {
    const recording = recordingBridge()
    const { url } = await recording.start()
    const sync = await post(`${url}/api/share/shr/sync`, { secret: "s3cret", data: [{ type: "session", data: {} }] })
    expect(sync.status).toBe(200)
    expect(recording.calls).toEqual([])
  })

  it("refuses requests without the capability, malformed creates, and reports a failed create as an error", async () => {
    const recording = recordingBridge()
    const { url } = await recording.start()
    const origin = new URL(url).origin
    expect((await post(`${origin}/api/share`, { sessionID: "ses_1" })).status).toBe(404)
    expect((await post(`${origin}/wrong-capability/api/share`, { sessionID: "ses_1" })).status).toBe(404)
    expect((await post(`${url}/api/share`, { session: "ses_1" })).status).toBe(400)
    expect((await fetch(`${url}/api/share`, { method: "POST", body: "{" })).status).toBe(400)
    expect((await post(`${url}/api/share`, { sessionID: "x".repeat(100_000) })).status).toBe(400)
    const failed = await post(`${url}/api/share`, { sessionID: "ses_fail" })
    expect(failed.status).toBe(502)
    expect(await failed.json()).toEqual({ error: { code: "unavailable", message: "cloudsession: refused" } })
    expect(recording.calls).toEqual(["create ses_fail"])
  })
})
