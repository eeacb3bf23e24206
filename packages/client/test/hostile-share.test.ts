import { chmodSync, lstatSync, mkdirSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { ShareSnapshot, SyncData } from "@cloudsession/protocol"
import { makeMessage, makeSession, makeTextPart } from "@cloudsession/protocol/fixtures"
import { afterAll, describe, expect, it } from "vitest"
import { CleartextRefusedError } from "../src/connection/errors.ts"
import { connect } from "../src/index.ts"
import { StorePathError } from "../src/store/database.ts"
import { openStore } from "../src/store/store.ts"
import { getSnapshot, removeTempDirs, runCli, stderrLines, tempDir, testServer, writeSessionFile } from "./helpers.ts"

const { url: workerUrl, token } = testServer()

afterAll(removeTempDirs)

/**
 * What a terminal acts on or hides: ESC (OSC 52 clipboard write, OSC 8 link, CSI screen clear), BEL, a C1 CSI, a
 * lone carriage return that overwrites the line, a bidi override and an isolate, and an invisible tag character.
 */
const HOSTILE =
  "\u001b]52;c;aGVsbG8=\u0007 \u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\ \u001b[2J\u009b31m" +
  "done\rOVERWRITTEN \u202eevil\u202c \u2066iso\u2069 \u{e0041}"

/** Anything that would reach the terminal raw: C0 controls other than tab and newline, DEL, C1, bidi, tags. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this test is for
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u{e0000}-\u{e007f}]/u

function hostileSession(sessionID: string): SyncData[] {
  const message = makeMessage(sessionID, 0)
  return [
    { type: "session", data: makeSession(sessionID, { title: `title ${HOSTILE}` }) },
    { type: "message", data: message },
    { type: "part", data: makeTextPart(sessionID, message.id, 0, `text ${HOSTILE}`) },
    { type: "session_diff", data: [{ file: `src/${HOSTILE}.ts`, additions: 1, deletions: 0 }] },
  ]
}

describe("a hostile share cannot act on its owner's terminal", () => {
  const db = join(tempDir(), "shares.db")
  const env = { CLOUDSESSION_URL: workerUrl, CLOUDSESSION_TOKEN: token, CLOUDSESSION_DB: db }
  const sessionID = "ses_hostile_terminal"
  let shareUrl = ""

  it("shares a session full of escape sequences (the server stores them as they are)", async () => {
    const shared = runCli(["share", writeSessionFile(hostileSession(sessionID))], env)
    expect(shared.stderr).toBe("")
    expect(shared.status).toBe(0)
    shareUrl = shared.stdout.trim()
    const stored = await getSnapshot(workerUrl, shareUrl.split("/").at(-1) ?? "")
    expect((stored.body as ShareSnapshot).session.title).toBe(`title ${HOSTILE}`)
  })

  it("export --format md prints every control, bidi and tag character by name, never raw", () => {
    const exported = runCli(["export", shareUrl, "--format", "md"])
    expect(exported.status).toBe(0)
    expect(exported.stdout).not.toMatch(RAW)
    expect(exported.stdout).toContain("title <U+001B>]52;c;aGVsbG8=<U+0007>")
    expect(exported.stdout).toContain("<U+009B>31mdone<U+000D>OVERWRITTEN <U+202E>evil<U+202C> <U+2066>iso<U+2069>")
    expect(exported.stdout).toContain("<U+E0041>")
  })

  it("export --format json escapes them as JSON, so the data reads back exactly", () => {
    const exported = runCli(["export", shareUrl, "--format", "json"])
    expect(exported.status).toBe(0)
    expect(exported.stdout).not.toMatch(RAW)
    const snapshot = JSON.parse(exported.stdout) as ShareSnapshot
    expect(snapshot.session.title).toBe(`title ${HOSTILE}`)
    expect(snapshot.parts[0]?.text).toBe(`text ${HOSTILE}`)
  })

  it("error lines name the characters too (a session id from the command line, echoed back)", () => {
    const result = runCli(["url", `ses_\u001b]52;c;eA==\u0007`], env)
    expect(result.status).toBe(4)
    expect(result.stderr).not.toMatch(RAW)
    expect(stderrLines(result)).toEqual([
      "cloudsession: session ses_<U+001B>]52;c;eA==<U+0007> is not shared (no record in the local store)",
    ])
  })
})

describe("the token never crosses the network in clear text unless allowed", () => {
  // 0.0.0.0 reaches this machine's own listeners on Linux, but it is no loopback name: a test that would send
  // traffic if the guard were missing, without any of it leaving the machine.
  const unspecified = workerUrl.replace("127.0.0.1", "0.0.0.0")

  it("connect refuses ws:// to a host that is not loopback", async () => {
    expect(unspecified).not.toBe(workerUrl)
    const error = await connect({ url: unspecified, token }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(CleartextRefusedError)
  })

  it("the CLI refuses with one line and exit 2, and goes ahead with --allow-cleartext", () => {
    const db = join(tempDir(), "shares.db")
    const file = writeSessionFile(hostileSession("ses_cleartext"))
    const env = { CLOUDSESSION_URL: unspecified, CLOUDSESSION_TOKEN: token, CLOUDSESSION_DB: db }
    const refused = runCli(["share", file], env)
    expect(refused.status).toBe(2)
    expect(stderrLines(refused)).toHaveLength(1)
    expect(refused.stderr).toContain("refusing to send the token in clear text")
    expect(refused.stderr).not.toContain(token)
    const allowed = runCli(["share", file, "--allow-cleartext"], env)
    expect(allowed.stderr).toBe("")
    expect(allowed.status).toBe(0)
  })
})

describe("the store never follows a link and never stays in an open directory", () => {
  it("refuses a store path that is a symbolic link, leaving its target untouched", async () => {
    const dir = tempDir()
    const target = join(dir, "elsewhere")
    writeFileSync(target, "not a database")
    chmodSync(target, 0o644)
    const link = join(dir, "shares.db")
    symlinkSync(target, link)
    await expect(openStore(link)).rejects.toBeInstanceOf(StorePathError)
    expect(statSync(target).mode & 0o777).toBe(0o644)
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    const listed = runCli(["list", "--db", link])
    expect(listed.status).toBe(2)
    expect(stderrLines(listed)).toEqual([
      `cloudsession: the store path ${link} is a symbolic link; refusing to follow it`,
    ])
  })

  it("refuses a -wal file planted as a link beside the store", async () => {
    const dir = tempDir()
    const target = join(dir, "planted")
    writeFileSync(target, "")
    symlinkSync(target, join(dir, "shares.db-wal"))
    await expect(openStore(join(dir, "shares.db"))).rejects.toBeInstanceOf(StorePathError)
  })

  it("narrows a store directory of its own that others could write to", async () => {
    const dir = join(tempDir(), "cloudsession")
    mkdirSync(dir)
    chmodSync(dir, 0o777)
    const store = await openStore(join(dir, "shares.db"))
    store.close()
    expect(statSync(dir).mode & 0o777).toBe(0o700)
  })

  it("refuses a shared (sticky, world-writable) directory instead of changing it", async () => {
    const dir = join(tempDir(), "shared")
    mkdirSync(dir)
    chmodSync(dir, 0o1777)
    const error = await openStore(join(dir, "shares.db")).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StorePathError)
    expect(String(error)).toContain("writable by other users (mode 1777)")
    expect(statSync(dir).mode & 0o7777).toBe(0o1777)
  })
})
