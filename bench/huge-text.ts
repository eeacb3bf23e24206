import type { SyncData } from "@cloudsession/protocol"
import { makeMessage, makeSession, makeTextPart } from "@cloudsession/protocol/fixtures"
import { redactItem } from "@cloudsession/protocol/redaction"
import { CORPUS_SECRETS } from "@cloudsession/protocol/redaction-corpus"

export const MIB = 1024 * 1024

const WORDS = (
  "the share page reads each part from storage and renders its text while the viewer scrolls through " +
  "a long session where the agent edits files runs tests explains what failed and tries again with " +
  "another approach until the build passes; function returns value array index map filter reduce " +
  "promise await stream chunk buffer encoder decoder row column query transaction commit rollback"
).split(/\s+/)

/** 4 096 distinct lines of prose and code-like text (a small LCG: test data, not randomness). */
const LINES: string[] = (() => {
  let state = 12_345
  const next = (limit: number) => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0
    return (state >>> 8) % limit
  }
  const lines: string[] = []
  for (let index = 0; index < 4096; index++) {
    const words = Array.from({ length: 6 + next(14) }, () => WORDS[next(WORDS.length)] ?? "")
    const shape = index % 5
    if (shape === 0) lines.push(`function step${index}(input) { return ${words.slice(0, 3).join(" + ")} }`)
    else if (shape === 1) lines.push(`    // ${words.join(" ")}`)
    else if (shape === 2) lines.push(`- [${index % 3 === 0 ? "x" : " "}] ${words.join(" ")}`)
    else lines.push(`${words.join(" ")}.`)
  }
  return lines
})()

/** How many times each corpus secret (with the context its rule needs) is pasted into the text, spread through it. */
const COPIES_PER_SECRET = 2

/**
 * About `chars` characters of varied lines (numbered, so no two are equal) with every corpus secret pasted in
 * `COPIES_PER_SECRET` times at evenly spaced places, and the text the server should store: the same with each
 * pasted context as `redactItem` redacts it alone (the lines around are never matched by a rule).
 */
export function hugeText(chars: number): { text: string; expected: string; secrets: string[] } {
  const contexts = CORPUS_SECRETS.map((entry) => ({ raw: entry.text, redacted: redactedAlone(entry.text) }))
  const pastes = Array.from({ length: contexts.length * COPIES_PER_SECRET }, (_, index) => ({
    at: Math.floor(((index + 0.5) * chars) / (contexts.length * COPIES_PER_SECRET)),
    context: contexts[index % contexts.length] ?? { raw: "", redacted: "" },
  }))
  const text: string[] = []
  const expected: string[] = []
  let length = 0
  let paste = 0
  for (let line = 0; length < chars; line++) {
    const next = pastes[paste]
    if (next !== undefined && length >= next.at) {
      text.push(`${next.context.raw}\n`)
      expected.push(`${next.context.redacted}\n`)
      length += next.context.raw.length + 1
      paste++
      continue
    }
    const each = `${line}: ${LINES[line % LINES.length]}\n`
    text.push(each)
    expected.push(each)
    length += each.length
  }
  return { text: text.join(""), expected: expected.join(""), secrets: CORPUS_SECRETS.map((entry) => entry.secret) }
}

function redactedAlone(context: string): string {
  const { item } = redactItem({ type: "part", data: makeTextPart("ses_context", "msg_context", 1, context) })
  const text = (item.data as { text?: unknown }).text
  if (typeof text !== "string") throw new Error("redactItem dropped the text")
  return text
}

/** A session whose one message holds one text part, `text`: the huge item, with the two small ones it needs. */
export function hugePartItems(sessionID: string, text: string): { items: SyncData[]; partID: string } {
  const part = makeTextPart(sessionID, "msg_00000001", 1, text)
  return {
    items: [
      { type: "session", data: makeSession(sessionID, { title: "One huge part" }) },
      { type: "message", data: makeMessage(sessionID, 1) },
      { type: "part", data: part },
    ],
    partID: part.id,
  }
}
