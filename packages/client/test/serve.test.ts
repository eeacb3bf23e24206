import { spawn } from "node:child_process"
import { once } from "node:events"
import { afterAll, describe, expect, it } from "vitest"
import { freePort } from "../../server/scripts/local-worker.mjs"
import { cliPath, removeTempDirs, runCli, tempDir } from "./helpers.ts"

afterAll(() => removeTempDirs())

async function answers(url: string): Promise<boolean> {
  try {
    // The listing is the owner's: a stranger's 401 is the server answering.
    return (await fetch(url)).status === 401
  } catch {
    return false
  }
}

describe("cloudsession serve", () => {
  // Under Bun the CLI runs on Bun and starts the launcher with Node (wrangler refuses Bun).
  it("runs the local server until interrupted", async () => {
    const port = await freePort()
    const server = spawn(process.execPath, [cliPath, "serve", "--port", String(port)], {
      env: { ...process.env, CLOUDSESSION_STATE_DIR: tempDir("cloudsession-serve-") },
      stdio: ["ignore", "pipe", "pipe"],
    })
    let output = ""
    server.stdout.on("data", (chunk) => {
      output += chunk
    })
    const url = `http://127.0.0.1:${port}/api/sessions`
    const deadline = Date.now() + 60_000
    while (!(await answers(url)) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 250))
    expect(await answers(url)).toBe(true)
    await new Promise((done) => setTimeout(done, 500))
    expect(output).toContain(`http://127.0.0.1:${port}`)
    expect(output).toMatch(/token: +\S{20,}/)
    server.kill("SIGINT")
    const [code] = await once(server, "exit")
    expect(code).toBe(0)
    expect(await answers(url)).toBe(false)
  })

  it("refuses a bad port with a usage error", () => {
    const result = runCli(["serve", "--port", "99999"])
    expect(result.status).toBe(2)
    expect(result.stderr.trim().split("\n")).toHaveLength(1)
    expect(result.stderr).toContain("not a port")
  })
})
