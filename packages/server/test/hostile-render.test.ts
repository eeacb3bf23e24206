import type { FileDiff, ShareInfo, SyncData } from "@cloudsession/protocol"
import { makeMessage, makeSession, makeTextPart } from "@cloudsession/protocol/fixtures"
import { describe, expect, it } from "vitest"
import { api, createShare, uniqueSessionID } from "./helpers.ts"

/** The size the attack used for one text part: 80 KB of `*a` took 2.9 s per page view with the old renderer. */
const SIZE = 80_000

function fill(unit: string, size = SIZE): string {
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size)
}

function lines(size: number, line: (index: number) => string): string {
  let text = ""
  for (let index = 0; text.length < size; index++) text += `${line(index)}\n`
  return text.slice(0, size)
}

/**
 * Inputs that are slow or fatal for some markdown parser (marked, markdown-it's old versions, commonmark.js, md4c),
 * each of the size above. `plain` is the yardstick: prose of the same size.
 */
const PATHOLOGICAL: Record<string, string> = {
  "emphasis: *a repeated": fill("*a"),
  "emphasis: _a repeated": fill("_a"),
  "emphasis: **_* repeated": fill("**_* "),
  "emphasis: *_* _ repeated": fill("*_* _ "),
  "emphasis in list items: - * repeated": fill("- *"),
  "nested blockquotes: > 2 500 times": `${fill("> ", 5_000)}x`,
  "nested blockquotes, one deeper per line": lines(SIZE, (index) => `${"> ".repeat(Math.min(index, 400))}x`),
  "deeply indented list": lines(SIZE, (index) => `${"  ".repeat(index % 2000)}- x`),
  "lists nested on one line: - - - …": `${fill("- ", 20_000)}x`,
  "backticks: \\`` repeated": fill("\\``"),
  "backtick runs of growing length": lines(SIZE, (index) => `${"`".repeat(index % 300)}a`),
  "links: [](  repeated": fill("[]("),
  "links: []((  repeated": fill("[](("),
  "brackets: [ repeated": fill("["),
  "images: ![ repeated": fill("!["),
  "brackets across lines: ]([ repeated": fill("]([\n"),
  "angle brackets: < repeated": fill("<"),
  "entities: &# repeated": fill("&#"),
  "a wide table": lines(SIZE, (index) => (index === 1 ? "|-".repeat(300) : "|x".repeat(300))),
  "headings: # a repeated": fill("# a\n"),
  "setext headings repeated": fill("a\n=\n"),
  "unclosed fences": fill("```\n"),
  "strikethrough: ~~a repeated": fill("~~a"),
  "hidden characters: bidi overrides repeated": fill("a\u202eb\u2066"),
}

const PLAIN = fill("lorem ipsum dolor sit amet ")

function textShare(sessionID: string, text: string): SyncData[] {
  const message = makeMessage(sessionID, 0)
  return [
    { type: "session", data: makeSession(sessionID) },
    { type: "message", data: message },
    { type: "part", data: makeTextPart(sessionID, message.id, 0, text) },
  ]
}

/**
 * A session diff of ~80 files, each of many short lines that all differ: the line differ's quadratic table at its
 * largest for every file (the attack: ~1 MiB took 2.3–3.9 s per view). The yardstick has the same bytes in long lines.
 */
function diffShare(sessionID: string, costly: boolean): SyncData[] {
  const files: FileDiff[] = Array.from({ length: 80 }, (_, index) => {
    // 4 000 characters a side: 2 000 lines, 4 million cells of the line differ's table per file.
    const before = costly ? lines(4_000, (line) => `${line % 10}`) : `${"b".repeat(3_999)}\n`
    const after = costly ? lines(4_000, (line) => `${(line + 5) % 7}`) : `${"a".repeat(3_999)}\n`
    return { file: `src/file-${index}.ts`, before, after, additions: 1, deletions: 1 }
  })
  return [
    { type: "session", data: makeSession(sessionID) },
    { type: "session_diff", data: files },
  ]
}

/** Fastest of a few views: the ratio compares what the work costs, not the machine's worst moment. */
async function fastestView(path: string): Promise<{ ms: number; status: number; body: string }> {
  let fastest = Number.POSITIVE_INFINITY
  let last = { status: 0, body: "" }
  for (let run = 0; run < 4; run++) {
    const started = performance.now()
    const response = await api(path)
    const body = await response.text()
    fastest = Math.min(fastest, performance.now() - started)
    last = { status: response.status, body }
  }
  return { ms: fastest, ...last }
}

/**
 * A view of a hostile share costs at most 3× the view of a plain one of the same size. A few milliseconds of
 * slack absorb the scheduler's noise on a busy machine (the old renderer was 100× and more slower, never close).
 */
const MAX_RATIO = 3
const SLACK_MS = 15

async function expectViewsBounded(hostile: ShareInfo, plain: ShareInfo) {
  for (const route of ["", "/fragments?since=0"]) {
    const baseline = await fastestView(`/share/${plain.id}${route}`)
    const measured = await fastestView(`/share/${hostile.id}${route}`)
    expect(baseline.status).toBe(200)
    expect(measured.status, measured.body.slice(0, 200)).toBe(200)
    expect(
      measured.ms,
      `${route || "page"}: ${measured.ms.toFixed(1)} ms vs ${baseline.ms.toFixed(1)} ms`,
    ).toBeLessThanOrEqual(baseline.ms * MAX_RATIO + SLACK_MS)
  }
}

describe("a hostile share's pages cost what a plain one's do", () => {
  let plain: ShareInfo | undefined
  const plainShare = async () => {
    const sessionID = uniqueSessionID("plain")
    plain ??= await createShare(sessionID, textShare(sessionID, PLAIN))
    return plain
  }

  for (const [name, text] of Object.entries(PATHOLOGICAL)) {
    it(`${name}: answers 200, within ${MAX_RATIO}× of plain text`, async () => {
      const sessionID = uniqueSessionID("hostile")
      const hostile = await createShare(sessionID, textShare(sessionID, text))
      await expectViewsBounded(hostile, await plainShare())
    })
  }

  it(`a ~1 MiB session diff of 80 files: answers 200, within ${MAX_RATIO}× of the same bytes in long lines`, async () => {
    const costlyID = uniqueSessionID("diff")
    const hostile = await createShare(costlyID, diffShare(costlyID, true))
    const plainID = uniqueSessionID("diff-plain")
    const cheap = await createShare(plainID, diffShare(plainID, false))
    await expectViewsBounded(hostile, cheap)
    // Every file is listed; the page carries the bodies of as many as fit its share of diff HTML (a few MB else).
    const page = await (await api(`/share/${hostile.id}`)).text()
    expect(page.match(/<li><a href="#diff-/g)).toHaveLength(80)
    const bodies = page.match(/<details class="file-diff"/g)?.length ?? 0
    expect(bodies).toBeGreaterThan(0)
    expect(bodies).toBeLessThan(80)
    expect(page).toContain(`${80 - bodies} more files listed above, not shown here`)
    expect(page.length).toBeLessThan(2 * 1024 * 1024)
  })
})
