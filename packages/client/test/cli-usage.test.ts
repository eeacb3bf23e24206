import { spawnSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { makeSessionItems } from "@cloudsession/protocol/fixtures"
import { afterAll, describe, expect, it } from "vitest"
import { onBun, packageDir, removeTempDirs, runCli, stderrLines, tempDir, writeSessionFile } from "./helpers.ts"

afterAll(removeTempDirs)

/** Every command, and what its help must mention (its arguments and its own options). */
const COMMANDS: [string, string[]][] = [
  ["share", ["<session>", "--url", "--token", "--db", "--progress"]],
  ["sync", ["<session>", "--url", "--token", "--db"]],
  ["unshare", ["<sessionID>", "--url", "--token", "--db"]],
  ["list", ["--json", "--db"]],
  ["url", ["<sessionID>", "--db"]],
  ["export", ["<share>", "--format", "--url"]],
  ["import-legacy", ["[dir]", "--db"]],
  ["serve", ["--port"]],
]

describe("cloudsession --help", () => {
  it("lists every command", () => {
    const result = runCli(["--help"])
    expect(result).toMatchObject({ status: 0, stderr: "" })
    for (const [command] of COMMANDS) expect(result.stdout).toContain(command)
  })

  it.each(COMMANDS)("%s --help: exit 0, its arguments and options", (command, mentions) => {
    const result = runCli([command, "--help"])
    expect(result).toMatchObject({ status: 0, stderr: "" })
    expect(result.stdout).toContain(`Usage: cloudsession ${command}`)
    for (const mention of mentions) expect(result.stdout).toContain(mention)
  })
})

describe("usage errors", () => {
  it.each([
    [[], "no command given"],
    [["--nope"], "unknown option '--nope'"],
    [["bogus"], "unknown command 'bogus'"],
    [["sharee"], "unknown command 'sharee'"],
    [["share"], "missing required argument 'session'"],
    [["share", "a.json", "b.json"], "too many arguments"],
    [["share", "--nope", "a.json"], "unknown option '--nope'"],
    [["export", "abc", "--format", "pdf"], "argument 'pdf' is invalid"],
  ])("%j: exactly one line on stderr, exit 2", (args, message) => {
    const result = runCli(args)
    expect(result.status).toBe(2)
    expect(result.stdout).toBe("")
    expect(stderrLines(result)).toHaveLength(1)
    expect(result.stderr).toMatch(/^cloudsession: /)
    expect(result.stderr).toContain(message)
    expect(result.stderr).toContain("--help")
  })

  it("export of a malformed share id is a usage error, asked of no server", () => {
    for (const share of ["not a share id!", "http://127.0.0.1:9/share/"]) {
      const result = runCli(["export", share, "--url", "http://127.0.0.1:9"])
      expect(result.status, share).toBe(2)
      expect(stderrLines(result), share).toHaveLength(1)
      expect(result.stderr, share).toContain("not a share id")
    }
  })
})

describe("commands that only look at the store", () => {
  it("do not create it: list is empty, url/sync/unshare say the session is not shared (one line, exit 4)", () => {
    const dir = join(tempDir(), "nothing-here")
    const db = join(dir, "shares.db")
    const env = { CLOUDSESSION_DB: db, CLOUDSESSION_URL: "http://127.0.0.1:9", CLOUDSESSION_TOKEN: "unused" }
    expect(runCli(["list"], env)).toMatchObject({ status: 0, stdout: "", stderr: "" })
    expect(runCli(["list", "--json"], env)).toMatchObject({ status: 0, stdout: "[]\n" })
    const file = writeSessionFile(makeSessionItems("ses_unknown", 2))
    for (const args of [
      ["url", "ses_unknown"],
      ["unshare", "ses_unknown"],
      ["sync", file],
    ]) {
      const result = runCli(args, env)
      expect(result.status, args[0]).toBe(4)
      expect(stderrLines(result), args[0]).toHaveLength(1)
      expect(result.stderr, args[0]).toContain("ses_unknown is not shared")
    }
    expect(existsSync(db)).toBe(false)
    expect(existsSync(dir)).toBe(false)
  })
})

describe("the package", () => {
  // In the runtime running the tests: plain Node 20 under vitest, Bun under `bun test`.
  it("imports in plain Node 20 and in Bun through its exports (the built library, not TypeScript sources)", () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"))
    expect(manifest.exports["."]).toMatchObject({ import: "./dist/index.js", default: "./dist/index.js" })
    const script = "const m = await import('@cloudsession/client'); console.log(typeof m.ShareClient, typeof m.connect)"
    const evaluate = onBun ? ["-e", script] : ["--input-type=module", "-e", script]
    const result = spawnSync(process.execPath, evaluate, {
      cwd: packageDir,
      encoding: "utf8",
    })
    expect(result.stderr).toBe("")
    expect(result.stdout).toBe("function function\n")
  })
})
