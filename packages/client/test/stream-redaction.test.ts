import type { SyncData } from "@cloudsession/protocol"
import { makeTextPart } from "@cloudsession/protocol/fixtures"
import {
  KnownSecrets,
  marker,
  type RedactionCounts,
  redactItem,
  replaceAll,
  StreamRedactor,
  type StreamRedactorOptions,
} from "@cloudsession/protocol/redaction"
import {
  CORPUS_LOOKALIKES,
  CORPUS_SECRETS,
  corpusSessionItems,
  fakeChars,
} from "@cloudsession/protocol/redaction-corpus"
import { describe, expect, it } from "vitest"

/** Seeded test randomness (chunk sizes, filler lengths), so a failure replays. */
function random(seed: number): (below: number) => number {
  let state = seed >>> 0
  return (below) => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0
    return state % below
  }
}

type Run = {
  output: string
  counts: RedactionCounts
  maxHeld: number
  pairSplits: number
  releases: number
  scanEnds: number[]
}

/**
 * Feeds a parsed JSON value through a redactor as the server's tokeniser would: structure as JSON.stringify writes
 * it, strings in chunks of up to `maxChunk` characters (cut anywhere, between a surrogate pair too; `fixed`: all
 * `maxChunk` long), taking the output after every call. `releases` counts chunks after which output came out;
 * `scanEnds` are how far into a top-level string those were.
 */
function drive(value: unknown, options: StreamRedactorOptions, seed: number, maxChunk: number, fixed = false): Run {
  const redactor = new StreamRedactor(options)
  const next = random(seed)
  const size = () => (fixed ? maxChunk : 1 + next(maxChunk))
  const out: string[] = []
  const run = { maxHeld: 0, pairSplits: 0, releases: 0, scanEnds: [] as number[] }
  const after = (fed?: number, top = false) => {
    run.maxHeld = Math.max(run.maxHeld, redactor.held)
    const text = redactor.take()
    if (text.length > 0 && fed !== undefined) run.releases += 1
    if (text.length > 0 && fed !== undefined && top) run.scanEnds.push(fed)
    out.push(text)
  }
  const walk = (entry: unknown, key: string, top: boolean): void => {
    if (typeof entry === "string") {
      redactor.startString(key)
      after()
      for (let at = 0; at < entry.length; ) {
        const end = Math.min(entry.length, at + size())
        const code = entry.charCodeAt(end - 1)
        if (end < entry.length && code >= 0xd800 && code <= 0xdbff) run.pairSplits += 1
        redactor.stringChunk(entry.slice(at, end))
        at = end
        after(end, top)
      }
      redactor.endString()
      after()
      return
    }
    if (Array.isArray(entry)) {
      redactor.raw("[")
      entry.forEach((element, index) => {
        if (index > 0) redactor.raw(",")
        walk(element, key, false)
      })
      redactor.raw("]")
      after()
      return
    }
    if (typeof entry === "object" && entry !== null) {
      redactor.raw("{")
      Object.entries(entry).forEach(([name, field], index) => {
        redactor.raw(`${index > 0 ? "," : ""}${JSON.stringify(name)}:`)
        after()
        walk(field, name, false)
      })
      redactor.raw("}")
      after()
      return
    }
    redactor.raw(JSON.stringify(entry))
    after()
  }
  walk(value, "", true)
  out.push(redactor.finish())
  return { ...run, output: out.join(""), counts: redactor.counts }
}

/** What whole-item redaction makes of the value: its JSON text and its counts by rule. */
function whole(data: unknown): { json: string; counts: RedactionCounts } {
  const result = redactItem({ type: "part", data } as SyncData)
  const counts: RedactionCounts = {}
  for (const finding of result.findings) counts[finding.rule] = (counts[finding.rule] ?? 0) + 1
  return { json: JSON.stringify(result.item.data), counts }
}

const secretOf = (rule: string) => CORPUS_SECRETS.find((entry) => entry.rule === rule)?.secret ?? ""

function expectNoSecret(text: string): void {
  for (const entry of CORPUS_SECRETS) expect(text.includes(entry.secret), entry.name).toBe(false)
}

/** An item with a bit of everything: ids, arrays, nesting, unicode, escapes, numbers, secrets at every level. */
function mixedItem(): Record<string, unknown> {
  const github = secretOf("github")
  const slack = secretOf("slack")
  return {
    id: github,
    sessionID: `ses_${slack}`,
    text: `emoji 😀🎉 in "quotes" \\ back\n\t\u0000\u001f\u2028\u2029 é ${CORPUS_SECRETS[2]?.text} 漢字 😀`,
    parentID: [github, slack],
    list: ["a", "", CORPUS_SECRETS[5]?.text, { nested: [github, "é", "\ud83d lone", "\ude00"], partID: slack }],
    numbers: [0, -1.5e-7, 1e21, 123456789],
    flags: [true, false, null],
    'key "quoted"\n': `${github} again and ${github}`,
    ids: [github],
    deep: { deeper: { deepest: [[CORPUS_SECRETS[13]?.text ?? ""]] } },
  }
}

describe("StreamRedactor: a value smaller than one window", () => {
  it("gives JSON.stringify of redactItem's result, and its counts, for every corpus item, however it is chunked", () => {
    const items = corpusSessionItems("ses_stream")
    let redacted = 0
    items.forEach((item, index) => {
      const expected = whole(item.data)
      if (expected.json !== JSON.stringify(item.data)) redacted += 1
      for (const maxChunk of [1, 7, 64, 100_000]) {
        const run = drive(item.data, {}, index * 31 + maxChunk, maxChunk)
        expect(run.output, `item ${index} chunks ${maxChunk}`).toBe(expected.json)
        expect(run.counts, `item ${index}`).toEqual(expected.counts)
      }
    })
    expect(redacted).toBe(CORPUS_SECRETS.length + 1)
  })

  it("gives the same for a whole row of items at once, and for items mixing ids, arrays, nesting and escapes", () => {
    // A private key block split over two strings, and the two joined as redactItem joins strings: no match.
    const key = CORPUS_SECRETS.find((entry) => entry.rule === "privatekey")?.secret ?? ""
    const [head, tail] = [key.slice(0, key.indexOf("-----END")), key.slice(key.indexOf("-----END"))]
    const split = { a: head, b: tail }
    const values: unknown[] = [
      split,
      { ...split, c: `${head}\n\u0000\n${tail}` },
      corpusSessionItems("ses_row").map((item) => item.data),
      mixedItem(),
      [mixedItem(), "top", 1],
      `${CORPUS_SECRETS[0]?.text}😀`,
      "",
      42,
    ]
    values.forEach((value, index) => {
      const expected = whole(value)
      let pairSplits = 0
      for (let seed = 1; seed <= 6; seed += 1) {
        const run = drive(value, {}, seed * 7 + index, seed === 1 ? 3 : 40)
        pairSplits += run.pairSplits
        expect(run.output, `value ${index} seed ${seed}`).toBe(expected.json)
        expect(run.counts, `value ${index}`).toEqual(expected.counts)
        expect(JSON.parse(run.output)).toEqual(JSON.parse(expected.json))
      }
      if (index === 3) expect(pairSplits).toBeGreaterThan(0)
    })
    const mixed = drive(mixedItem(), {}, 5, 9)
    const parsed = JSON.parse(mixed.output)
    const item = mixedItem()
    for (const key of ["id", "sessionID", "parentID"]) expect(parsed[key], key).toEqual(item[key])
    expect(parsed.list[3].partID).toBe(secretOf("slack"))
    expectNoSecret(JSON.stringify([parsed.text, parsed.list.slice(0, 3), parsed.list[3].nested, parsed.ids]))
    expect(parsed.ids).toEqual([marker("github")])
    expect(mixed.counts).toEqual({ github: 1, slack: 1, jwt: 1 })
  })

  it("never changes an id-keyed string, and emits a value without secrets byte for byte as JSON.stringify", () => {
    const github = secretOf("github")
    const ids = { id: github, sessionID: github, messageID: [github, { partID: github }], projectID: "" }
    const idRun = drive(ids, {}, 3, 5)
    expect(idRun.output).toBe(JSON.stringify(ids))
    expect(idRun.counts).toEqual({})
    for (const entry of CORPUS_LOOKALIKES) {
      const value = makeTextPart("ses_x", "msg_1", 1, `${entry.text} 😀 "\\" \u0000`)
      expect(drive(value, {}, 11, 6).output, entry.name).toBe(JSON.stringify(value))
    }
    const emoji = "😀🎉 a 漢字 😀".repeat(2_000)
    const plain = { text: fakeChars(40, 30_000, 'abc def\n"\\\u0001é'), emoji, more: ["x", fakeChars(41, 9_000)] }
    const small = drive(plain, { scanChars: 4096, carryChars: 1024 }, 4, 500)
    expect(small.output).toBe(JSON.stringify(plain))
    expect(small.releases).toBeGreaterThan(3)
    expect(small.pairSplits).toBeGreaterThan(0)
    const idEmoji = { sessionID: emoji, text: "x" }
    expect(drive(idEmoji, {}, 6, 5).output).toBe(JSON.stringify(idEmoji))
  })
})

describe("StreamRedactor: values bigger than one window", () => {
  const windows = { scanChars: 4096, carryChars: 1024 }

  it("replaces every secret of a multi-MiB string whose secrets straddle every window boundary", () => {
    // Corpus texts back to back (a line of filler now and then): wherever a window ends, it ends in a secret's text.
    const next = random(99)
    const pieces: string[] = []
    const spans: Array<[number, number]> = []
    let length = 0
    let index = 0
    while (length < 2 * 1024 * 1024) {
      const entry = CORPUS_SECRETS[index % CORPUS_SECRETS.length]
      index += 1
      if (entry === undefined) continue
      const filler = next(4) === 0 ? `${fakeChars(index, next(60), "abcdefgh ")}\n` : ""
      const start = length + filler.length + entry.text.indexOf(entry.secret)
      spans.push([start, start + entry.secret.length])
      pieces.push(`${filler}${entry.text}\n`)
      length += filler.length + entry.text.length + 1
    }
    const text = pieces.join("")
    const expected = whole(text)
    expectNoSecret(expected.json)
    const run = drive(text, windows, 8, 700)
    expectNoSecret(run.output)
    expect(typeof JSON.parse(run.output)).toBe("string")
    expect(run.output).toBe(expected.json)
    expect(run.counts).toEqual(expected.counts)
    // The test is only worth something if windows really ended inside secrets, not just near them.
    const inside = run.scanEnds.filter((end) => spans.some(([start, stop]) => start < end && end < stop))
    expect(run.scanEnds.length).toBeGreaterThan(400)
    expect(inside.length).toBeGreaterThan(run.scanEnds.length / 3)
  })

  it("finds each corpus secret wherever it sits across the first window's end and its cut", () => {
    const filler = fakeChars(50, 14_000, "abcdefghij klm\n")
    const chunk = 256
    // Where the first window ends and where it is cut, seen from a run without secrets.
    const plain = drive(filler, windows, 1, chunk, true)
    const end = plain.scanEnds[0] ?? 0
    const cut = end - windows.carryChars
    expect(end).toBeGreaterThanOrEqual(windows.scanChars)
    let runs = 0
    for (const entry of CORPUS_SECRETS) {
      for (const boundary of [end, cut]) {
        for (let start = boundary - entry.text.length - 1; start <= boundary + 1; start += 3) {
          const text = `${filler.slice(0, start)}\n${entry.text}\n${filler.slice(start)}`
          const run = drive({ text }, windows, start, chunk, true)
          runs += 1
          expect(run.output, `${entry.name} at ${start}`).not.toContain(entry.secret)
          expect(run.output, `${entry.name} at ${start}`).toBe(whole({ text }).json)
        }
      }
    }
    expect(runs).toBeGreaterThan(500)
  })

  it("never cuts through an occurrence of a secret it knows, even with no carry at all", () => {
    const entry = CORPUS_SECRETS[8]
    const secret = entry?.secret ?? ""
    const copies = Array.from({ length: 200 }, (_, index) => fakeChars(70 + index, 10 + index * 7, "abc \n")).join(
      secret,
    )
    const text = `${entry?.text}\n${copies}`
    for (const maxChunk of [50, 333]) {
      const run = drive(text, { scanChars: 4096, carryChars: 0 }, maxChunk, maxChunk)
      expect(run.output).not.toContain(secret.slice(0, 20))
      expect(run.output).not.toContain(secret.slice(-20))
      expect(run.output.split(marker("openai")).length - 1).toBe(200)
      expect(run.output).toBe(whole(text).json)
    }
  })

  it("keeps held text within scanChars + carryChars + one chunk while a 50 MiB string streams through", () => {
    const chunk = 64 * 1024
    const secret = CORPUS_SECRETS[2]
    const plainBlock = fakeChars(60, chunk, "abcdefghijklmnopqrstuvwxyz \n")
    const secretBlock = `${plainBlock.slice(0, 30_000)}\n${secret?.text}\n${plainBlock.slice(30_000)}`.slice(0, chunk)
    const blocks = [plainBlock, secretBlock]
    const redactedBlocks = blocks.map((block) => block.replaceAll(secret?.secret ?? "", marker("github")))
    const unit = JSON.stringify(redactedBlocks.join("")).slice(1, -1)
    const redactor = new StreamRedactor()
    const limit = 1024 * 1024 + 16 * 1024 + chunk
    let maxHeld = 0
    // The output is checked as it comes: the opening quote, then the two blocks redacted, over and over.
    let rest = ""
    let matches = true
    let quoted = false
    const check = (text: string) => {
      rest += text
      if (!quoted && rest.length > 0) {
        matches &&= rest.startsWith('"')
        rest = rest.slice(1)
        quoted = true
      }
      while (rest.length >= unit.length) {
        matches &&= rest.startsWith(unit)
        rest = rest.slice(unit.length)
      }
    }
    redactor.startString("text")
    check(redactor.take())
    const count = (50 * 1024 * 1024) / chunk
    for (let index = 0; index < count; index += 1) {
      redactor.stringChunk(blocks[index % 2] ?? "")
      maxHeld = Math.max(maxHeld, redactor.held)
      check(redactor.take())
    }
    redactor.endString()
    check(redactor.finish())
    expect(maxHeld).toBeLessThanOrEqual(limit)
    expect(maxHeld).toBeGreaterThanOrEqual(1024 * 1024)
    expect(matches).toBe(true)
    expect(rest).toBe('"')
    expect(redactor.counts).toEqual({ github: 1 })
  })
})

describe("StreamRedactor: many distinct secrets", () => {
  it("replaces 20,000 distinct tokens in a 2 MiB string, and counts each once", () => {
    const next = random(5)
    const tokens = Array.from({ length: 20_000 }, (_, index) => `ghp_${fakeChars(500 + index, 36)}`)
    const text = tokens.map((token) => `${fakeChars(next(1000), 40 + next(60), "abc \n")} ${token}`).join("\n")
    const run = drive({ text, again: [tokens[19_999], tokens[19_990]] }, {}, 9, 60_000)
    expect(run.output).not.toMatch(/ghp_[A-Za-z0-9]{36}/)
    expect(run.output.split(marker("github")).length - 1).toBe(20_002)
    expect(run.counts).toEqual({ github: 20_000 })
  })

  it("with more secrets than are looked for one by one, still gives what whole-item redaction gives", () => {
    const next = random(6)
    const tokens = Array.from({ length: 150 }, (_, index) => `ghp_${fakeChars(800 + index, 36)}`)
    const lines = tokens.map((token) => `${fakeChars(next(1000), 20 + next(2000), "abc \n")} https://x:${token}@h`)
    const text = `${lines.join("\n")}\n${tokens.map((token, index) => `${index}:${token}`).join(" ")}`
    const value = { text, parts: tokens.slice(0, 50).map((token) => ({ text: `bare ${token}`, id: token })) }
    const expected = whole(value)
    expect(expected.counts).toEqual({ github: 150 })
    for (const options of [{}, { scanChars: 4096, carryChars: 1024 }]) {
      const run = drive(value, options, 3, 900)
      expect(run.output).toBe(expected.json)
      expect(run.counts).toEqual(expected.counts)
    }
  })

  it("the index finds what a search for each secret finds, short secrets and hash neighbours included", () => {
    const next = random(17)
    const alphabet = "ab"
    const findings = Array.from({ length: 200 }, (_, index) => ({
      rule: `r${index % 3}`,
      value: fakeChars(900 + index, 3 + next(12), alphabet),
    }))
    const known = new KnownSecrets()
    const distinct = findings.filter((finding, index) => findings.findIndex((f) => f.value === finding.value) === index)
    for (const finding of distinct) known.add(finding, 1)
    // More than the few that are looked for one by one: the rolling hash is what is tested.
    expect(distinct.length).toBeGreaterThan(100)
    for (let round = 0; round < 40; round += 1) {
      const text = fakeChars(2000 + round, 50 + next(400), alphabet)
      const expected = distinct
        .map((finding, order) => ({ finding, order }))
        .filter(({ finding }) => text.includes(finding.value))
        .sort((a, b) => b.finding.value.length - a.finding.value.length || a.order - b.order)
        .map(({ finding }) => finding)
      expect(known.occurringIn(text)).toEqual(expected)
      const cut = next(text.length + 1)
      let start = cut
      for (let at = 0; at < cut && start === cut; at += 1) {
        if (distinct.some(({ value }) => text.startsWith(value, at) && at + value.length > cut)) start = at
      }
      expect(known.spanning(text, cut), `round ${round}`).toBe(start)
      // Overlapping secrets everywhere: one pass must leave what replacing them one after another leaves.
      expect(known.replaceIn(text), `round ${round}`).toBe(replaceAll(text, expected))
    }
  })
})

describe("StreamRedactor: misuse", () => {
  it("throws a clear error for calls out of order and for bad options", () => {
    expect(() => new StreamRedactor().stringChunk("x")).toThrow(/no string was started/)
    expect(() => new StreamRedactor().endString()).toThrow(/no string was started/)
    const open = new StreamRedactor()
    open.startString("text")
    expect(() => open.raw(",")).toThrow(/still open/)
    expect(() => open.startString("text")).toThrow(/still open/)
    expect(() => open.finish()).toThrow(/still open/)
    const done = new StreamRedactor()
    done.raw("1")
    expect(done.finish()).toBe("1")
    expect(() => done.raw("2")).toThrow(/after finish/)
    expect(() => new StreamRedactor({ scanChars: 0 })).toThrow(RangeError)
    expect(() => new StreamRedactor({ carryChars: -1 })).toThrow(RangeError)
    expect(() => new StreamRedactor({ scanChars: 1.5 })).toThrow(RangeError)
  })
})
