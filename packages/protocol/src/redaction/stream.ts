import { KnownSecrets } from "./known-secrets.ts"
import { ID_KEY, type RedactionCounts, SEPARATOR } from "./redact.ts"
import { type Finding, scanMatches } from "./scanner.ts"

export type StreamRedactorOptions = { scanChars?: number; carryChars?: number }

const DEFAULT_SCAN_CHARS = 1024 * 1024
const DEFAULT_CARRY_CHARS = 16 * 1024

/**
 * Secrets remembered past the window they were found in, to be replaced wherever they occur later; the least
 * recently seen beyond this are forgotten, so a value full of distinct secrets holds bounded memory.
 */
const KEEP_SECRETS = 1024

/** Found by a scan but in no string of it (a match across SEPARATOR): kept to check in later windows, this many. */
const KEEP_CANDIDATES = 64

type RawEntry = { kind: "raw"; text: string }
/** A string's characters not yet released; `opened` once its opening quote is out, `open` until `endString()`. */
type StringEntry = { kind: "string"; id: boolean; parts: string[]; length: number; opened: boolean; open: boolean }
type Entry = RawEntry | StringEntry

function textOf(entry: StringEntry): string {
  if (entry.parts.length !== 1) entry.parts = [entry.parts.join("")]
  return entry.parts[0] ?? ""
}

/** A string's inside exactly as JSON.stringify writes it (pieces never end between a surrogate pair). */
const escaped = (text: string) => JSON.stringify(text).slice(1, -1)

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff

/**
 * Whether [start, start + length) of the joined text lies inside one string (`ends`: where each string ends in it):
 * then a finding is present without looking for it in every string.
 */
function withinOne(texts: readonly string[], ends: readonly number[], start: number, length: number): boolean {
  let low = 0
  let high = ends.length - 1
  while (low < high) {
    const middle = (low + high) >>> 1
    if ((ends[middle] ?? 0) < start + length) low = middle + 1
    else high = middle
  }
  const end = ends[low] ?? 0
  return end >= start + length && start >= end - (texts[low]?.length ?? 0)
}

function positive(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}`)
  return value
}

/**
 * `redactItem` for one JSON value that is never held whole: the server's streamed sync path pushes an item's (or a
 * row's) tokens through, up to 100 MB, and writes out what `take()` gives as it goes.
 *
 * How: strings' contents are held back, with the structure between them, until `scanChars + carryChars` are held;
 * then the held strings are scanned as one text (joined with redact.ts's SEPARATOR, as `redactItem` does) and all
 * but the last `carryChars` is released, every known secret replaced longest first. The carry is scanned again
 * with the next window, so a secret, with the context its rule needs, that straddles a window's end is seen whole
 * in the next scan as long as it spans at most `carryChars`. A cut inside a string never splits a surrogate pair
 * nor an occurrence of a known secret (it moves back; in a string still coming in it keeps the longest secret's
 * length back, so no occurrence can be half arrived), and a match that runs to the very end of the text held so far
 * is not trusted yet (a rule may have matched a cut-off secret): it only keeps the cut away until the next scan
 * sees how the text goes on. A value smaller than one window is scanned once, at `finish()`, over the same text as
 * `redactItem`'s, so its output is `JSON.stringify` of `redactItem`'s, byte for byte, with the same counts.
 *
 * Limits, for values bigger than one window only: a secret first found in a later window that also occurred in
 * text already released stays there (released text is out of reach), though it is counted; a secret whose match
 * with its context spans more than `carryChars` can be missed; past KEEP_SECRETS distinct secrets, the least
 * recently seen that occur in no held text are forgotten: replaced only where a rule finds them again, and then
 * counted again. The cut is checked against the secrets' own occurrences, not ones a longer secret's marker could
 * form (no rule's secret holds a marker's text). Held text stays under `scanChars + carryChars` plus one chunk
 * while no known secret is longer than `scanChars / 2`; an occurrence the cut must not split is held longer. Time
 * is linear in the text: one rule pass per window, and known secrets are found with a rolling hash
 * (known-secrets.ts), not looked for one by one.
 */
export class StreamRedactor {
  private readonly scanChars: number
  private readonly carryChars: number
  private readonly pending: Entry[] = []
  private pendingChars = 0
  private out: string[] = []
  private current: StringEntry | undefined
  private unscanned = false
  private finished = false
  private nextScanAt: number
  /** Secrets found and present in a string: replaced wherever they occur. */
  private readonly known = new KnownSecrets()
  private readonly candidates = new Map<string, Finding>()
  /** Matches that ran to the end of the text held so far: kept whole by the cut, judged at the next scan. */
  private deferred = new KnownSecrets()
  private scans = 0
  private readonly found: RedactionCounts = {}

  constructor(options: StreamRedactorOptions = {}) {
    this.scanChars = positive("scanChars", options.scanChars ?? DEFAULT_SCAN_CHARS, 1)
    this.carryChars = positive("carryChars", options.carryChars ?? DEFAULT_CARRY_CHARS, 0)
    this.nextScanAt = this.scanChars + this.carryChars
  }

  /** Distinct secrets replaced, per rule. */
  get counts(): RedactionCounts {
    return { ...this.found }
  }

  /** Characters of the value held back, not yet released (what `take()` has not collected yet is not counted). */
  get held(): number {
    return this.pendingChars
  }

  /** Structural JSON text (braces, commas, encoded keys with their colon, numbers, literals): out in order, as is. */
  raw(text: string): void {
    this.expect(false, "raw")
    if (text.length === 0) return
    const last = this.pending.at(-1)
    if (last === undefined) {
      this.emit(text)
      return
    }
    if (last.kind === "raw") last.text += text
    else this.pending.push({ kind: "raw", text })
    this.pendingChars += text.length
    this.afterInput()
  }

  /** A string value starts; `key` is its object key (an array element's: the array's; "" at the top level). */
  startString(key: string): void {
    this.expect(false, "startString")
    const entry: StringEntry = { kind: "string", id: ID_KEY.test(key), parts: [], length: 0, opened: false, open: true }
    this.current = entry
    this.pending.push(entry)
    this.afterInput()
  }

  /** Decoded characters of the current string, in any chunks (a surrogate pair may be split between two). */
  stringChunk(chunk: string): void {
    const entry = this.expect(true, "stringChunk")
    if (chunk.length === 0) return
    entry.parts.push(chunk)
    entry.length += chunk.length
    this.pendingChars += chunk.length
    if (!entry.id) this.unscanned = true
    this.afterInput()
  }

  endString(): void {
    const entry = this.expect(true, "endString")
    entry.open = false
    this.current = undefined
    // An empty string is a string of the joined text too (redactItem scans it between two separators).
    if (!entry.id) this.unscanned = true
    this.afterInput()
  }

  /** JSON text that is final and may be written out now. */
  take(): string {
    const text = this.out.join("")
    this.out = []
    return text
  }

  /** The rest, once the value is complete; the redactor takes nothing more after it. */
  finish(): string {
    this.expect(false, "finish")
    if (this.unscanned) this.scan(true)
    this.release(Number.POSITIVE_INFINITY)
    this.finished = true
    return this.take()
  }

  private expect(inString: true, call: string): StringEntry
  private expect(inString: false, call: string): undefined
  private expect(inString: boolean, call: string): StringEntry | undefined {
    if (this.finished) throw new Error(`StreamRedactor.${call}: called after finish()`)
    if (inString && this.current === undefined) throw new Error(`StreamRedactor.${call}: no string was started`)
    if (!inString && this.current !== undefined) throw new Error(`StreamRedactor.${call}: a string is still open`)
    return this.current
  }

  private emit(text: string): void {
    if (text.length === 0) return
    this.out.push(text)
  }

  private afterInput(): void {
    this.drain()
    if (this.pendingChars < this.nextScanAt) return
    if (this.unscanned) this.scan(false)
    this.release(this.pendingChars - this.carryChars)
    this.forgetOld()
    // A cut held back by a long secret must still leave room for new text, or each chunk would cost a scan.
    this.nextScanAt = Math.max(this.scanChars + this.carryChars, this.pendingChars + Math.ceil(this.scanChars / 2))
  }

  /** Past KEEP_SECRETS, forget the secrets least recently seen, but none that occurs in the text still held. */
  private forgetOld(): void {
    if (this.known.size <= KEEP_SECRETS) return
    for (const entry of this.pending)
      if (entry.kind === "string" && !entry.id) this.known.touchIn(textOf(entry), this.scans)
    this.known.forget(KEEP_SECRETS, this.scans)
  }

  /** Structure and id strings at the front wait for nothing: only scanned strings are held back. */
  private drain(): void {
    let done = 0
    for (const entry of this.pending) {
      if (entry.kind === "raw") {
        this.emit(entry.text)
        this.pendingChars -= entry.text.length
      } else if (!entry.id) {
        break
      } else if (entry.open) {
        this.emitString(entry, this.safeCut(textOf(entry), entry.length, entry))
        break
      } else {
        this.emitString(entry, entry.length)
      }
      done += 1
    }
    if (done > 0) this.pending.splice(0, done)
  }

  /** Release the first `limit` held characters (fewer where a cut must move back), secrets replaced. */
  private release(limit: number): void {
    let position = 0
    let done = 0
    for (const entry of this.pending) {
      if (entry.kind === "raw") {
        const count = Math.min(entry.text.length, limit - position)
        this.emit(entry.text.slice(0, count))
        this.pendingChars -= count
        if (count < entry.text.length) {
          entry.text = entry.text.slice(count)
          break
        }
        position += count
      } else if (!entry.open && position + entry.length <= limit) {
        position += entry.length
        this.emitString(entry, entry.length)
      } else {
        const cut = Math.max(0, Math.min(entry.length, limit - position))
        this.emitString(entry, this.safeCut(textOf(entry), cut, entry))
        break
      }
      done += 1
    }
    if (done > 0) this.pending.splice(0, done)
  }

  /** Out go a string's first `count` held characters (its quotes as due), secrets replaced unless it is an id. */
  private emitString(entry: StringEntry, count: number): void {
    const text = textOf(entry)
    const piece = text.slice(0, count)
    const closing = !entry.open && count === entry.length
    if (count === 0 && entry.opened && !closing) return
    const body = entry.id || this.known.size === 0 ? piece : this.known.replaceIn(piece)
    this.emit(`${entry.opened ? "" : '"'}${escaped(body)}${closing ? '"' : ""}`)
    entry.opened = true
    entry.parts = [text.slice(count)]
    entry.length -= count
    this.pendingChars -= count
  }

  /** `cut`, moved back until it splits neither a surrogate pair nor an occurrence of a known secret. */
  private safeCut(text: string, cut: number, entry: StringEntry): number {
    let at = cut
    if (!entry.id && entry.open) {
      at = Math.max(0, Math.min(at, text.length - Math.max(this.known.longest, this.deferred.longest) + 1))
    }
    for (let moved = true; moved; ) {
      moved = false
      if (at > 0 && isHighSurrogate(text.charCodeAt(at - 1))) {
        at -= 1
        moved = true
      }
      if (entry.id) continue
      const start = Math.min(this.known.spanning(text, at), this.deferred.spanning(text, at))
      if (start < at) {
        at = start
        moved = true
      }
    }
    return at
  }

  /** One rule pass over the held strings; `final` when no more text will come. */
  private scan(final: boolean): void {
    this.unscanned = false
    this.scans += 1
    this.deferred = new KnownSecrets()
    const strings: StringEntry[] = []
    for (const entry of this.pending) if (entry.kind === "string" && !entry.id) strings.push(entry)
    if (strings.length === 0) return
    const texts = strings.map(textOf)
    const ends: number[] = []
    for (const text of texts) ends.push((ends.at(-1) ?? -SEPARATOR.length) + SEPARATOR.length + text.length)
    const joined = texts.join(SEPARATOR)
    // A match that runs to the end of the held text while its string is still coming in may be a secret's start.
    const cutOff = !final && strings.at(-1)?.open === true ? joined.length : Number.POSITIVE_INFINITY
    // A match across SEPARATOR is present only if some string holds its value: all such are looked for in one pass.
    const across = new KnownSecrets()
    for (const { rule, value, start, end } of scanMatches(joined)) {
      if (withinOne(texts, ends, start, value.length)) this.consider({ rule, value }, end >= cutOff)
      else if (!this.known.has(value)) across.add({ rule, value }, this.scans)
    }
    for (const finding of this.candidates.values()) across.add(finding, this.scans)
    if (across.size === 0) return
    const present = new Set<string>()
    for (const text of texts) for (const finding of across.occurringIn(text)) present.add(finding.value)
    this.candidates.clear()
    for (const finding of across.findings) {
      if (present.has(finding.value)) this.consider(finding, false)
      else if (this.candidates.size < KEEP_CANDIDATES) this.candidates.set(finding.value, finding)
    }
  }

  private consider(finding: Finding, cutOff: boolean): void {
    const value = finding.value
    if (this.known.has(value)) {
      this.known.touch(value, this.scans)
      return
    }
    if (cutOff) {
      if (!this.deferred.has(value)) this.deferred.add(finding, this.scans)
      return
    }
    this.known.add(finding, this.scans)
    this.found[finding.rule] = (this.found[finding.rule] ?? 0) + 1
  }
}
