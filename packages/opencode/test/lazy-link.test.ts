import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { CleartextRefusedError } from "@cloudsession/client"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { LazyLink } from "../src/lazy-link.ts"
import type { Level } from "../src/log.ts"

// A listener on this machine that counts what reaches it. 0.0.0.0 reaches it on Linux but is no loopback name,
// so a missing guard would show as a request here, and nothing leaves the machine either way.
let requests = 0
const server = createServer((request, response) => {
  requests++
  request.resume()
  response.writeHead(401).end()
})
let port = 0

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve))
  port = (server.address() as AddressInfo).port
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

function link(url: string, allowCleartext?: boolean) {
  const lines: { level: Level; message: string }[] = []
  const log = (level: Level, message: string) => lines.push({ level, message })
  return { lines, link: new LazyLink({ url, token: "a-token", log, allowCleartext }) }
}

describe("the plugin's link to the server", () => {
  it("refuses clear text to another machine with one line, for good, sending nothing", async () => {
    const { link: refusing, lines } = link(`http://0.0.0.0:${port}`)
    await expect(refusing.stub()).rejects.toBeInstanceOf(CleartextRefusedError)
    await expect(refusing.stub()).rejects.toBeInstanceOf(CleartextRefusedError)
    expect(refusing.refused).toBe(true)
    expect(lines).toHaveLength(1)
    expect(lines[0]?.level).toBe("error")
    expect(lines[0]?.message).toMatch(/^refusing to send the token in clear text to http:\/\/0\.0\.0\.0:\d+ /)
    expect(lines[0]?.message).toContain("allowCleartext")
    expect(lines[0]?.message).not.toContain("a-token")
    expect(requests).toBe(0)
  })

  it("goes ahead on loopback (here: a refused token, also one line)", async () => {
    const { link: local, lines } = link(`http://127.0.0.1:${port}`)
    await expect(local.stub()).rejects.toThrow(/refused the token/)
    expect(requests).toBeGreaterThan(0)
    expect(lines.map((line) => line.message)).toEqual([
      `http://127.0.0.1:${port} refused the token (401 unauthorized): nothing is shared until OpenCode restarts with a valid token`,
    ])
  })

  it("sends over clear text to another machine when allowCleartext says the network is yours", async () => {
    const before = requests
    const { link: allowed } = link(`http://0.0.0.0:${port}`, true)
    await expect(allowed.stub()).rejects.toThrow(/refused the token/)
    expect(requests).toBeGreaterThan(before)
  })
})
