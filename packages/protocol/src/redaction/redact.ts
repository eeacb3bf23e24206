import type { SyncData } from "../sync.ts"
import { type Finding, scanText } from "./scanner.ts"

/** How many secrets of each rule were replaced. Counts only: a report never carries a secret's value. */
export type RedactionCounts = Record<string, number>

export type RedactedItems = { items: SyncData[]; counts: RedactionCounts; total: number }

/** Keys whose values are ids the share is keyed by: never secrets, and rewriting one would orphan its rows. */
export const ID_KEY = /^(?:id|[a-z]*ID)$/

/** Between the strings of an item while it is scanned as one text, so no match can span two of them. */
export const SEPARATOR = "\n\u0000\n"

export function marker(rule: string): string {
  return `[redacted:${rule}]`
}

function collectStrings(value: unknown, into: string[], key = ""): void {
  if (typeof value === "string") {
    if (!ID_KEY.test(key)) into.push(value)
    return
  }
  if (Array.isArray(value)) {
    for (const entry of value) collectStrings(entry, into, key)
    return
  }
  if (typeof value !== "object" || value === null) return
  for (const [name, entry] of Object.entries(value)) collectStrings(entry, into, name)
}

/** Longest first, so a secret that contains another (a URL with a token in it) is replaced whole. */
export function replaceAll(text: string, findings: readonly Finding[]): string {
  let result = text
  for (const finding of findings) {
    if (result.includes(finding.value)) result = result.split(finding.value).join(marker(finding.rule))
  }
  return result
}

function rewrite(value: unknown, findings: readonly Finding[], key = ""): unknown {
  if (typeof value === "string") return ID_KEY.test(key) ? value : replaceAll(value, findings)
  if (Array.isArray(value)) return value.map((entry) => rewrite(entry, findings, key))
  if (typeof value !== "object" || value === null) return value
  return Object.fromEntries(Object.entries(value).map(([name, entry]) => [name, rewrite(entry, findings, name)]))
}

/** One finding per distinct secret, longest first; the same secret twice in an item counts once. */
function distinct(findings: readonly Finding[]): Finding[] {
  const byValue = new Map<string, Finding>()
  for (const finding of findings) if (!byValue.has(finding.value)) byValue.set(finding.value, finding)
  return [...byValue.values()].sort((a, b) => b.value.length - a.value.length)
}

function redactWith(item: SyncData, strings: readonly string[], findings: readonly Finding[]): Redacted {
  const present = findings.filter((finding) => strings.some((text) => text.includes(finding.value)))
  if (present.length === 0) return { item, findings: present }
  // The schema's shape is kept: only string values change, and ids are never touched.
  return { item: { ...item, data: rewrite(item.data, present) } as SyncData, findings: present }
}

type Redacted = { item: SyncData; findings: Finding[] }

/**
 * One item with every secret the rules find in its strings replaced by `[redacted:<rule>]`, and which rules
 * found them. An item without a secret is returned as it came (same object), so the common case copies nothing.
 */
export function redactItem(item: SyncData): Redacted {
  const strings: string[] = []
  collectStrings(item.data, strings)
  if (strings.length === 0) return { item, findings: [] }
  return redactWith(item, strings, distinct(scanText(strings.join(SEPARATOR))))
}

/**
 * Text scanned in one pass. The rules' cost is mostly per pass (each runs its patterns over the whole text), so
 * a batch of small items is scanned together; the cap bounds the memory the joined text takes.
 */
const PASS_CHARS = 1024 * 1024

/**
 * `redactItem` over a batch, with the counts added up per rule (a secret counts once per item it was in). The
 * items' strings are scanned in passes of up to `PASS_CHARS`, and only items holding a found secret are rewritten.
 */
export function redactItems(items: readonly SyncData[]): RedactedItems {
  const strings = items.map((item) => {
    const into: string[] = []
    collectStrings(item.data, into)
    return into
  })
  const findings: Finding[] = []
  let pass: string[] = []
  let passChars = 0
  const scanPass = () => {
    if (pass.length > 0) findings.push(...scanText(pass.join(SEPARATOR)))
    pass = []
    passChars = 0
  }
  for (const texts of strings) {
    for (const text of texts) {
      if (passChars + text.length > PASS_CHARS) scanPass()
      pass.push(text)
      passChars += text.length + SEPARATOR.length
    }
  }
  scanPass()
  const found = distinct(findings)
  const counts: RedactionCounts = {}
  let total = 0
  if (found.length === 0) return { items: [...items], counts, total }
  const redacted = items.map((item, index) => {
    const result = redactWith(item, strings[index] ?? [], found)
    for (const finding of result.findings) {
      counts[finding.rule] = (counts[finding.rule] ?? 0) + 1
      total += 1
    }
    return result.item
  })
  return { items: redacted, counts, total }
}
/** "3 secrets redacted (github 2, aws 1)": for a CLI line or a log entry; names rules, never values. */
export function describeRedactions(counts: RedactionCounts): string {
  const entries = Object.entries(counts).filter(([, count]) => count > 0)
  const total = entries.reduce((sum, [, count]) => sum + count, 0)
  if (total === 0) return "no secrets redacted"
  const detail = entries.map(([rule, count]) => `${rule} ${count}`).join(", ")
  return `${total} secret${total === 1 ? "" : "s"} redacted (${detail})`
}
