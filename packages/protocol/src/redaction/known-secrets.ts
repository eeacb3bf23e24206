import { marker, replaceAll } from "./redact.ts"
import type { Finding } from "./scanner.ts"

/**
 * Secrets are indexed by a hash of ANCHOR characters from their middle: a secret's start is often shared (`sk-proj-`,
 * `-----BEGIN`) and so is a PEM block's end, its middle seldom. A secret shorter than ANCHOR is looked for alone.
 */
const ANCHOR = 8
const BASE = 0x01000193
const DROP = Array.from({ length: ANCHOR - 1 }).reduce<number>((power) => Math.imul(power, BASE), 1)

/** Below this many secrets `includes` per secret is faster than hashing every position of the text (measured). */
const FEW = 64

/** Slots of the filter that rejects most positions before a Map lookup (the hash pass's main cost). */
const FILTER_MASK = 0xffff

type Known = { finding: Finding; order: number; seen: number }
type Anchored = { value: string; offset: number }

function hashAt(text: string, at: number): number {
  let hash = 0
  for (let index = at; index < at + ANCHOR; index += 1) hash = (Math.imul(hash, BASE) + text.charCodeAt(index)) | 0
  return hash
}

const offsetOf = (value: string) => (value.length - ANCHOR) >> 1

/**
 * The secrets a streamed value's scans have found, to replace wherever they occur later. Finding which of them
 * occur in a text costs one pass over it however many there are (a Rabin-Karp rolling hash of each position's next
 * ANCHOR characters), so a value full of distinct secrets costs linear time, not text times secrets. (Secrets made
 * to share their middle characters would all be checked where those occur: no rule's secrets do.)
 */
export class KnownSecrets {
  private readonly byValue = new Map<string, Known>()
  private readonly byAnchor = new Map<number, Anchored[]>()
  private filter = new Uint8Array(FILTER_MASK + 1)
  private readonly short = new Set<string>()
  private order = 0
  private longestCache: number | undefined

  get size(): number {
    return this.byValue.size
  }

  has(value: string): boolean {
    return this.byValue.has(value)
  }

  /** Every secret, in the order found. */
  get findings(): Finding[] {
    return [...this.byValue.values()].sort((a, b) => a.order - b.order).map((known) => known.finding)
  }

  /** The longest secret's length (0 when none). */
  get longest(): number {
    if (this.longestCache === undefined) {
      let longest = 0
      for (const value of this.byValue.keys()) longest = Math.max(longest, value.length)
      this.longestCache = longest
    }
    return this.longestCache
  }

  add(finding: Finding, scan: number): void {
    const value = finding.value
    if (this.byValue.has(value)) return
    this.byValue.set(value, { finding, order: this.order, seen: scan })
    this.order += 1
    this.longestCache = Math.max(this.longestCache ?? 0, value.length)
    if (value.length < ANCHOR) {
      this.short.add(value)
      return
    }
    const offset = offsetOf(value)
    const hash = hashAt(value, offset)
    const bucket = this.byAnchor.get(hash)
    if (bucket === undefined) this.byAnchor.set(hash, [{ value, offset }])
    else bucket.push({ value, offset })
    this.filter[hash & FILTER_MASK] = 1
  }

  /** Seen again by scan number `scan`: among the last to be forgotten. */
  touch(value: string, scan: number): void {
    const known = this.byValue.get(value)
    if (known === undefined || known.seen === scan) return
    this.byValue.delete(value)
    this.byValue.set(value, { ...known, seen: scan })
  }

  /** Every secret occurring in `text` counts as seen by scan `scan` (its text is still held). */
  touchIn(text: string, scan: number): void {
    this.each(text, 0, text.length, (value) => this.touch(value, scan))
  }

  /** Forget the least recently seen secrets beyond `keep`, never one seen by scan `scan`. */
  forget(keep: number, scan: number): void {
    for (const [value, known] of this.byValue) {
      if (this.byValue.size <= keep || known.seen >= scan) return
      this.byValue.delete(value)
      this.longestCache = undefined
      if (value.length < ANCHOR) {
        this.short.delete(value)
        continue
      }
      const hash = hashAt(value, offsetOf(value))
      const bucket = (this.byAnchor.get(hash) ?? []).filter((other) => other.value !== value)
      if (bucket.length === 0) this.byAnchor.delete(hash)
      else this.byAnchor.set(hash, bucket)
    }
    this.filter = new Uint8Array(FILTER_MASK + 1)
    for (const hash of this.byAnchor.keys()) this.filter[hash & FILTER_MASK] = 1
  }

  /** The secrets that occur in `text`, longest first (ties: first found first), as `replaceAll` wants them. */
  occurringIn(text: string): Finding[] {
    const found: Known[] = []
    if (this.byValue.size <= FEW) {
      for (const known of this.byValue.values()) if (text.includes(known.finding.value)) found.push(known)
    } else {
      const values = new Set<string>()
      this.each(text, 0, text.length, (value) => values.add(value))
      for (const value of values) {
        const known = this.byValue.get(value)
        if (known !== undefined) found.push(known)
      }
    }
    found.sort((a, b) => b.finding.value.length - a.finding.value.length || a.order - b.order)
    return found.map((known) => known.finding)
  }

  /**
   * `text` with every known secret replaced as `replaceAll` does (longest first, each one's occurrences left to
   * right), in one pass over the text: an occurrence is replaced unless a longer (or earlier found) secret's
   * replaced occurrence overlaps it, which is what replacing one secret after another leaves.
   */
  replaceIn(text: string): string {
    if (this.byValue.size <= FEW) return replaceAll(text, this.occurringIn(text))
    const hits: Array<{ known: Known; at: number }> = []
    this.each(text, 0, text.length, (value, at) => {
      const known = this.byValue.get(value)
      if (known !== undefined) hits.push({ known, at })
    })
    if (hits.length === 0) return text
    hits.sort(
      (a, b) =>
        b.known.finding.value.length - a.known.finding.value.length || a.known.order - b.known.order || a.at - b.at,
    )
    const covered = new Uint8Array(text.length)
    const taken: typeof hits = []
    for (const hit of hits) {
      const end = hit.at + hit.known.finding.value.length
      if (covered.subarray(hit.at, end).includes(1)) continue
      covered.fill(1, hit.at, end)
      taken.push(hit)
    }
    taken.sort((a, b) => a.at - b.at)
    const pieces: string[] = []
    let from = 0
    for (const { known, at } of taken) {
      pieces.push(text.slice(from, at), marker(known.finding.rule))
      from = at + known.finding.value.length
    }
    pieces.push(text.slice(from))
    return pieces.join("")
  }

  /**
   * Where the leftmost occurrence of a secret that covers both sides of `cut` starts, or `cut` when none does
   * (only occurrences wholly inside `text` are seen).
   */
  spanning(text: string, cut: number): number {
    let start = cut
    this.each(text, Math.max(0, cut - this.longest + 1), cut, (value, at) => {
      if (at < start && at + value.length > cut) start = at
    })
    return start
  }

  /** Calls `visit` for every occurrence of a secret that starts in [from, to), in no particular order. */
  private each(text: string, from: number, to: number, visit: (value: string, at: number) => void): void {
    for (const value of this.short) {
      for (let at = text.indexOf(value, from); at !== -1 && at < to; at = text.indexOf(value, at + 1)) visit(value, at)
    }
    if (this.byAnchor.size === 0) return
    // An occurrence starting at `at` has its anchor at `at + offset`, offset at most (longest - ANCHOR) / 2.
    const last = Math.min(text.length - ANCHOR + 1, to + ((this.longest - ANCHOR) >> 1))
    let hash = from < last ? hashAt(text, from) : 0
    const filter = this.filter
    for (let anchor = from; anchor < last; anchor += 1) {
      if (anchor > from) {
        const out = Math.imul(text.charCodeAt(anchor - 1), DROP)
        hash = (Math.imul(hash - out, BASE) + text.charCodeAt(anchor + ANCHOR - 1)) | 0
      }
      if (filter[hash & FILTER_MASK] === 0) continue
      const bucket = this.byAnchor.get(hash)
      if (bucket === undefined) continue
      for (const { value, offset } of bucket) {
        const at = anchor - offset
        if (at >= from && at < to && text.startsWith(value, at)) visit(value, at)
      }
    }
  }
}
