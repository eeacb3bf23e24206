import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { ShareSnapshot, SyncData } from "@cloudsession/protocol"
import { makeMessage, makeSession, makeTextPart } from "@cloudsession/protocol/fixtures"
import { marker, redactItems, ruleNames } from "@cloudsession/protocol/redaction"
import { CORPUS_LOOKALIKES, CORPUS_SECRETS, corpusSessionItems } from "@cloudsession/protocol/redaction-corpus"
import { afterAll, describe, expect, it } from "vitest"
import { connect } from "../src/connection/connection.ts"
import { ShareClient } from "../src/share-client.ts"
import { openStore } from "../src/store/store.ts"
import { ItemSizes } from "../src/sync/pack.ts"
import { ItemRedactor, type RedactionEvent, WINDOWED_CHARS } from "../src/sync/redaction.ts"
import { getSnapshot, removeTempDirs, runCli, stderrLines, tempDir, testServer, writeSessionFile } from "./helpers.ts"

const { url: workerUrl, token } = testServer()

afterAll(removeTempDirs)

const partText = (text: string, index = 1): SyncData => ({
  type: "part",
  data: makeTextPart("ses_corpus", "msg_00000001", index, text),
})

function textOf(item: SyncData | undefined): string {
  return item?.type === "part" ? String(item.data.text) : ""
}

function expectNoSecret(text: string): void {
  for (const entry of CORPUS_SECRETS) expect(text.includes(entry.secret), entry.name).toBe(false)
}

async function viewerSnapshot(shareID: string): Promise<ShareSnapshot> {
  const viewed = await getSnapshot(workerUrl, shareID)
  expect(viewed.status).toBe(200)
  return viewed.body as ShareSnapshot
}

describe("the redaction rules (same code as the server's)", () => {
  it("replace every secret of the corpus with [redacted:<its rule>] and leave the text around it", () => {
    for (const entry of CORPUS_SECRETS) {
      const result = redactItems([partText(entry.text)])
      const text = textOf(result.items[0])
      expect(text, entry.name).not.toContain(entry.secret)
      expect(text, entry.name).toContain(marker(entry.rule))
      expect(text, entry.name).toBe(entry.text.replace(entry.secret, marker(entry.rule)))
      expect(result.counts, entry.name).toEqual({ [entry.rule]: 1 })
    }
  })

  it("leave every look-alike exactly as it was, and return the very same item", () => {
    for (const entry of CORPUS_LOOKALIKES) {
      const item = partText(entry.text)
      const result = redactItems([item])
      expect(result.total, entry.name).toBe(0)
      expect(result.items[0], entry.name).toBe(item)
    }
  })

  it("count a secret once per item, replace it everywhere in the item, and never touch ids", () => {
    const secret = CORPUS_SECRETS.find((entry) => entry.rule === "github")?.secret ?? ""
    const item: SyncData = {
      type: "part",
      data: { ...makeTextPart("ses_corpus", "msg_00000001", 1, `${secret} and again ${secret}`), note: secret },
    }
    const result = redactItems([item])
    expect(result.counts).toEqual({ github: 1 })
    expect(JSON.stringify(result.items[0])).not.toContain(secret)
    const redacted = result.items[0]
    expect(redacted?.type === "part" ? redacted.data.id : undefined).toBe("prt_00000001")
    expect(JSON.stringify(result)).not.toContain(secret)
  })

  it("run every rule synchronously, including the two of our own", () => {
    expect(ruleNames()).toEqual(expect.arrayContaining(["aws", "github", "slack", "privatekey", "jwt", "env-secret"]))
    expect(ruleNames()).not.toContain("filter-comments")
    const disabled = `// secretlint-disable\n${CORPUS_SECRETS[2]?.text}`
    expect(redactItems([partText(disabled)]).total).toBe(1)
  })
})

describe("an item with more text than one redaction window", () => {
  /** Numbered filler lines with every corpus secret's context pasted at spread places; and that text as redacted. */
  function bigText(chars: number, secrets = CORPUS_SECRETS): { text: string; expected: string } {
    const text: string[] = []
    const expected: string[] = []
    let length = 0
    for (let line = 0; length < chars; line++) {
      const filler = `line ${line} of a long tool output that mentions no secret at all\n`
      text.push(filler)
      expected.push(filler)
      length += filler.length
      const entry = line % 997 === 500 ? secrets[Math.floor(line / 997) % secrets.length] : undefined
      if (entry === undefined) continue
      text.push(`${entry.text}\n`)
      expected.push(`${entry.text.replace(entry.secret, marker(entry.rule))}\n`)
    }
    return { text: text.join(""), expected: expected.join("") }
  }

  it("is redacted window by window as the whole-text scan redacts it, with the same counts, ids and order", () => {
    const { text, expected } = bigText(3 * WINDOWED_CHARS)
    const github = CORPUS_SECRETS.find((entry) => entry.rule === "github")?.secret ?? ""
    const small = partText(`token ${github}`, 1)
    const big = partText(text, 2)
    const events: RedactionEvent[] = []
    const sizes = new ItemSizes()
    const redactor = new ItemRedactor({ onRedacted: (event) => events.push(event) })
    const redacted = redactor.apply("ses_corpus", [small, big], sizes)
    const whole = redactItems([small, big])
    // Its JSON, made by the redaction, is what packing measures and the outbox stores.
    expect(sizes.aloneJson(redacted[1] ?? small)).toBe(JSON.stringify([redacted[1]]))
    expect(textOf(redacted[1])).toBe(expected)
    expect(redacted).toEqual(whole.items)
    expect(redacted[1]?.type === "part" ? redacted[1].data.id : undefined).toBe("prt_00000002")
    expect(events).toEqual([{ sessionID: "ses_corpus", counts: whole.counts, total: whole.total }])
    expectNoSecret(JSON.stringify(redacted))
  })

  it("without a secret comes back as the very same item", () => {
    const clean = partText(bigText(2 * WINDOWED_CHARS, []).text)
    const events: RedactionEvent[] = []
    const sizes = new ItemSizes()
    const redacted = new ItemRedactor({ onRedacted: (event) => events.push(event) }).apply("ses_corpus", [clean], sizes)
    expect(redacted[0]).toBe(clean)
    expect(sizes.aloneJson(clean)).toBe(JSON.stringify([clean]))
    expect(events).toEqual([])
  })
})

describe("the client redacts before the outbox", () => {
  it("a stranger with the link sees markers, never the secrets; the owner's CLI says how many, never which", async () => {
    const db = join(tempDir(), "shares.db")
    const file = writeSessionFile(corpusSessionItems("ses_corpus_cli"))
    const shared = runCli(["share", file], {
      CLOUDSESSION_URL: workerUrl,
      CLOUDSESSION_TOKEN: token,
      CLOUDSESSION_DB: db,
    })
    expect(shared.status).toBe(0)
    const lines = stderrLines(shared)
    // One secret per corpus entry, plus the tool call's output (the .env secret again, in another item).
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^${CORPUS_SECRETS.length + 1} secrets redacted \\(`))])
    expect(lines[0]).toContain("github 2")
    expectNoSecret(shared.stderr + shared.stdout)

    const shareID = shared.stdout.trim().split("/").at(-1) ?? ""
    const stranger = JSON.stringify(await viewerSnapshot(shareID))
    expectNoSecret(stranger)
    for (const entry of CORPUS_SECRETS) expect(stranger).toContain(JSON.stringify(marker(entry.rule)).slice(1, -1))
    for (const entry of CORPUS_LOOKALIKES) expect(stranger).toContain(JSON.stringify(entry.text).slice(1, -1))
    // Never written to the local store either: the outbox held the redacted items only.
    expectNoSecret(readFileSync(db, "latin1"))
  })

  it("--no-redact sends the session as it is and says nothing about secrets", async () => {
    const db = join(tempDir(), "shares.db")
    const file = writeSessionFile(corpusSessionItems("ses_corpus_optout"))
    const env = { CLOUDSESSION_URL: workerUrl, CLOUDSESSION_TOKEN: token, CLOUDSESSION_DB: db }
    const shared = runCli(["share", "--no-redact", file], env)
    expect(shared.status).toBe(0)
    expect(shared.stderr).toBe("")
    const snapshot = JSON.stringify(await viewerSnapshot(shared.stdout.trim().split("/").at(-1) ?? ""))
    for (const entry of CORPUS_SECRETS) expect(snapshot).toContain(JSON.stringify(entry.secret).slice(1, -1))
  })

  it("live changes pushed to a queue are redacted too, and the library reports counts by rule", async () => {
    const store = await openStore(join(tempDir(), "shares.db"))
    const connection = await connect({ url: workerUrl, token })
    const events: RedactionEvent[] = []
    const client = new ShareClient({
      store,
      link: connection,
      server: workerUrl,
      redaction: { onRedacted: (event) => events.push(event) },
    })
    try {
      const sessionID = "ses_corpus_live"
      const outcome = await client.share(sessionID, [
        { type: "session", data: makeSession(sessionID) },
        { type: "message", data: makeMessage(sessionID, 1) },
      ])
      const slack = CORPUS_SECRETS.find((entry) => entry.rule === "slack")?.secret ?? ""
      const queue = client.queue(sessionID, { debounceMs: 10 })
      queue.push({ type: "part", data: makeTextPart(sessionID, "msg_00000001", 1, `token: ${slack}`) })
      queue.close()
      await client.flush(sessionID)
      const parts = (await viewerSnapshot(outcome.share.id)).parts
      expect(parts.map((part) => part.text)).toEqual([`token: ${marker("slack")}`])
      expect(events).toEqual([{ sessionID, counts: { slack: 1 }, total: 1 }])
      expect(JSON.stringify(events)).not.toContain(slack)
    } finally {
      client.close()
      connection.close()
      store.close()
    }
  })
})
