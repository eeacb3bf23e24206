import { createExecutionContext, env } from "cloudflare:test"
import { afterEach, describe, expect, it, vi } from "vitest"
import { app } from "../src/app.ts"
import { MAX_TOKEN_LENGTH, MIN_TOKEN_LENGTH, usableTokens } from "../src/auth/tokens.ts"
import { BASE } from "./helpers.ts"
import { bearer } from "./rpc-helpers.ts"

afterEach(() => vi.restoreAllMocks())

const GOOD = "a-good-token-of-enough-length"
const SHORT = "short-token"
const LONG = `${"L".repeat(MAX_TOKEN_LENGTH)}-too-long`

function upgrade(tokens: string, token: string): Promise<Response> {
  return Promise.resolve(
    app.fetch(
      new Request(`${BASE}/rpc`, { headers: { Upgrade: "websocket", ...bearer(token) } }),
      { ...env, RPC_TOKENS: tokens },
      createExecutionContext(),
    ),
  )
}

describe("configured tokens", () => {
  it("drops a token too long to match and warns about a short one, by position and never with the value", () => {
    const warned = vi.spyOn(console, "warn").mockImplementation(() => {})
    expect(SHORT.length).toBeLessThan(MIN_TOKEN_LENGTH)
    expect(usableTokens([SHORT, GOOD, LONG])).toEqual([SHORT, GOOD])
    const lines = warned.mock.calls.map((call) => call.join(" "))
    expect(lines).toEqual([
      expect.stringMatching(/entry 1 of 3 is weak: shorter than 16 characters/),
      expect.stringMatching(/entry 3 of 3 is ignored: longer than 512 characters/),
    ])
    for (const line of lines) {
      expect(line).not.toContain(SHORT)
      expect(line).not.toContain("LLLLLLLL")
    }
  })

  it("warns once per configuration, not on every request", () => {
    const warned = vi.spyOn(console, "warn").mockImplementation(() => {})
    for (let request = 0; request < 3; request++) expect(usableTokens([GOOD, "tiny"])).toEqual([GOOD, "tiny"])
    expect(warned).toHaveBeenCalledTimes(1)
  })

  it("serves with the usable tokens when one is too long", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {})
    const response = await upgrade(`${LONG},${GOOD}`, GOOD)
    response.webSocket?.accept()
    response.webSocket?.close(1000, "done")
    expect(response.status).toBe(101)
  })

  it("fails closed (503), saying why, when the only token is too long to match", async () => {
    const warned = vi.spyOn(console, "warn").mockImplementation(() => {})
    vi.spyOn(console, "error").mockImplementation(() => {})
    const response = await upgrade(LONG, LONG)
    expect(response.status).toBe(503)
    expect(warned).toHaveBeenCalledWith(expect.stringContaining("entry 1 of 1 is ignored"))
  })
})
