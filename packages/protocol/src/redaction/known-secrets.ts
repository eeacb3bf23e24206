import { marker, replaceAll } from "./redact.ts"
import type { Finding } from "./scanner.ts"

/** Secrets are indexed by a hash of their first PREFIX characters (a secret shorter than that is looked for alone). */
const PREFIX = 8
const BASE = 0x01000193
const DROP = Array.from({ length: PREFIX - 1 }).reduce<number>((power) => Math.imul(power, BASE), 1)

/** Below this many secrets `includes` per secret is faster than hashing every position of the text. */
const FEW = 8

type Known = { finding: Finding; order: number; seen: number }

function hashAt(text: string, at: number): number {
  let hash = 0
  for (let index = at; index < at + PREFIX; index += 1) hash = (Math.imul(hash, BASE) + text.charCodeAt(index)) | 0
  return hash
}

/**
 * The secrets a streamed value's scans have found, to replace wherever they occur later. Finding which of them
 * occur in a text costs one pass over it however many there are (a Rabin-Karp rolling hash of each position's
 * next PREFIX characters), so a value full of distinct secrets costs linear time, not text times secrets.
 */
export class KnownSecrets {
  private readonly byValue = new Map<string, Known>()
  private readonly byPrefix = new Map<number, string[]>()
  private readonly short = new Set<string>()
  private order = 0
  private longestCache: number | undefined

  get size(): number {
    return this.byValue.size
  }

  has(value: string): boolean {
    return this.byValue.has(value)
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
    this.byValue.set(value, { finding, order: this.order, seen: scan })
    this.order += 1
    this.longestCache = Math.max(this.longestCache ?? 0, value.length)
    if (value.length < PREFIX) {
      this.short.add(value)
      return
    }
    const hash = hashAt(value, 0)
    const bucket = this.byPrefix.get(hash)
    if (bucket === undefined) this.byPrefix.set(hash, [value])
    else bucket.push(value)
  }

  /** Seen again by scan number `scan`: the last to be forgotten. */
  touch(value: string, scan: number): void {
    const known = this.byValue.get(value)
    if (known === undefined) return
    this.byValue.delete(value)
    this.byValue.set(value, { ...known, seen: scan })
  }

  /** Forget the least recently seen secrets beyond `keep`, never one seen by scan `scan` (its text is still held). */
  forget(keep: number, scan: number): void {
    for (const [value, known] of this.byValue) {
      if (this.byValue.size <= keep || known.seen >= scan) return
      this.byValue.delete(value)
      this.longestCache = undefined
      if (value.length < PREFIX) {
        this.short.delete(value)
        continue
      }
      const hash = hashAt(value, 0)
      const bucket = (this.byPrefix.get(hash) ?? []).filter((other) => other !== value)
      if (bucket.length === 0) this.byPrefix.delete(hash)
      else this.byPrefix.set(hash, bucket)
    }
  }

  /** The secrets that occur in `text`, longest first (ties: first found first), as `replaceAll` wants them. */
  occurringIn(text: string): Finding[] {
    const found: Known[] = []
    if (this.byValue.size <= FEW) {
      for (const known of this.byValue.values()) if (text.includes(known.finding.value)) found.push(known)
    } else {
      const values = new Set<string>()
      this.startsIn(text, 0, text.length, (value) => {
        values.add(value)
        return false
      })
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
    this.startsIn(text, 0, text.length, (value, at) => {
      const known = this.byValue.get(value)
      if (known !== undefined) hits.push({ known, at })
      return false
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
    const from = Math.max(0, cut - this.longest + 1)
    this.startsIn(text, from, cut, (value, at) => {
      if (at + value.length <= cut) return false
      start = at
      return true
    })
    return start
  }

  /** Calls `visit` for each occurrence of a secret starting in [from, to), in order, until it returns true. */
  private startsIn(text: string, from: number, to: number, visit: (value: string, at: number) => boolean): void {
    const short: Array<[string, number]> = []
    for (const value of this.short) {
      for (let at = text.indexOf(value, from); at !== -1 && at < to; at = text.indexOf(value, at + 1)) {
        short.push([value, at])
      }
    }
    short.sort((a, b) => a[1] - b[1])
    let next = 0
    const last = Math.min(to, text.length - PREFIX + 1)
    let hash = from < last ? hashAt(text, from) : 0
    for (let at = from; at < last; at += 1) {
      if (at > from) {
        const out = Math.imul(text.charCodeAt(at - 1), DROP)
        hash = (Math.imul(hash - out, BASE) + text.charCodeAt(at + PREFIX - 1)) | 0
      }
      for (; next < short.length && (short[next]?.[1] ?? 0) <= at; next += 1) {
        const [value, where] = short[next] ?? ["", 0]
        if (visit(value, where)) return
      }
      const bucket = this.byPrefix.get(hash)
      if (bucket === undefined) continue
      for (const value of bucket) if (text.startsWith(value, at) && visit(value, at)) return
    }
    for (; next < short.length; next += 1) {
      const [value, where] = short[next] ?? ["", 0]
      if (visit(value, where)) return
    }
  }
}
