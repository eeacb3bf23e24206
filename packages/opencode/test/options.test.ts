import { describe, expect, it } from "vitest"
import { opencodeDatabasePath } from "../src/database-path.ts"
import { OptionsError, resolveOptions } from "../src/options.ts"

describe("plugin options", () => {
  it("take the plugin's options before the environment", () => {
    const env = { CLOUDSESSION_URL: "http://env.example", CLOUDSESSION_TOKEN: "env-token", CLOUDSESSION_SHARE: "auto" }
    expect(resolveOptions({ url: "https://share.example", token: "option-token", mode: "manual" }, env)).toMatchObject({
      url: "https://share.example",
      token: "option-token",
      mode: "manual",
    })
    expect(resolveOptions(undefined, env)).toMatchObject({
      url: "http://env.example",
      token: "env-token",
      mode: "auto",
    })
  })

  it("refuse clear text to another machine unless allowCleartext says the network is yours", () => {
    expect(resolveOptions({}, {}).allowCleartext).toBe(false)
    expect(resolveOptions({ allowCleartext: true }, {}).allowCleartext).toBe(true)
    expect(() => resolveOptions({ allowCleartext: "yes" }, {})).toThrow(/allowCleartext/)
  })

  it("leave the mode to OpenCode's own share setting when neither says", () => {
    expect(resolveOptions({}, {}).mode).toBeUndefined()
  })

  it.each([
    [{ url: "not a url" }, /url/],
    [{ token: "" }, /token/],
    [{ mode: "always" }, /mode/],
    [{ debounceMs: -1 }, /debounceMs/],
    [{ tokn: "typo" }, /tokn|unrecognized/i],
  ])("refuse %j with one line naming the problem", (input, pattern) => {
    const attempt = () => resolveOptions(input, {})
    expect(attempt).toThrow(OptionsError)
    expect(attempt).toThrow(pattern)
    try {
      attempt()
    } catch (error) {
      expect(String(error instanceof Error ? error.message : error)).not.toContain("\n")
    }
  })

  it("take a share's life from the option, else CLOUDSESSION_EXPIRE, and refuse one the server would", () => {
    expect(resolveOptions({ expire: "7d" }, { CLOUDSESSION_EXPIRE: "1h" }).expire).toBe("7d")
    expect(resolveOptions({}, { CLOUDSESSION_EXPIRE: "12h" }).expire).toBe("12h")
    expect(resolveOptions({}, {}).expire).toBeUndefined()
    for (const expire of ["forever", "10s", "999w", "7 days"]) {
      expect(() => resolveOptions({ expire }, {}), expire).toThrow(/expire must be a duration/)
    }
    expect(() => resolveOptions({}, { CLOUDSESSION_EXPIRE: "soon" })).toThrow(/CLOUDSESSION_EXPIRE/)
  })

  it("refuse a CLOUDSESSION_SHARE that is neither auto nor manual", () => {
    expect(() => resolveOptions({}, { CLOUDSESSION_SHARE: "sometimes" })).toThrow(/CLOUDSESSION_SHARE/)
  })
})

describe("OpenCode's database path", () => {
  it("follows OPENCODE_DB, else XDG_DATA_HOME", () => {
    expect(opencodeDatabasePath({ XDG_DATA_HOME: "/data" })).toBe("/data/opencode/opencode.db")
    expect(opencodeDatabasePath({ XDG_DATA_HOME: "/data", OPENCODE_DB: "other.db" })).toBe("/data/opencode/other.db")
    expect(opencodeDatabasePath({ OPENCODE_DB: "/abs/x.db" })).toBe("/abs/x.db")
  })
})
